/* config.json of a sandbox: see bundle.h. Built with jansson, written atomically. */
#include "bundle.h"
#include "runtime_util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Docker's default capability set. */
static const char *const caps[] = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",    "CAP_AUDIT_WRITE",
};

static const char *const masked[] = {
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
};

static const char *const readonly[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static json_t *strings(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}
#define STRINGS(v) strings(v, sizeof v / sizeof *v)

static json_t *capabilities(void)
{
    return json_pack("{s:o s:o s:o s:[] s:[]}", "bounding", STRINGS(caps), "effective",
                     STRINGS(caps), "permitted", STRINGS(caps), "inheritable", "ambient");
}

/* execd --listen ADDR -- ENTRYPOINT... (default: tail -f /dev/null). */
static json_t *process_args(const struct rt_spec *s)
{
    json_t *a = json_pack("[s,s,s,s]", BUNDLE_EXECD_PATH, "--listen", BUNDLE_EXECD_LISTEN, "--");
    if (s->entrypoint && s->entrypoint[0]) {
        for (char *const *p = s->entrypoint; *p; p++)
            json_array_append_new(a, json_string(*p));
    } else {
        json_t *tail = json_pack("[s,s,s]", "tail", "-f", "/dev/null");
        json_array_extend(a, tail); /* copies the items: tail is still ours */
        json_decref(tail);
    }
    return a;
}

/* Later entries win (runc sets them in order): defaults, the image's env, the user's env, the
 * token. A user's own EXECD_ACCESS_TOKEN is dropped. */
static json_t *process_env(const struct rt_spec *s, json_t *image_env)
{
    json_t *e = json_pack(
        "[s,s]", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root");
    size_t i;
    json_t *v;
    json_array_foreach(image_env, i, v) if (json_is_string(v)) json_array_append(e, v);
    for (char *const *p = s->env; p && *p; p++)
        if (strncmp(*p, "EXECD_ACCESS_TOKEN=", 19) != 0) json_array_append_new(e, json_string(*p));
    if (s->execd_token && s->execd_token[0]) { /* no token: execd is open to this host */
        char tok[512];
        snprintf(tok, sizeof tok, "EXECD_ACCESS_TOKEN=%s", s->execd_token);
        json_array_append_new(e, json_string(tok));
    }
    return e;
}

static json_t *process(const struct bundle_opts *o)
{
    json_t *img = o->image_config ? json_load_file(o->image_config, 0, NULL) : NULL;
    json_t *iproc = json_object_get(img, "process");
    const char *cwd = json_string_value(json_object_get(iproc, "cwd"));
    /* rlimits are inherited from sandboxd (runc cannot raise them past its own hard limit) */
    json_t *p = json_pack(
        "{s:b s:{s:i s:i} s:o s:o s:s s:o s:b}", "terminal", 0, "user", "uid", 0, "gid", 0, "args",
        process_args(o->spec), "env", process_env(o->spec, json_object_get(iproc, "env")), "cwd",
        cwd && cwd[0] == '/' ? cwd : "/", "capabilities", capabilities(), "noNewPrivileges", 0);
    json_decref(img);
    return p;
}

static json_t *mnt(const char *dst, const char *type, const char *src, json_t *opts)
{
    return json_pack("{s:s s:s s:s s:o}", "destination", dst, "type", type, "source", src,
                     "options", opts);
}

static json_t *bind(const char *src, const char *dst, bool ro)
{
    json_t *o = json_pack("[s,s,s]", "rbind", "nosuid", "nodev");
    json_array_append_new(o, json_string(ro ? "ro" : "rw"));
    return mnt(dst, "bind", src, o);
}

static json_t *mounts(const struct bundle_opts *o)
{
    json_t *m = json_array();
    json_array_append_new(
        m, mnt("/proc", "proc", "proc", json_pack("[s,s,s]", "nosuid", "noexec", "nodev")));
    json_array_append_new(
        m, mnt("/dev", "tmpfs", "tmpfs",
               json_pack("[s,s,s,s]", "nosuid", "strictatime", "mode=755", "size=65536k")));
    json_array_append_new(m, mnt("/dev/pts", "devpts", "devpts",
                                 json_pack("[s,s,s,s,s]", "nosuid", "noexec", "newinstance",
                                           "ptmxmode=0666", "mode=0620")));
    json_array_append_new(
        m, mnt("/dev/shm", "tmpfs", "shm",
               json_pack("[s,s,s,s,s]", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
    json_array_append_new(m, mnt("/dev/mqueue", "mqueue", "mqueue",
                                 json_pack("[s,s,s]", "nosuid", "noexec", "nodev")));
    json_array_append_new(m, mnt("/sys", "sysfs", "sysfs",
                                 json_pack("[s,s,s,s]", "nosuid", "noexec", "nodev", "ro")));
    json_array_append_new(
        m, mnt("/sys/fs/cgroup", "cgroup", "cgroup",
               json_pack("[s,s,s,s,s]", "nosuid", "noexec", "nodev", "relatime", "ro")));
    for (int i = 0; i < o->n_host_binds; i++)
        json_array_append_new(m, bind(o->host_binds[i], o->host_binds[i], true));
    json_array_append_new(m, bind(o->execd, BUNDLE_EXECD_PATH, true));
    static const char *const etc[] = BUNDLE_ETC_FILES;
    for (size_t i = 0; o->etc_files && i < sizeof etc / sizeof *etc; i++) {
        char src[PATH_MAX], dst[64];
        if (rt_path(src, "%s/%s", o->etc_files, etc[i]) < 0) continue;
        snprintf(dst, sizeof dst, "/etc/%s", etc[i]);
        json_array_append_new(m, bind(src, dst, false));
    }
    for (size_t i = 0; i < o->spec->n_volumes; i++) {
        const struct rt_volume *v = &o->spec->volumes[i];
        json_array_append_new(m, bind(v->host_path, v->mount_path, v->read_only));
    }
    return m;
}

static json_t *resources(const struct rt_spec *s)
{
    json_t *r = json_pack("{s:[{s:b s:s}]}", "devices", "allow", 0, "access", "rwm");
    if (s->memory_bytes)
        json_object_set_new(r, "memory",
                            json_pack("{s:I s:I}", "limit", (json_int_t)s->memory_bytes, "swap",
                                      (json_int_t)s->memory_bytes) /* memory+swap: no swap */);
    if (s->cpu_millis)
        json_object_set_new(r, "cpu",
                            json_pack("{s:I s:I}", "quota", (json_int_t)(s->cpu_millis * 100),
                                      "period", (json_int_t)100000));
    if (s->pids) json_object_set_new(r, "pids", json_pack("{s:I}", "limit", (json_int_t)s->pids));
    return r;
}

static json_t *namespaces(const char *netns)
{
    return json_pack("[{s:s} {s:s s:s} {s:s} {s:s} {s:s} {s:s}]", "type", "pid", "type", "network",
                     "path", netns, "type", "ipc", "type", "uts", "type", "mount", "type",
                     "cgroup");
}

static json_t *linux_section(const struct bundle_opts *o)
{
    return json_pack("{s:s s:o s:o s:o s:o s:o s:s}", "cgroupsPath", o->cgroup_path, "resources",
                     resources(o->spec), "namespaces", namespaces(o->netns), "maskedPaths",
                     STRINGS(masked), "readonlyPaths", STRINGS(readonly), "seccomp",
                     bundle_seccomp(), "rootfsPropagation", "rprivate");
}

static json_t *config(const struct bundle_opts *o)
{
    char host[64];
    snprintf(host, sizeof host, "%.63s", o->spec->id);
    return json_pack("{s:s s:o s:{s:s s:b} s:s s:o s:o}", "ociVersion", "1.0.2", "process",
                     process(o), "root", "path", o->rootfs, "readonly", 0, "hostname", host,
                     "mounts", mounts(o), "linux", linux_section(o));
}

int bundle_write(const char *dir, const struct bundle_opts *o, char *err)
{
    char path[PATH_MAX];
    if (rt_path(path, "%s/config.json", dir) < 0)
        return rt_fail(err, -ENAMETOOLONG, "bundle path too long");
    json_t *c = config(o);
    char *text = c ? json_dumps(c, JSON_COMPACT) : NULL;
    json_decref(c);
    if (!text) return rt_fail(err, -ENOMEM, "cannot build the OCI config for '%s'", o->spec->id);
    int r = rt_write_file(path, text, strlen(text));
    free(text);
    return r < 0 ? rt_fail(err, r, "write '%s': %s", path, strerror(-r)) : 0;
}
