/* Sandbox networking: see net.h. Uses ip(8) and nft(8) through posix_spawn. */
#include "net.h"
#include "runtime.h"
#include "runtime_spawn.h"
#include "runtime_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <unistd.h>

#define NFT_TABLE "sandboxd"
#define NFT_MARK "sandboxd-net-v1"
#define NET_LOCK "/run/sandboxd-net.lock"

/* The shared table. Replies to connections the host opened are accepted before the drops. */
static const char nft_ruleset[] =
    "table inet " NFT_TABLE " {\n"
    "  comment \"" NFT_MARK "\"\n"
    "  set deny_egress { type ifname; }\n"
    "  chain pre { type filter hook prerouting priority -150; policy accept;\n"
    "    iifname \"sbx*\" fib saddr . iif oif missing drop\n"
    "  }\n"
    "  chain input { type filter hook input priority 0; policy accept;\n"
    "    iifname \"sbx*\" ct state established,related accept\n"
    "    iifname \"sbx*\" drop\n"
    "  }\n"
    "  chain forward { type filter hook forward priority 0; policy accept;\n"
    "    oifname \"sbx*\" ct state established,related accept\n"
    "    oifname \"sbx*\" drop\n"
    "    iifname \"sbx*\" meta nfproto ipv6 drop\n"
    "    iifname @deny_egress drop\n"
    "  }\n"
    "  chain post { type nat hook postrouting priority 100; policy accept;\n"
    "    ip saddr 10.88.0.0/16 oifname != \"sbx*\" masquerade\n"
    "  }\n"
    "}\n";

static int write_sysctl(const char *path, const char *val)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int r = write(fd, val, strlen(val)) < 0 ? -errno : 0;
    close(fd);
    return r;
}

static int nft_table_ok(void)
{
    char out[8192], e[RT_ERR_MAX];
    char *argv[] = {"nft", "list", "table", "inet", NFT_TABLE, NULL};
    struct rt_spawn sp = {.argv = argv, .out = out, .out_cap = sizeof out, .stdio_fd = -1};
    int r = rt_spawn(&sp, e);
    if (r != 0) return 0; /* absent */
    return strstr(out, NFT_MARK) ? 1 : -1;
}

static int nft_table_create(int state, char *err)
{
    char script[sizeof nft_ruleset + 64];
    snprintf(script, sizeof script, "%s%s", state < 0 ? "delete table inet " NFT_TABLE "\n" : "",
             nft_ruleset);
    char *argv[] = {"nft", "-f", "-", NULL};
    struct rt_spawn sp = {.argv = argv, .input = script, .stdio_fd = -1};
    int r = rt_spawn(&sp, err);
    return r > 0 ? -EIO : r;
}

int net_init(char *err)
{
    int r = write_sysctl("/proc/sys/net/ipv4/ip_forward", "1");
    if (r < 0) return rt_fail(err, r, "enable /proc/sys/net/ipv4/ip_forward: %s", strerror(-r));
    int lk = open(NET_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lk < 0) return rt_fail(err, -errno, "open '%s': %m", NET_LOCK);
    while (flock(lk, LOCK_EX) < 0 && errno == EINTR)
        ;
    int state = nft_table_ok();
    r = state == 1 ? 0 : nft_table_create(state, err);
    close(lk);
    return r;
}

struct ns_job {
    const char *path;
    int r;
};

/* Runs in its own short-lived thread: unshare(CLONE_NEWNET) only affects that thread. */
static void *ns_thread(void *arg)
{
    struct ns_job *j = arg;
    if (unshare(CLONE_NEWNET) < 0)
        j->r = -errno;
    else if (mount("/proc/thread-self/ns/net", j->path, NULL, MS_BIND, NULL) < 0)
        j->r = -errno;
    return NULL;
}

