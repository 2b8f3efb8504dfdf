/* The runtimes behind runtime.h: each is a table of the same operations, and rt_init picks one
 * by name (runtime_ops.c). Every other rt_* call goes to the chosen table. */
#ifndef SANDBOXD_RUNTIME_OPS_H
#define SANDBOXD_RUNTIME_OPS_H
#include "runtime.h"

struct rt_ops {
    const char *name; /* "native", "docker": --runtime and the config's runtime key */
    int (*init)(const char *state_dir, const char *execd_path, char err[RT_ERR_MAX]);
    int (*create)(const struct rt_spec *spec, struct rt_info *info, char err[RT_ERR_MAX]);
    int (*inspect)(const char *id, struct rt_info *info, char err[RT_ERR_MAX]);
    int (*pause)(const char *id, char err[RT_ERR_MAX]);
    int (*resume)(const char *id, char err[RT_ERR_MAX]);
    int (*delete)(const char *id, char err[RT_ERR_MAX]);
    int (*snapshot)(const char *id, const char *snap_id, char err[RT_ERR_MAX]);
    int (*snapshot_delete)(const char *snap_id, char err[RT_ERR_MAX]);
    int (*list)(int (*fn)(const char *id, void *arg), void *arg, char err[RT_ERR_MAX]);
};

extern const struct rt_ops rt_native_ops; /* runc + OCI bundles (runtime_native*.c) */
extern const struct rt_ops rt_docker_ops; /* the Docker Engine API (runtime_docker*.c) */
#endif
