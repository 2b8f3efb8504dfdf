/* Snapshots: the sandbox's upper layer (copied while the container is frozen) and its image ref. */
#include "runtime_native.h"
#include "runtime_runc.h"
#include "runtime_util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int copy_snapshot(const char *id, const char *tmp, char *err)
{
    char from[PATH_MAX], to[PATH_MAX], ref[PATH_MAX + 8], refp[PATH_MAX];
    if (rt_sandbox_path(from, id, "upper") < 0 || rt_path(to, "%s/upper", tmp) < 0 ||
        rt_sandbox_path(refp, id, "image") < 0)
        return -ENAMETOOLONG;
    ssize_t n = rt_read_file(refp, ref, sizeof ref);
    if (n < 0) return rt_fail(err, (int)n, "sandbox '%s' has no image record", id);
    if (mkdir(to, 0755) < 0) return rt_fail(err, -errno, "mkdir '%s': %m", to);
    int r = rt_copy_tree(from, to, err);
    if (r < 0) return r;
    if (rt_path(to, "%s/image", tmp) < 0) return -ENAMETOOLONG;
    r = rt_write_file(to, ref, (size_t)n);
    return r < 0 ? rt_fail(err, r, "write '%s': %s", to, strerror(-r)) : 0;
}

int rt_native_snapshot(const char *id, const char *snap_id, char err[RT_ERR_MAX])
{
    char dir[PATH_MAX], tmp[PATH_MAX];
    enum rt_state st;
    int pid;
    if (!rt_id_valid(id) || !rt_id_valid(snap_id))
        return rt_fail(err, -EINVAL, "invalid sandbox or snapshot id");
    if (rt_snapshot_path(dir, snap_id, NULL) < 0 || rt_path(tmp, "%s.tmp", dir) < 0)
        return -ENAMETOOLONG;
    if (rt_exists(dir)) return rt_fail(err, -EEXIST, "snapshot '%s' already exists", snap_id);
    int r = runc_state(id, &st, &pid, err);
    if (r == -ENOENT) return rt_fail(err, -ENOENT, "sandbox '%s' does not exist", id);
    if (r < 0) return r;
    bool freeze = st == RT_RUNNING;
    if (freeze && (r = runc_pause(id, err)) < 0) return r;
    rt_rm_rf(tmp);
    r = mkdir(tmp, 0700) < 0 ? rt_fail(err, -errno, "mkdir '%s': %m", tmp)
                             : copy_snapshot(id, tmp, err);
    if (freeze) {
        char e[RT_ERR_MAX];
        int r2 = runc_resume(id, e);
        if (r == 0 && r2 < 0) r = rt_fail(err, r2, "%s", e);
    }
    if (r == 0 && rename(tmp, dir) < 0) r = rt_fail(err, -errno, "rename '%s': %m", tmp);
    if (r < 0) rt_rm_rf(tmp);
    return r;
}

int rt_native_snapshot_delete(const char *snap_id, char err[RT_ERR_MAX])
{
    char dir[PATH_MAX];
    if (!rt_id_valid(snap_id) || rt_snapshot_path(dir, snap_id, NULL) < 0)
        return rt_fail(err, -EINVAL, "invalid snapshot id '%s'", snap_id ? snap_id : "");
    int r = rt_rm_rf(dir);
    return r < 0 ? rt_fail(err, r, "remove '%s': %s", dir, strerror(-r)) : 0;
}
