/* rt_init chooses a runtime by name; the other rt_* calls of runtime.h go to its table. */
#include "runtime_ops.h"
#include "runtime_util.h"

#include <errno.h>
#include <string.h>

static const struct rt_ops *const runtimes[] = {&rt_native_ops, &rt_docker_ops};
static const struct rt_ops *ops;

int rt_init(const char *runtime, const char *state_dir, const char *execd_path,
            char err[RT_ERR_MAX])
{
    for (size_t i = 0; i < sizeof runtimes / sizeof *runtimes; i++) {
        if (strcmp(runtime, runtimes[i]->name)) continue;
        int r = runtimes[i]->init(state_dir, execd_path, err);
        if (r == 0) ops = runtimes[i];
        return r;
    }
    return rt_fail(err, -EINVAL, "unknown runtime '%s' (native or docker)", runtime);
}

static int not_ready(char *err)
{
    return rt_fail(err, -EINVAL, "runtime not initialised (rt_init)");
}

int rt_create(const struct rt_spec *spec, struct rt_info *info, char err[RT_ERR_MAX])
{
    return ops ? ops->create(spec, info, err) : not_ready(err);
}

int rt_inspect(const char *id, struct rt_info *info, char err[RT_ERR_MAX])
{
    return ops ? ops->inspect(id, info, err) : not_ready(err);
}

int rt_pause(const char *id, char err[RT_ERR_MAX])
{
    return ops ? ops->pause(id, err) : not_ready(err);
}

int rt_resume(const char *id, char err[RT_ERR_MAX])
{
    return ops ? ops->resume(id, err) : not_ready(err);
}

int rt_delete(const char *id, char err[RT_ERR_MAX])
{
    return ops ? ops->delete (id, err) : not_ready(err);
}

int rt_snapshot(const char *id, const char *snap_id, char err[RT_ERR_MAX])
{
    return ops ? ops->snapshot(id, snap_id, err) : not_ready(err);
}

int rt_snapshot_delete(const char *snap_id, char err[RT_ERR_MAX])
{
    return ops ? ops->snapshot_delete(snap_id, err) : not_ready(err);
}

int rt_list(int (*fn)(const char *id, void *arg), void *arg, char err[RT_ERR_MAX])
{
    return ops ? ops->list(fn, arg, err) : not_ready(err);
}
