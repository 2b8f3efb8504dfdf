/* Sandbox networking of the native runtime (see docs/runtime.md "Network").
 *
 * Each sandbox gets a network namespace, bound to a file in its bundle so that it outlives
 * sandboxd, and a veth pair: host side "sbxN" with 10.88.(4N+1)/30, sandbox side "eth0" with
 * 10.88.(4N+2)/30 and a default route through the host. N (1..NET_MAX_INDEX) is allocated by
 * creating the link: the kernel refuses a second "sbxN", so concurrent sandboxd instances never
 * share a subnet. One nftables table "inet sandboxd", shared by every instance on the host and
 * created once, drops sandbox->host traffic (except replies), sandbox<->sandbox traffic and spoofed
 * sources, masquerades egress, and drops forwarding from interfaces in its set "deny_egress".
 */
#ifndef SANDBOXD_NET_H
#define SANDBOXD_NET_H
#include <stdbool.h>

#define NET_MAX_INDEX 16383
#define NET_IFNAME_MAX 16
#define NET_SANDBOX_PORT 44772

struct net_lease {
    int index; /* N: 0 = none */
    bool deny_egress;
    char host_if[NET_IFNAME_MAX]; /* "sbxN" */
    char host_ip[24];
    char sandbox_ip[24];
};

/* Enables IPv4 forwarding and creates the shared nftables table if it is missing. */
int net_init(char *err);

/* Creates a network namespace bound to the (absent or empty) file netns_path. */
int net_ns_create(const char *netns_path, char *err);
/* Unmounts and removes netns_path; absent = 0. */
int net_ns_remove(const char *netns_path, char *err);

/* Allocates N, creates and configures the veth pair into netns_path, and registers deny_egress. */
int net_setup(const char *netns_path, bool deny_egress, struct net_lease *ret, char *err);
/* Undoes net_setup (veth and nftables element); missing pieces are fine. */
int net_teardown(const struct net_lease *l, char *err);

/* "N deny|allow" <-> lease (the lease file in the bundle). */
void net_lease_format(const struct net_lease *l, char *buf, int cap);
int net_lease_parse(const char *s, struct net_lease *ret);
/* Fills the names and addresses of a lease from index and deny_egress. */
void net_lease_fill(struct net_lease *l);
#endif
