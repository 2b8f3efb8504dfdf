/* ANY /proxy/{port}/{path}: relays the request to 127.0.0.1:{port} and then relays bytes
 * both ways until the upstream closes. That one mechanism covers plain HTTP, streamed
 * responses (SSE) and WebSocket upgrades; the client connection closes afterwards. */
#include "api.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define RELAY_BUF 65536

static int connect_local(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

static bool hop_by_hop(const char *name, bool upgrade)
{
    static const char *const hop[] = {"Connection", "Keep-Alive", "Proxy-Connection",
                                      "TE",         "Trailer",    "Proxy-Authorization"};
    for (size_t i = 0; i < sizeof(hop) / sizeof(*hop); i++)
        if (!strcasecmp(name, hop[i])) return !(upgrade && !strcasecmp(name, "Connection"));
    return !upgrade && !strcasecmp(name, "Upgrade");
}

/* The raw (still percent-encoded) target after /proxy/{port}. */
static const char *raw_rest(const char *raw_target, const char *port)
{
    const char *p = raw_target + strlen("/proxy/") + strlen(port);
    return *p == '/' ? p : NULL;
}

static int send_head(struct conn *c, int up, const char *rest, const char *port)
{
    size_t cap = HTTP_MAX_HEAD + 1024, n = 0;
    char *h = malloc(cap);
    if (!h) return -ENOMEM;
    bool upgrade = c->req.upgrade;
    n +=
        (size_t)snprintf(h + n, cap - n, "%s %s%s%s HTTP/1.1\r\n", c->req.method, rest ? rest : "/",
                         c->req.query && !strchr(rest ? rest : "", '?') ? "?" : "",
                         c->req.query && !strchr(rest ? rest : "", '?') ? c->req.query : "");
    for (int i = 0; i < c->req.nheaders && n < cap; i++) {
        const struct http_header *hd = &c->req.headers[i];
        if (hop_by_hop(hd->name, upgrade) || !strcasecmp(hd->name, "X-Forwarded-For") ||
            !strcasecmp(hd->name, "X-Forwarded-Proto"))
            continue;
        n += (size_t)snprintf(h + n, cap - n, "%s: %s\r\n", hd->name, hd->value);
    }
    if (n < cap)
        n += (size_t)snprintf(
            h + n, cap - n, "X-Forwarded-For: %s\r\nX-Forwarded-Proto: http\r\n%s\r\n",
            c->peer[0] ? c->peer : "127.0.0.1", upgrade ? "" : "Connection: close\r\n");
    int r = n < cap ? conn_send_raw(up, h, n) : -E2BIG;
    free(h);
    return r;
}

/* Copies bytes both ways until either side closes (a client that leaves ends the relay, so
 * a silent upstream such as an idle WebSocket never holds the thread). */
static void relay(int cfd, int up, char *buf)
{
    for (;;) {
        struct pollfd p[2] = {{.fd = cfd, .events = POLLIN}, {.fd = up, .events = POLLIN}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (p[1].revents) {
            ssize_t n = recv(up, buf, RELAY_BUF, 0);
            if (n <= 0 || conn_send_raw(cfd, buf, (size_t)n) < 0) return;
        }
        if (p[0].revents) {
            ssize_t n = recv(cfd, buf, RELAY_BUF, 0);
            if (n <= 0 || conn_send_raw(up, buf, (size_t)n) < 0) return;
        }
    }
}

int api_proxy(struct conn *c, const struct route_args *a)
{
    const char *port = a->seg[0];
    char *end;
    long pn = strtol(port, &end, 10);
    if (*end || pn < 1 || pn > 65535)
        return respond_error(c, 400, "INVALID_REQUEST_BODY", "invalid port '%s'", port);
    int up = connect_local((int)pn);
    if (up < 0)
        return respond_error(c, 502, "RUNTIME_ERROR", "Bad Gateway: cannot connect to port %ld: %s",
                             pn, strerror(-up));
    const char *rest = c->raw_target ? raw_rest(c->raw_target, port) : NULL;
    char *buf = malloc(RELAY_BUF);
    int r = buf ? send_head(c, up, rest, port) : -ENOMEM;
    if (r == 0 && c->in_off < c->in_len) /* body bytes (and anything after) already read */
        r = conn_send_raw(up, c->in + c->in_off, c->in_len - c->in_off);
    c->in_off = c->in_len;
    c->began = true;
    c->close_after = true;
    if (r == 0)
        relay(c->fd, up, buf);
    else
        respond_error(c, 502, "RUNTIME_ERROR", "Bad Gateway: cannot forward the request");
    free(buf);
    close(up);
    return -EPIPE;
}
