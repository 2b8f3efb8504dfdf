/* The native runtime: init, create, inspect, pause/resume, list (runtime.h) and its ops table.
 * Delete and snapshots are in runtime_native_delete.c and runtime_native_snapshot.c. */
#include "runtime_native.h"
#include "runtime_ops.h"
#include "bundle.h"
#include "image.h"
#include "net.h"
#include "runtime_runc.h"
#include "runtime_spawn.h"
#include "runtime_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

struct rt_ctx rt_ctx;

int rt_sandbox_path(char out[PATH_MAX], const char *id, const char *leaf)
{
    return rt_path(out, "%s/sandboxes/%s%s%s", rt_ctx.state, id, leaf ? "/" : "", leaf ? leaf : "");
}

int rt_snapshot_path(char out[PATH_MAX], const char *id, const char *leaf)
{
    return rt_path(out, "%s/snapshots/%s%s%s", rt_ctx.state, id, leaf ? "/" : "", leaf ? leaf : "");
}

int rt_lease_load(const char *id, struct net_lease *ret)
{
    char p[PATH_MAX], buf[64];
    if (rt_sandbox_path(p, id, "net") < 0) return -ENAMETOOLONG;
    ssize_t n = rt_read_file(p, buf, sizeof buf);
    if (n < 0) return (int)n;
    return net_lease_parse(buf, ret);
}

int rt_copy_tree(const char *from, const char *to, char *err)
{
    char src[PATH_MAX];
    if (rt_path(src, "%s/.", from) < 0)
        return rt_fail(err, -ENAMETOOLONG, "path too long: '%s'", from);
    char *argv[] = {"cp", "-a", src, (char *)to, NULL};
    return rt_run(argv, err);
}

static void make_tag(const char *s, char out[9])
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    snprintf(out, 9, "%08x", h);
}

static int init_dirs(char *err)
{
    static const char *const subdirs[] = {"sandboxes", "runc", "images", "snapshots"};
    for (size_t i = 0; i < sizeof subdirs / sizeof *subdirs; i++) {
        char p[PATH_MAX];
        if (rt_path(p, "%s/%s", rt_ctx.state, subdirs[i]) < 0)
            return rt_fail(err, -ENAMETOOLONG, "state dir path too long");
        int r = rt_mkdir_p(p, 0700);
        if (r < 0) return rt_fail(err, r, "mkdir '%s': %s", p, strerror(-r));
    }
    return 0;
}

int rt_native_init(const char *state_dir, const char *execd_path, char err[RT_ERR_MAX])
{
    int r = rt_mkdir_p(state_dir, 0700);
    if (r < 0) return rt_fail(err, r, "mkdir '%s': %s", state_dir, strerror(-r));
    if (!realpath(state_dir, rt_ctx.state))
        return rt_fail(err, -errno, "state dir '%s': %m", state_dir);
    if (strpbrk(rt_ctx.state, ":,\\"))
        return rt_fail(err, -EINVAL, "state dir '%s' contains ':', ',' or '\\' (overlayfs options)",
                       rt_ctx.state);
    if (!realpath(execd_path, rt_ctx.execd) || access(rt_ctx.execd, X_OK) < 0)
        return rt_fail(err, -ENOENT, "execd binary '%s': %m", execd_path);
    make_tag(rt_ctx.state, rt_ctx.tag);
    r = init_dirs(err);
    if (r < 0) return r;
    char p[PATH_MAX];
    rt_path(p, "%s/runc", rt_ctx.state);
    runc_set_root(p);
    image_set_state(rt_ctx.state);
    rt_path(p, "%s/images", rt_ctx.state);
    r = net_init(err) ?: image_host_build(p, err);
    rt_ctx.ready = r == 0;
    return r;
}

static int check_spec(const struct rt_spec *s, char *err)
{
    if (!rt_ctx.ready) return rt_fail(err, -EINVAL, "native runtime not initialised (rt_init)");
    if (!rt_id_valid(s->id))
        return rt_fail(err, -EINVAL, "invalid sandbox id '%s'", s->id ? s->id : "");
    for (size_t i = 0; i < s->n_volumes; i++) {
        const struct rt_volume *v = &s->volumes[i];
        if (!v->host_path || v->host_path[0] != '/' || !v->mount_path || v->mount_path[0] != '/')
            return rt_fail(err, -EINVAL, "volume paths must be absolute");
        if (!rt_exists(v->host_path))
            return rt_fail(err, -ENOENT, "volume host path '%s' does not exist", v->host_path);
    }
    return 0;
}

