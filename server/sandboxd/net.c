/* Sandbox networking: see net.h. Uses ip(8) and nft(8) through posix_spawn. */
#include "net.h"
#include "net_nl.h"
#include "runtime.h"
#include "runtime_spawn.h"
#include "runtime_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/mount.h>
#include <unistd.h>

#define NFT_TABLE "sandboxd"
#define NFT_VERSION 3
#define STR_(x) #x
#define STR(x) STR_(x)
#define NFT_MARK_PREFIX "sandboxd-net-v"
#define NFT_MARK NFT_MARK_PREFIX STR(NFT_VERSION)
#define NET_LOCK "/run/sandboxd-net.lock"
#define T "inet " NFT_TABLE

/* The shared table, (re)loaded atomically by one nft run: declaring existing chains and the set
 * is a no-op, so running sandboxes keep their deny_egress elements across an upgrade of the
 * rules. Replies to connections the host opened are accepted before the rejects. Rejecting
 * (rather than dropping) makes a refused connection fail at once inside the sandbox. */
static const char nft_ruleset[] =
    "table " T " {\n"
    "  set deny_egress { type ifname; }\n"
    "  chain pre { type filter hook prerouting priority -150; policy accept; }\n"
    "  chain input { type filter hook input priority 0; policy accept; }\n"
    "  chain forward { type filter hook forward priority 0; policy accept; }\n"
    "  chain post { type nat hook postrouting priority 100; policy accept; }\n"
    "}\n"
    "flush chain " T " pre\n"
    "flush chain " T " input\n"
    "flush chain " T " forward\n"
    "flush chain " T " post\n"
    /* spoofed sources (another sandbox's address) never get further */
    "add rule " T " pre iifname \"sbx*\" fib saddr . iif oif missing drop comment \"" NFT_MARK
    "\"\n"
    /* sandbox -> host: only replies */
    "add rule " T " input iifname \"sbx*\" ct state established,related accept\n"
    "add rule " T " input iifname \"sbx*\" reject with icmpx type admin-prohibited\n"
    /* into a sandbox: only replies (no sandbox <-> sandbox, no inbound from outside) */
    "add rule " T " forward oifname \"sbx*\" ct state established,related accept\n"
    "add rule " T " forward oifname \"sbx*\" reject with icmpx type admin-prohibited\n"
    "add rule " T
    " forward iifname \"sbx*\" meta nfproto ipv6 reject with icmpx type admin-prohibited\n"
    "add rule " T " forward iifname @deny_egress reject with icmpx type admin-prohibited\n"
    /* link-local (cloud metadata services such as 169.254.169.254) is not "the outside" */
    "add rule " T " forward iifname \"sbx*\" ip daddr 169.254.0.0/16 reject with icmpx type "
    "admin-prohibited\n"
    "add rule " T " post ip saddr 10.88.0.0/16 oifname != \"sbx*\" masquerade\n";

static int write_sysctl(const char *path, const char *val)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int r = write(fd, val, strlen(val)) < 0 ? -errno : 0;
    close(fd);
    return r;
}

/* 1 when the loaded rules are ours or newer (several sandboxd builds may share the host: an
 * older one never replaces newer rules), 0 when they are missing or older. */
static int nft_rules_current(void)
{
    char out[4096], e[RT_ERR_MAX];
    char *argv[] = {"nft", "list", "chain", "inet", NFT_TABLE, "pre", NULL};
    struct rt_spawn sp = {.argv = argv, .out = out, .out_cap = sizeof out, .stdio_fd = -1};
    if (rt_spawn(&sp, e) != 0) return 0;
    const char *m = strstr(out, NFT_MARK_PREFIX);
    return m && atoi(m + strlen(NFT_MARK_PREFIX)) >= NFT_VERSION;
}

