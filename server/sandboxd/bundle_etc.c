/* /etc/hosts, /etc/hostname and /etc/resolv.conf of a sandbox, as Docker provides them: bound
 * from the bundle, so every image (host, directory, store) resolves names and knows itself. */
#include "bundle.h"
#include "runtime_util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#define RESOLV_MAX 4096

/* The host's resolv.conf without "nameserver 127.x / ::1" lines. */
static size_t filter_resolv(char *out, size_t cap)
{
    char in[RESOLV_MAX];
    size_t len = 0;
    if (rt_read_file("/etc/resolv.conf", in, sizeof in) < 0) return 0;
    for (char *save, *line = strtok_r(in, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char ns[64] = "";
        if (sscanf(line, "nameserver %63s", ns) == 1 &&
            (strncmp(ns, "127.", 4) == 0 || strcmp(ns, "::1") == 0))
            continue;
        int n = snprintf(out + len, cap - len, "%s\n", line);
        if (n < 0 || (size_t)n >= cap - len) break;
        len += (size_t)n;
    }
    return len;
}

static int put(const char *dir, const char *name, const char *data, size_t len, char *err)
{
    char p[PATH_MAX];
    if (rt_path(p, "%s/%s", dir, name) < 0) return rt_fail(err, -ENAMETOOLONG, "path too long");
    int r = rt_write_file(p, data, len);
    return r < 0 ? rt_fail(err, r, "write '%s': %s", p, strerror(-r)) : 0;
}

int bundle_etc_files(const char *dir, const char *hostname, const char *ip, char *err)
{
    char hosts[512], name[80], resolv[RESOLV_MAX];
    int hl = snprintf(hosts, sizeof hosts,
                      "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                      "%s\t%s\n",
                      ip, hostname);
    int nl = snprintf(name, sizeof name, "%.63s\n", hostname);
    size_t rl = filter_resolv(resolv, sizeof resolv);
    int r = put(dir, "hosts", hosts, (size_t)hl, err);
    r = r ?: put(dir, "hostname", name, (size_t)nl, err);
    return r ?: put(dir, "resolv.conf", resolv, rl, err);
}
