/* Minimal rtnetlink client: see net_nl.h. One request at a time, each acknowledged. */
#include "net_nl.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NL_BUF 1024

struct nlreq {
    struct nlmsghdr *h;
    char buf[NL_BUF];
};

static void req_init(struct nlreq *r, uint16_t type, uint16_t flags, const void *body, size_t len)
{
    memset(r->buf, 0, sizeof r->buf);
    r->h = (struct nlmsghdr *)r->buf;
    r->h->nlmsg_len = NLMSG_LENGTH(len);
    r->h->nlmsg_type = type;
    r->h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
    memcpy(NLMSG_DATA(r->h), body, len);
}

/* Appends an attribute; returns it (for nesting) or NULL when the buffer is full. */
static struct rtattr *attr(struct nlreq *r, uint16_t type, const void *data, size_t len)
{
    size_t off = NLMSG_ALIGN(r->h->nlmsg_len);
    if (off + RTA_SPACE(len) > sizeof r->buf) return NULL;
    struct rtattr *a = (struct rtattr *)(r->buf + off);
    a->rta_type = type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    if (len) memcpy(RTA_DATA(a), data, len);
    r->h->nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
    return a;
}

static void nest_end(struct nlreq *r, struct rtattr *a)
{
    a->rta_len = (unsigned short)(r->buf + r->h->nlmsg_len - (char *)a);
}

/* Sends the request and waits for its ack (or, with reply, the first answer message). */
static int talk(int nl, struct nlreq *r, struct ifinfomsg *reply)
{
    static __thread uint32_t seq;
    r->h->nlmsg_seq = ++seq;
    if (send(nl, r->buf, r->h->nlmsg_len, 0) < 0) return -errno;
    char ans[8192];
    for (;;) {
        ssize_t n = recv(nl, ans, sizeof ans, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -errno;
        for (struct nlmsghdr *h = (struct nlmsghdr *)ans; NLMSG_OK(h, (size_t)n);
             h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_seq != r->h->nlmsg_seq) continue;
            if (h->nlmsg_type == NLMSG_ERROR) return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
            if (reply && h->nlmsg_type == RTM_NEWLINK) {
                memcpy(reply, NLMSG_DATA(h), sizeof *reply);
                reply = NULL; /* the ack follows */
            }
        }
    }
}

struct nl_job {
    const char *path;
    int fd;
};

static void *open_in_ns(void *arg)
{
    struct nl_job *j = arg;
    int ns = open(j->path, O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNET) < 0)
        j->fd = -errno;
    else
        j->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (j->fd == -1) j->fd = -errno;
    if (ns >= 0) close(ns);
    return NULL;
}

int nl_open(const char *netns_path)
{
    if (!netns_path) {
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        return fd < 0 ? -errno : fd;
    }
    struct nl_job j = {netns_path, -EINVAL};
    pthread_t t;
    int r = pthread_create(&t, NULL, open_in_ns, &j);
    if (r != 0) return -r;
    pthread_join(t, NULL);
    return j.fd;
}

int nl_veth_create(int nl, const char *host_name, const char *peer_name, int netns_fd,
                   int peer_index)
{
    struct nlreq r;
    struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
    req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
    attr(&r, IFLA_IFNAME, host_name, strlen(host_name) + 1);
    struct rtattr *info = attr(&r, IFLA_LINKINFO, NULL, 0);
    attr(&r, IFLA_INFO_KIND, "veth", 4);
    struct rtattr *data = attr(&r, IFLA_INFO_DATA, NULL, 0);
    struct ifinfomsg peer_ifi = {.ifi_family = AF_UNSPEC, .ifi_index = peer_index};
    struct rtattr *peer = attr(&r, VETH_INFO_PEER, &peer_ifi, sizeof peer_ifi);
    attr(&r, IFLA_IFNAME, peer_name, strlen(peer_name) + 1);
    if (!attr(&r, IFLA_NET_NS_FD, &netns_fd, sizeof netns_fd)) return -ENOBUFS;
    nest_end(&r, peer);
    nest_end(&r, data);
    nest_end(&r, info);
    return talk(nl, &r, NULL);
}

static int link_set(int nl, uint16_t type, int ifindex, unsigned flags, unsigned change)
{
    struct nlreq r;
    struct ifinfomsg ifi = {
        .ifi_family = AF_UNSPEC, .ifi_index = ifindex, .ifi_flags = flags, .ifi_change = change};
    req_init(&r, type, 0, &ifi, sizeof ifi);
    return talk(nl, &r, NULL);
}

int nl_link_up(int nl, int ifindex)
{
    return link_set(nl, RTM_NEWLINK, ifindex, IFF_UP, IFF_UP);
}

int nl_link_del(int nl, int ifindex)
{
    return link_set(nl, RTM_DELLINK, ifindex, 0, 0);
}

int nl_link_index(int nl, const char *name)
{
    struct nlreq r;
    struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC}, reply = {0};
    req_init(&r, RTM_GETLINK, 0, &ifi, sizeof ifi);
    attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
    int e = talk(nl, &r, &reply);
    if (e < 0) return e;
    return reply.ifi_index > 0 ? reply.ifi_index : -ENODEV;
}

int nl_addr_add(int nl, int ifindex, uint32_t addr_be, int prefix)
{
    struct nlreq r;
    struct ifaddrmsg ifa = {.ifa_family = AF_INET,
                            .ifa_prefixlen = (unsigned char)prefix,
                            .ifa_index = (unsigned)ifindex};
    req_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
    attr(&r, IFA_LOCAL, &addr_be, 4);
    attr(&r, IFA_ADDRESS, &addr_be, 4);
    return talk(nl, &r, NULL);
}

int nl_route_default(int nl, int ifindex, uint32_t gw_be)
{
    struct nlreq r;
    struct rtmsg rt = {.rtm_family = AF_INET,
                       .rtm_table = RT_TABLE_MAIN,
                       .rtm_protocol = RTPROT_BOOT,
                       .rtm_scope = RT_SCOPE_UNIVERSE,
                       .rtm_type = RTN_UNICAST};
    req_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof rt);
    attr(&r, RTA_GATEWAY, &gw_be, 4);
    attr(&r, RTA_OIF, &ifindex, sizeof ifindex);
    return talk(nl, &r, NULL);
}
