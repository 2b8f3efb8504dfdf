/* Unit tests of the native runtime's pure parts: the OCI config a sandbox gets (bundle.c,
 * bundle_seccomp.c), network leases (net.c), ids (runtime_util.c) and image errors (image.c). */
#include "tap.h"

#include "bundle.h"
#include "image.h"
#include "net.h"
#include "runtime_util.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool array_has(json_t *a, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) if (json_is_string(v) &&
                                    strcmp(json_string_value(v), s) == 0) return true;
    return false;
}

static json_t *find_mount(json_t *mounts, const char *dest)
{
    size_t i;
    json_t *m;
    json_array_foreach(mounts, i,
                       m) if (strcmp(json_string_value(json_object_get(m, "destination")), dest) ==
                              0) return m;
    return NULL;
}

static json_t *write_and_load(const char *dir)
{
    static char *const entry[] = {"python3", "-m", "http.server", NULL};
    static char *const env[] = {"FOO=bar", "EXECD_ACCESS_TOKEN=spoofed", NULL};
    static const struct rt_volume vol = {"/srv/data", "/data", true};
    static const char *const binds[] = {"/usr"};
    struct rt_spec s = {.id = "sb-1",
                        .image = "host",
                        .entrypoint = entry,
                        .env = env,
                        .execd_token = "tok",
                        .cpu_millis = 1500,
                        .memory_bytes = 1 << 26,
                        .pids = 99,
                        .volumes = &vol,
                        .n_volumes = 1};
    struct bundle_opts o = {.spec = &s,
                            .rootfs = "/st/rootfs",
                            .netns = "/st/netns",
                            .execd = "/host/execd",
                            .cgroup_path = "/sandboxd/x-sb-1",
                            .host_binds = binds,
                            .n_host_binds = 1};
    char err[RT_ERR_MAX] = "", path[PATH_MAX + 16];
    if (bundle_write(dir, &o, err) < 0) return NULL;
    snprintf(path, sizeof path, "%s/config.json", dir);
    return json_load_file(path, 0, NULL);
}

static void test_config(const char *dir)
{
    json_t *c = write_and_load(dir);
    ok(c != NULL, "bundle_write writes a JSON config");
    if (!c) return;
    json_t *proc = json_object_get(c, "process"), *lin = json_object_get(c, "linux");
    json_t *args = json_object_get(proc, "args"), *env = json_object_get(proc, "env");
    ok(strcmp(json_string_value(json_array_get(args, 0)), BUNDLE_EXECD_PATH) == 0 &&
           strcmp(json_string_value(json_array_get(args, 3)), "--") == 0 &&
           strcmp(json_string_value(json_array_get(args, 4)), "python3") == 0,
       "init is execd --listen ADDR -- ENTRYPOINT");
    ok(array_has(env, "EXECD_ACCESS_TOKEN=tok") && !array_has(env, "EXECD_ACCESS_TOKEN=spoofed"),
       "the token comes from the spec, never from the user's env");
    ok(array_has(env, "FOO=bar") && array_has(env, "HOME=/root"), "user env plus defaults");
    json_t *caps = json_object_get(json_object_get(proc, "capabilities"), "bounding");
    ok(json_array_size(caps) == 14 && array_has(caps, "CAP_NET_RAW") &&
           !array_has(caps, "CAP_SYS_ADMIN"),
       "Docker's 14 default capabilities, no CAP_SYS_ADMIN");
    json_t *res = json_object_get(lin, "resources");
    ok(json_integer_value(json_object_get(json_object_get(res, "memory"), "limit")) == 1 << 26 &&
           json_integer_value(json_object_get(json_object_get(res, "cpu"), "quota")) == 150000 &&
           json_integer_value(json_object_get(json_object_get(res, "pids"), "limit")) == 99,
       "memory, cpu and pids limits");
    json_t *ns = json_object_get(lin, "namespaces");
    ok(json_array_size(ns) == 6 &&
           strcmp(json_string_value(json_object_get(json_array_get(ns, 1), "path")), "/st/netns") ==
               0,
       "six namespaces, the network one from the bound netns");
    json_t *mounts = json_object_get(c, "mounts"), *m = find_mount(mounts, BUNDLE_EXECD_PATH);
    ok(m && array_has(json_object_get(m, "options"), "ro") &&
           strcmp(json_string_value(json_object_get(m, "source")), "/host/execd") == 0,
       "execd is bind-mounted read-only");
    m = find_mount(mounts, "/data");
    ok(m && array_has(json_object_get(m, "options"), "ro"), "a read-only volume");
    ok(find_mount(mounts, "/usr") != NULL, "host binds are mounted");
    json_t *sc = json_object_get(lin, "seccomp");
    ok(strcmp(json_string_value(json_object_get(sc, "defaultAction")), "SCMP_ACT_ALLOW") == 0 &&
           array_has(json_object_get(json_array_get(json_object_get(sc, "syscalls"), 0), "names"),
                     "kexec_load"),
       "seccomp refuses kexec_load");
    ok(array_has(json_object_get(lin, "maskedPaths"), "/proc/kcore"), "/proc/kcore is masked");
    json_decref(c);
}

static void test_lease(void)
{
    struct net_lease l;
    char buf[64];
    ok(net_lease_parse("5 deny\n", &l) == 0 && l.deny_egress && strcmp(l.host_if, "sbx5") == 0 &&
           strcmp(l.host_ip, "10.88.0.21") == 0 && strcmp(l.sandbox_ip, "10.88.0.22") == 0,
       "lease 5: sbx5, 10.88.0.21 / 10.88.0.22");
    l.index = NET_MAX_INDEX;
    l.deny_egress = false;
    net_lease_fill(&l);
    net_lease_format(&l, buf, sizeof buf);
    ok(strcmp(l.sandbox_ip, "10.88.255.254") == 0 && strcmp(buf, "16383 allow\n") == 0,
       "the last lease is 10.88.255.254");
    ok(net_lease_parse("0 allow", &l) < 0 && net_lease_parse("junk", &l) < 0 &&
           net_lease_parse("16384 allow", &l) < 0,
       "bad leases are refused");
}

static void test_ids_and_images(const char *dir)
{
    ok(rt_id_valid("a-b_c.1") && !rt_id_valid("") && !rt_id_valid("../x") && !rt_id_valid(".x") &&
           !rt_id_valid("a/b"),
       "id validation");
    struct image img;
    char err[RT_ERR_MAX] = "";
    image_set_state(dir);
    int r = image_resolve("python:3.11", &img, err);
    ok(r == -ENOENT && strstr(err, "python:3.11") && strstr(err, "rtctl import"),
       "an unknown image names itself and how to provide it: %s", err);
    ok(image_resolve("/", &img, err) == -EINVAL, "the host root is not a rootfs");
    ok(image_resolve(dir, &img, err) == -EINVAL, "the state dir is not a rootfs");
    ok(image_resolve("/nonexistent-dir", &img, err) == -ENOENT, "a missing directory");
}

int main(void)
{
    char dir[] = "/tmp/test_runtime_bundle.XXXXXX";
    plan(20);
    if (!mkdtemp(dir)) return 1;
    char real[PATH_MAX];
    if (!realpath(dir, real)) return 1;
    test_config(real);
    test_lease();
    test_ids_and_images(real);
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s/config.json", real);
    unlink(p);
    rmdir(real);
    return done_testing(1);
}