/* The image to use and, for a snapshot, its upper layer copied into the new bundle. */
static int prepare_fs(const struct rt_spec *s, struct image *img, char *err)
{
    char upper[PATH_MAX], p[PATH_MAX], ref[PATH_MAX + 8];
    if (!s->snapshot) return image_resolve(s->image, img, err);
    if (!rt_id_valid(s->snapshot) || rt_snapshot_path(p, s->snapshot, "image") < 0)
        return rt_fail(err, -EINVAL, "invalid snapshot id '%s'", s->snapshot);
    if (rt_read_file(p, ref, sizeof ref) < 0)
        return rt_fail(err, -ENOENT, "snapshot '%s' does not exist", s->snapshot);
    int r = image_from_ref(ref, img, err);
    if (r < 0) return r;
    if (rt_snapshot_path(p, s->snapshot, "upper") < 0 || rt_sandbox_path(upper, s->id, "upper") < 0)
        return -ENAMETOOLONG;
    return rt_copy_tree(p, upper, err);
}

static int make_bundle_dirs(const char *id, char *err)
{
    static const char *const leaves[] = {"upper", "work", "rootfs"};
    char p[PATH_MAX];
    if (rt_sandbox_path(p, id, NULL) < 0) return rt_fail(err, -ENAMETOOLONG, "path too long");
    if (mkdir(p, 0700) < 0)
        return rt_fail(err, errno == EEXIST ? -EEXIST : -errno, "sandbox '%s': mkdir '%s': %m", id,
                       p);
    for (size_t i = 0; i < sizeof leaves / sizeof *leaves; i++)
        if (rt_sandbox_path(p, id, leaves[i]) < 0 || mkdir(p, 0755) < 0)
            return rt_fail(err, -errno, "mkdir '%s': %m", p);
    return 0;
}

static int mount_overlay(const char *id, const struct image *img, char *err)
{
    char up[PATH_MAX], wk[PATH_MAX], root[PATH_MAX], opts[3 * PATH_MAX + 64];
    if (rt_sandbox_path(up, id, "upper") < 0 || rt_sandbox_path(wk, id, "work") < 0 ||
        rt_sandbox_path(root, id, "rootfs") < 0)
        return -ENAMETOOLONG;
    snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s,workdir=%s", img->lower, up, wk);
    if (mount("overlay", root, "overlay", MS_NODEV, opts) < 0)
        return rt_fail(err, -errno, "mount overlay on '%s' (lower '%s'): %m", root, img->lower);
    return 0;
}

static int setup_net(const struct rt_spec *s, struct net_lease *lease, char *err)
{
    char ns[PATH_MAX], p[PATH_MAX], buf[64];
    if (rt_sandbox_path(ns, s->id, "netns") < 0 || rt_sandbox_path(p, s->id, "net") < 0)
        return -ENAMETOOLONG;
    int r = net_ns_create(ns, err) ?: net_setup(ns, s->deny_egress, lease, err);
    if (r < 0) return r;
    net_lease_format(lease, buf, sizeof buf);
    r = rt_write_file(p, buf, strlen(buf));
    if (r < 0) {
        net_teardown(lease, NULL);
        return rt_fail(err, r, "write '%s': %s", p, strerror(-r));
    }
    return 0;
}

static int write_config(const struct rt_spec *s, const struct image *img, char *err)
{
    char dir[PATH_MAX], root[PATH_MAX], ns[PATH_MAX], ref[PATH_MAX], cg[RT_ID_MAX + 32];
    const char *binds[IMAGE_BINDS_MAX];
    if (rt_sandbox_path(dir, s->id, NULL) < 0 || rt_sandbox_path(root, s->id, "rootfs") < 0 ||
        rt_sandbox_path(ns, s->id, "netns") < 0 || rt_sandbox_path(ref, s->id, "image") < 0)
        return -ENAMETOOLONG;
    int r = rt_write_file(ref, img->ref, strlen(img->ref));
    if (r < 0) return rt_fail(err, r, "write '%s': %s", ref, strerror(-r));
    snprintf(cg, sizeof cg, "/sandboxd/%s-%s", rt_ctx.tag, s->id);
    struct bundle_opts o = {.spec = s,
                            .rootfs = root,
                            .netns = ns,
                            .execd = rt_ctx.execd,
                            .cgroup_path = cg,
                            .host_binds = binds};
    o.n_host_binds = img->host ? image_host_binds(binds) : 0;
    o.image_config = img->config[0] ? img->config : NULL;
    struct net_lease l;
    if (rt_lease_load(s->id, &l) == 0) {
        r = bundle_etc_files(dir, s->id, l.sandbox_ip, err);
        if (r < 0) return r;
        o.etc_files = dir;
    }
    return bundle_write(dir, &o, err);
}

static void fill_info(const char *id, struct rt_info *info)
{
    struct net_lease l;
    if (rt_lease_load(id, &l) == 0)
        snprintf(info->execd_addr, sizeof info->execd_addr, "%s:%d", l.sandbox_ip,
                 NET_SANDBOX_PORT);
}

static void log_tail(const char *log, int r, const char *id, char *err)
{
    char tail[RT_ERR_MAX - 64];
    ssize_t n = rt_read_file(log, tail, sizeof tail);
    for (ssize_t i = 0; i < n; i++)
        if (tail[i] == '\n') tail[i] = ' ';
    rt_fail(err, r, "runc run '%s' failed: %s", id, n > 0 ? tail : "no output");
}

