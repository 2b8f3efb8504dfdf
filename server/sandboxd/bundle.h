/* The OCI runtime config (config.json) of a sandbox: namespaces, cgroup limits, Docker's default
 * capabilities, masked /proc paths and a seccomp deny-list (bundle_seccomp.c), execd as init. */
#ifndef SANDBOXD_BUNDLE_H
#define SANDBOXD_BUNDLE_H
#include "runtime.h"

#include <jansson.h>

/* Where execd appears inside every sandbox (bind-mounted read-only). */
#define BUNDLE_EXECD_PATH "/opt/opensandbox/execd"
#define BUNDLE_EXECD_LISTEN "0.0.0.0:44772"

struct bundle_opts {
    const struct rt_spec *spec;
    const char *rootfs;            /* the mounted overlay */
    const char *netns;             /* network namespace file */
    const char *execd;             /* execd on the host */
    const char *cgroup_path;       /* runc cgroupsPath */
    const char *const *host_binds; /* read-only binds of host dirs (the "host" image) */
    int n_host_binds;
    const char *image_config; /* OCI config.json of the image (its env and cwd), or NULL */
    const char *etc_files;    /* dir holding hosts, hostname, resolv.conf for /etc (NULL: none) */
};

/* The files bind-mounted over /etc/NAME from opts.etc_files (written by bundle_etc_files). */
#define BUNDLE_ETC_FILES                                                                           \
    {                                                                                              \
        "hosts", "hostname", "resolv.conf"                                                         \
    }

/* Writes dir/{hosts,hostname,resolv.conf}: the sandbox's name and address, and the host's
 * resolvers minus loopback ones (unreachable from a sandbox). */
int bundle_etc_files(const char *dir, const char *hostname, const char *ip, char *err);

/* Writes dir/config.json (mode 0600: it holds the execd token). */
int bundle_write(const char *dir, const struct bundle_opts *o, char *err);

/* The seccomp section (bundle_seccomp.c). */
json_t *bundle_seccomp(void);
#endif