static int nft_table_load(char *err)
{
    char *argv[] = {"nft", "-f", "-", NULL};
    struct rt_spawn sp = {.argv = argv, .input = nft_ruleset, .stdio_fd = -1};
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
    r = nft_rules_current() ? 0 : nft_table_load(err);
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

/* A random starting point for the search: a lease freed a moment ago is unlikely to be taken
 * again at once (stale conntrack entries of its address; tests that check it is gone). */
static int first_candidate(void)
{
    unsigned v = 0;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) != sizeof v) v = (unsigned)getpid() * 2654435761u;
    return (int)(v % NET_MAX_INDEX) + 1;
}

static bool link_exists(const char *name)
{
    char p[64];
    snprintf(p, sizeof p, "/sys/class/net/%s", name);
    return rt_exists(p);
}

static uint32_t ip4(const char *s)
{
    struct in_addr a = {0};
    inet_pton(AF_INET, s, &a);
    return a.s_addr;
}

/* Host side: sbxN with the peer "eth0" created inside the namespace; -EEXIST when taken. */
static int veth_create(int nl, int nsfd, struct net_lease *l, char *err)
{
    int r = nl_veth_create(nl, l->host_if, "eth0", nsfd, 0);
    if (r == -EEXIST) return r;
    if (r < 0) return rt_fail(err, r, "create veth '%s': %s", l->host_if, strerror(-r));
    int idx = nl_link_index(nl, l->host_if);
    r = idx < 0 ? idx : nl_addr_add(nl, idx, ip4(l->host_ip), 30);
    r = r ?: nl_link_up(nl, idx);
    return r < 0
               ? rt_fail(err, r, "configure '%s' (%s/30): %s", l->host_if, l->host_ip, strerror(-r))
               : 0;
}

/* Inside: lo and eth0 up, the sandbox address, the default route through the host side. */
static int veth_configure_inside(const char *netns_path, const struct net_lease *l, char *err)
{
    int nl = nl_open(netns_path);
    if (nl < 0) return rt_fail(err, nl, "netlink in '%s': %s", netns_path, strerror(-nl));
    int idx = nl_link_index(nl, "eth0");
    int r = idx < 0 ? idx : nl_link_up(nl, 1 /* lo */);
    r = r ?: nl_addr_add(nl, idx, ip4(l->sandbox_ip), 30);
    r = r ?: nl_link_up(nl, idx);
    /* deny_egress: no default route either (a second wall behind the nftables set) */
    if (r == 0 && !l->deny_egress) r = nl_route_default(nl, idx, ip4(l->host_ip));
    close(nl);
    return r < 0 ? rt_fail(err, r, "configure eth0 in '%s': %s", netns_path, strerror(-r)) : 0;
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
    int nl = nl_open(NULL);
    if (nl < 0) return rt_fail(err, nl, "netlink: %s", strerror(-nl));
    int idx = nl_link_index(nl, ifname);
    int r = idx < 0 ? idx : nl_link_del(nl, idx);
    close(nl);
    if (r == -ENODEV) return 0;
    return r < 0 ? rt_fail(err, r, "delete veth '%s': %s", ifname, strerror(-r)) : 0;
}

static int allocate(int nl, int nsfd, struct net_lease *l, char *err)
{
    int start = first_candidate(), r = -EEXIST;
    for (int i = 0; i < NET_MAX_INDEX && r == -EEXIST; i++) {
        l->index = (start - 1 + i) % NET_MAX_INDEX + 1;
        net_lease_fill(l);
        r = link_exists(l->host_if) ? -EEXIST : veth_create(nl, nsfd, l, err);
    }
    if (r == -EEXIST) return rt_fail(err, -ENOSPC, "no free sandbox subnet in 10.88.0.0/16");
    return r;
}

int net_setup(const char *netns_path, bool deny_egress, struct net_lease *ret, char *err)
{
    struct net_lease l = {.deny_egress = deny_egress};
    int nl = nl_open(NULL);
    int nsfd = open(netns_path, O_RDONLY | O_CLOEXEC);
    int r = nl < 0 ? nl : nsfd < 0 ? -errno : 0;
    if (r < 0)
        rt_fail(err, r, "netlink or '%s': %s", netns_path, strerror(-r));
    else
        r = allocate(nl, nsfd, &l, err);
    if (nl >= 0) close(nl);
    if (nsfd >= 0) close(nsfd);
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