/* runc run -d; info comes from runc's pid file (no second runc call). */
static int start(const char *id, struct rt_info *info, char *err)
{
    char dir[PATH_MAX], log[PATH_MAX], pidf[PATH_MAX], buf[32];
    if (rt_sandbox_path(dir, id, NULL) < 0 || rt_sandbox_path(log, id, "init.log") < 0 ||
        rt_sandbox_path(pidf, id, "init.pid") < 0)
        return -ENAMETOOLONG;
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return rt_fail(err, -errno, "open '%s': %m", log);
    int r = runc_run(id, dir, pidf, fd, err);
    close(fd);
    if (r < 0) {
        log_tail(log, r, id, err);
        return r;
    }
    memset(info, 0, sizeof *info);
    info->state = RT_RUNNING;
    if (rt_read_file(pidf, buf, sizeof buf) > 0) info->init_pid = atoi(buf);
    fill_info(id, info);
    return 0;
}

int rt_native_create(const struct rt_spec *spec, struct rt_info *info, char err[RT_ERR_MAX])
{
    struct image img;
    struct net_lease lease;
    int r = check_spec(spec, err);
    if (r < 0) return r;
    r = make_bundle_dirs(spec->id, err);
    if (r == -EEXIST) return r;
    r = r ?: prepare_fs(spec, &img, err);
    r = r ?: mount_overlay(spec->id, &img, err);
    r = r ?: setup_net(spec, &lease, err);
    r = r ?: write_config(spec, &img, err);
    r = r ?: start(spec->id, info, err);
    if (r < 0) rt_teardown(spec->id, NULL);
    return r;
}

int rt_native_inspect(const char *id, struct rt_info *info, char err[RT_ERR_MAX])
{
    char dir[PATH_MAX];
    memset(info, 0, sizeof *info);
    if (!rt_id_valid(id) || rt_sandbox_path(dir, id, NULL) < 0)
        return rt_fail(err, -EINVAL, "invalid sandbox id '%s'", id ? id : "");
    if (!rt_exists(dir)) return 0; /* RT_ABSENT */
    int r = runc_state(id, &info->state, &info->init_pid, err);
    if (r == -ENOENT) {
        info->state = RT_ABSENT;
        return 0;
    }
    if (r < 0) return r;
    if (info->state == RT_STOPPED) {
        info->init_pid = 0;
        info->exit_status = rt_log_exit_status(id);
    }
    fill_info(id, info);
    rt_log_cap(id);
    return 0;
}

int rt_native_pause(const char *id, char err[RT_ERR_MAX])
{
    if (!rt_id_valid(id)) return rt_fail(err, -EINVAL, "invalid sandbox id");
    return runc_pause(id, err);
}

int rt_native_resume(const char *id, char err[RT_ERR_MAX])
{
    if (!rt_id_valid(id)) return rt_fail(err, -EINVAL, "invalid sandbox id");
    return runc_resume(id, err);
}

static int list_dir(const char *dir, const char *skip_if_in, int (*fn)(const char *, void *),
                    void *arg, char *err)
{
    DIR *d = opendir(dir);
    if (!d) return errno == ENOENT ? 0 : rt_fail(err, -errno, "opendir '%s': %m", dir);
    struct dirent *e;
    int r = 0;
    while (r == 0 && (e = readdir(d))) {
        char p[PATH_MAX];
        if (!rt_id_valid(e->d_name)) continue;
        if (skip_if_in && rt_path(p, "%s/%s", skip_if_in, e->d_name) == 0 && rt_exists(p))
            continue; /* already listed */
        r = fn(e->d_name, arg);
    }
    closedir(d);
    return r;
}

/* Bundles, then containers runc knows without a bundle (a crash between the two). */
int rt_native_list(int (*fn)(const char *id, void *arg), void *arg, char err[RT_ERR_MAX])
{
    char bundles[PATH_MAX], runc[PATH_MAX];
    if (rt_path(bundles, "%s/sandboxes", rt_ctx.state) < 0 ||
        rt_path(runc, "%s/runc", rt_ctx.state) < 0)
        return -ENAMETOOLONG;
    int r = list_dir(bundles, NULL, fn, arg, err);
    if (r == 0) r = list_dir(runc, bundles, fn, arg, err);
    return r < 0 ? r : 0;
}

const struct rt_ops rt_native_ops = {
    .name = "native",
    .init = rt_native_init,
    .create = rt_native_create,
    .inspect = rt_native_inspect,
    .pause = rt_native_pause,
    .resume = rt_native_resume,
    .delete = rt_native_delete,
    .snapshot = rt_native_snapshot,
    .snapshot_delete = rt_native_snapshot_delete,
    .list = rt_native_list,
};
