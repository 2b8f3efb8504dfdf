/* rt_delete: removes a sandbox and everything it has on the host, in reverse order of creation.
 * Every step tolerates its piece being absent, so a half-created sandbox is removed the same way.
 */
#include "image.h"
#include "net.h"
#include "runtime_native.h"
#include "runtime_runc.h"
#include "runtime_util.h"

#include <errno.h>
#include <string.h>

static int remove_net(const char *id, char *err)
{
    char ns[PATH_MAX];
    struct net_lease l;
    int r = rt_lease_load(id, &l);
    if (r == 0)
        r = net_teardown(&l, err);
    else
        r = 0;
    if (r == 0 && rt_sandbox_path(ns, id, "netns") == 0) r = net_ns_remove(ns, err);
    return r;
}

int rt_teardown(const char *id, char *err)
{
    char p[PATH_MAX];
    int r = runc_delete(id, err); /* --force also kills a paused (frozen) container */
    if (r < 0) return r;
    if (rt_sandbox_path(p, id, "rootfs") < 0) return -ENAMETOOLONG;
    r = rt_umount(p);
    if (r < 0) return rt_fail(err, r, "umount '%s': %s", p, strerror(-r));
    r = remove_net(id, err);
    if (r < 0) return r;
    if (rt_sandbox_path(p, id, NULL) < 0) return -ENAMETOOLONG;
    r = rt_rm_rf(p);
    return r < 0 ? rt_fail(err, r, "remove '%s': %s", p, strerror(-r)) : 0;
}

int rt_delete(const char *id, char err[RT_ERR_MAX])
{
    if (!rt_id_valid(id)) return rt_fail(err, -EINVAL, "invalid sandbox id '%s'", id ? id : "");
    return rt_teardown(id, err);
}
