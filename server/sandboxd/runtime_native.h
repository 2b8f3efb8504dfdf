/* Internals shared by runtime_native*.c: the state-dir layout.
 *
 *   STATE/sandboxes/ID/   the OCI bundle: config.json, rootfs/ (overlay mount), upper/, work/,
 *                         netns (bound network namespace), net (lease), image (ref), init.log
 *   STATE/runc/           runc --root
 *   STATE/images/         host/rootfs (host skeleton), store/NAME/rootfs (imported images)
 *   STATE/snapshots/ID/   upper/ and image (ref)
 */
#ifndef SANDBOXD_RUNTIME_NATIVE_H
#define SANDBOXD_RUNTIME_NATIVE_H
#include "net.h"
#include "runtime.h"

#include <limits.h>

struct rt_ctx {
    char state[PATH_MAX];
    char execd[PATH_MAX];
    char tag[9]; /* hash of the state dir: keeps cgroups of several instances apart */
    bool ready;
};
extern struct rt_ctx rt_ctx;

/* STATE/sandboxes/ID[/leaf] */
int rt_sandbox_path(char out[PATH_MAX], const char *id, const char *leaf);
/* STATE/snapshots/ID[/leaf] */
int rt_snapshot_path(char out[PATH_MAX], const char *id, const char *leaf);
/* Reads the sandbox's network lease; -ENOENT when it has none. */
int rt_lease_load(const char *id, struct net_lease *ret);
/* Copies a tree with cp -a (keeps overlay whiteouts and xattrs). */
int rt_copy_tree(const char *from, const char *to, char *err);
/* Keeps init.log under a few MiB (runtime_log.c); called by rt_inspect. */
void rt_log_cap(const char *id);
/* The exit status execd reported in init.log before exiting, or -1 when it did not (killed). */
int rt_log_exit_status(const char *id);
/* The native runtime's operations (runtime.h), gathered in rt_native_ops. */
int rt_native_init(const char *state_dir, const char *execd_path, char err[RT_ERR_MAX]);
int rt_native_create(const struct rt_spec *spec, struct rt_info *info, char err[RT_ERR_MAX]);
int rt_native_inspect(const char *id, struct rt_info *info, char err[RT_ERR_MAX]);
int rt_native_pause(const char *id, char err[RT_ERR_MAX]);
int rt_native_resume(const char *id, char err[RT_ERR_MAX]);
int rt_native_delete(const char *id, char err[RT_ERR_MAX]);
int rt_native_snapshot(const char *id, const char *snap_id, char err[RT_ERR_MAX]);
int rt_native_snapshot_delete(const char *snap_id, char err[RT_ERR_MAX]);
int rt_native_list(int (*fn)(const char *id, void *arg), void *arg, char err[RT_ERR_MAX]);
/* Removes everything a sandbox has on the host (runtime_native_delete.c). */
int rt_teardown(const char *id, char *err);
#endif
