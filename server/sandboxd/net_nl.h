/* Minimal rtnetlink client for sandbox networking (no fork, no ip(8)): veth pairs, IPv4
 * addresses, link state, default routes. All return 0 or -errno (the kernel's answer). */
#ifndef SANDBOXD_NET_NL_H
#define SANDBOXD_NET_NL_H
#include <stdint.h>

/* A NETLINK_ROUTE socket in this process's network namespace, or (netns_path != NULL) in the
 * namespace bound at netns_path (opened from a short-lived thread that joins it). */
int nl_open(const char *netns_path);

/* Creates host_name <-> peer_name with the peer moved into the namespace netns_fd, where it gets
 * ifindex peer_index. -EEXIST when host_name exists. */
int nl_veth_create(int nl, const char *host_name, const char *peer_name, int netns_fd,
                   int peer_index);
int nl_link_up(int nl, int ifindex);
int nl_link_del(int nl, int ifindex);
/* ifindex of name through the socket's namespace; -ENODEV when absent. */
int nl_link_index(int nl, const char *name);
int nl_addr_add(int nl, int ifindex, uint32_t addr_be, int prefix);
int nl_route_default(int nl, int ifindex, uint32_t gw_be);
#endif
