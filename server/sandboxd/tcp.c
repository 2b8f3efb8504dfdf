/* Socket helpers shared by the execd client and the server proxy. */
#include "tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int tcp_parse_addr(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len)
{
    char host[128];
    const char *colon, *hs = s;
    size_t hl;
    char *end;
    long port;

    memset(ret, 0, sizeof(*ret));
    if (*s == '[') {
        const char *rb = strchr(s, ']');
        if (!rb || rb[1] != ':') return -EINVAL;
        hs = s + 1;
        hl = (size_t)(rb - hs);
        colon = rb + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon) return -EINVAL;
        hl = (size_t)(colon - s);
    }
    if (hl >= sizeof(host)) return -EINVAL;
    memcpy(host, hs, hl);
    host[hl] = 0;
    port = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || port < 0 || port > 65535) return -EINVAL;
    if (!strcmp(host, "localhost") || !host[0])
        snprintf(host, sizeof(host), "%s", !host[0] ? "0.0.0.0" : "127.0.0.1");
    struct sockaddr_in *in4 = (struct sockaddr_in *)ret;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ret;
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        *ret_len = sizeof(*in4);
        return 0;
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *ret_len = sizeof(*in6);
        return 0;
    }
    return -EINVAL;
}

int tcp_connect(const char *addr, int timeout_ms)
{
    struct sockaddr_storage sa;
    socklen_t len;
    int fd, r, one = 1, soerr = 0;
    socklen_t sl = sizeof(soerr);
    struct pollfd p;

    if (tcp_parse_addr(addr, &sa, &len)) return -EINVAL;
    fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -errno;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (struct sockaddr *)&sa, len) != 0) {
        if (errno != EINPROGRESS) {
            r = -errno;
            close(fd);
            return r;
        }
        p = (struct pollfd){.fd = fd, .events = POLLOUT};
        r = poll(&p, 1, timeout_ms);
        if (r <= 0) {
            close(fd);
            return r == 0 ? -ETIMEDOUT : -errno;
        }
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
        if (soerr) {
            close(fd);
            return -soerr;
        }
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

int tcp_listen(const char *addr)
{
    struct sockaddr_storage sa;
    socklen_t len;
    int fd, r, one = 1;
    if (tcp_parse_addr(addr, &sa, &len)) return -EINVAL;
    fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, len) != 0 || listen(fd, 128) != 0) {
        r = -errno;
        close(fd);
        return r;
    }
    return fd;
}

int tcp_write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int tcp_wait_readable(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r;
    do
        r = poll(&p, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : r;
}
