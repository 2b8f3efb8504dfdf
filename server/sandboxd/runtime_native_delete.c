/* rt_native_delete: removes a sandbox and everything it has on the host, in reverse order of creation.
 * Every step tolerates its piece being absent, so a half-created sandbox is removed the same way.
 */
#include "image.h"
#include "net.h"
#include "runtime_native.h"
#include "runtime_runc.h"
#include "runtime_util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KILL_WAIT_MS 5000

/* Kills the sandbox's init (PID 1 of its namespace: the kernel then kills every other process
 * in it) and waits for its exit through a pidfd. `runc delete --force` alone signals and then
 * sleeps in 100 ms steps until the container is gone; a dead init lets it clean up at once. */
static void kill_init(const char *id)
{
    enum rt_state st;
    int pid;
    char e[RT_ERR_MAX];
    if (runc_state(id, &st, &pid, e) < 0 || pid <= 0 || (st != RT_RUNNING && st != RT_PAUSED))
        return;
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0) return;
    if (st == RT_PAUSED) runc_resume(id, e); /* a frozen process cannot die */
    if (syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) == 0) {
        struct pollfd p = {fd, POLLIN, 0};
        while (poll(&p, 1, KILL_WAIT_MS) < 0 && errno == EINTR)
            ;
    }
    close(fd);
}

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
    kill_init(id);
    int r = runc_delete(id, err); /* --force: whatever kill_init could not do */
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

int rt_native_delete(const char *id, char err[RT_ERR_MAX])
{
    if (!rt_id_valid(id)) return rt_fail(err, -EINVAL, "invalid sandbox id '%s'", id ? id : "");
    return rt_teardown(id, err);
}