int net_ns_create(const char *netns_path, char *err)
{
    int fd = open(netns_path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return rt_fail(err, -errno, "create '%s': %m", netns_path);
    close(fd);
    struct ns_job j = {netns_path, 0};
    pthread_t t;
    int r = pthread_create(&t, NULL, ns_thread, &j);
    if (r != 0) return rt_fail(err, -r, "pthread_create: %s", strerror(r));
    pthread_join(t, NULL);
    if (j.r < 0)
        return rt_fail(err, j.r, "new network namespace at '%s': %s", netns_path, strerror(-j.r));
    return 0;
}

int net_ns_remove(const char *netns_path, char *err)
{
    int r = rt_umount(netns_path);
    if (r < 0) return rt_fail(err, r, "umount '%s': %s", netns_path, strerror(-r));
    if (unlink(netns_path) < 0 && errno != ENOENT)
        return rt_fail(err, -errno, "unlink '%s': %m", netns_path);
    return 0;
}

void net_lease_fill(struct net_lease *l)
{
    unsigned base = (unsigned)l->index * 4;
    snprintf(l->host_if, sizeof l->host_if, "sbx%d", l->index);
    snprintf(l->host_ip, sizeof l->host_ip, "10.88.%u.%u", (base >> 8) & 255, (base & 255) + 1);
    snprintf(l->sandbox_ip, sizeof l->sandbox_ip, "10.88.%u.%u", (base >> 8) & 255,
             (base & 255) + 2);
}

void net_lease_format(const struct net_lease *l, char *buf, int cap)
{
    snprintf(buf, (size_t)cap, "%d %s\n", l->index, l->deny_egress ? "deny" : "allow");
}

int net_lease_parse(const char *s, struct net_lease *ret)
{
    int idx;
    char mode[8];
    if (sscanf(s, "%d %7s", &idx, mode) != 2 || idx < 1 || idx > NET_MAX_INDEX) return -EINVAL;
    memset(ret, 0, sizeof *ret);
    ret->index = idx;
    ret->deny_egress = strcmp(mode, "deny") == 0;
    net_lease_fill(ret);
    return 0;
}

/* A starting point for the search: one past the highest sbxN in use (wrapping around). */
static int first_candidate(void)
{
    DIR *d = opendir("/sys/class/net");
    int max = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        int n;
        if (sscanf(e->d_name, "sbx%d", &n) == 1 && n > max) max = n;
    }
    if (d) closedir(d);
    return max >= NET_MAX_INDEX ? 1 : max + 1;
}

static int ip_batch(const char *netns_path, const char *script, char *err)
{
    char nsopt[PATH_MAX + 8];
    snprintf(nsopt, sizeof nsopt, "--net=%s", netns_path);
    char *host[] = {"ip", "-batch", "-", NULL};
    char *inside[] = {"nsenter", nsopt, "ip", "-batch", "-", NULL};
    struct rt_spawn sp = {.argv = netns_path ? inside : host, .input = script, .stdio_fd = -1};
    int r = rt_spawn(&sp, err);
    return r > 0 ? -EIO : r;
}

/* Creates sbxN with its peer eth0 inside netns_path; -EEXIST when sbxN is taken. */
static int veth_create(const char *netns_path, struct net_lease *l, char *err)
{
    char script[PATH_MAX + 512];
    snprintf(script, sizeof script,
             "link add %s type veth peer name eth0 netns %s\n"
             "addr add %s/30 dev %s\n"
             "link set %s up\n",
             l->host_if, netns_path, l->host_ip, l->host_if, l->host_if);
    int r = ip_batch(NULL, script, err);
    if (r < 0 && err && strstr(err, "File exists")) return -EEXIST;
    return r;
}

static int veth_configure_inside(const char *netns_path, const struct net_lease *l, char *err)
{
    char script[512];
    snprintf(script, sizeof script,
             "link set lo up\n"
             "addr add %s/30 dev eth0\n"
             "link set eth0 up\n"
             "route add default via %s\n",
             l->sandbox_ip, l->host_ip);
    return ip_batch(netns_path, script, err);
}

static int nft_element(const char *op, const char *ifname, char *err)
{
    char elem[64];
    snprintf(elem, sizeof elem, "{ \"%s\" }", ifname);
    char *argv[] = {"nft", (char *)op, "element", "inet", NFT_TABLE, "deny_egress", elem, NULL};
    return rt_run(argv, err);
}

static int veth_delete(const char *ifname, char *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "/sys/class/net/%s", ifname);
    if (!rt_exists(path)) return 0;
    char *argv[] = {"ip", "link", "del", (char *)ifname, NULL};
    int r = rt_run(argv, err);
    return r < 0 && !rt_exists(path) ? 0 : r;
}

int net_setup(const char *netns_path, bool deny_egress, struct net_lease *ret, char *err)
{
    struct net_lease l = {.deny_egress = deny_egress};
    int start = first_candidate(), r = -EEXIST;
    for (int i = 0; i < NET_MAX_INDEX && r == -EEXIST; i++) {
        l.index = (start - 1 + i) % NET_MAX_INDEX + 1;
        net_lease_fill(&l);
        r = veth_create(netns_path, &l, err);
    }
    if (r == -EEXIST) return rt_fail(err, -ENOSPC, "no free sandbox subnet in 10.88.0.0/16");
    if (r < 0) return r;
    r = veth_configure_inside(netns_path, &l, err);
    if (r == 0 && deny_egress) r = nft_element("add", l.host_if, err);
    if (r < 0) {
        veth_delete(l.host_if, NULL);
        return r;
    }
    *ret = l;
    return 0;
}

int net_teardown(const struct net_lease *l, char *err)
{
    if (l->index == 0) return 0;
    if (l->deny_egress) {
        char e[RT_ERR_MAX];
        int r = nft_element("delete", l->host_if, e);
        if (r < 0 && !strstr(e, "No such file")) return rt_fail(err, r, "%s", e);
    }
    return veth_delete(l->host_if, err);
}
