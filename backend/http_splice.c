/* A GET whose response body moves from the socket into a pipe with splice(2): bulk output
 * reaches the FUSE reply without passing through user space (see http_splice.h). Plain HTTP/1.1
 * only, one connection per call; everything else (TLS, proxies) stays with libcurl. */
#include "http_splice.h"
#include "http.h"
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define HEAD_MAX (16 * 1024) /* response head */
#define LINE_MAX_ 128        /* a chunk-size line, a trailer line */
#define CONNECT_MS 10000

struct target {
    char host[256]; /* for getaddrinfo: no IPv6 brackets */
    char hostport[300];
    char port[8];
    char *path; /* path and query, owned */
};

static bool proxied(void)
{
    static const char *const vars[] = {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v) return true;
    }
    return false;
}

static int parse_target(const char *url, struct target *t)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
    int rc = -EOPNOTSUPP;
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) || strcasecmp(scheme, "http") ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ||
        curl_url_get(u, CURLUPART_PATH, &path, 0))
        goto out;
    curl_url_get(u, CURLUPART_QUERY, &query, 0);
    size_t hl = strlen(host);
    const char *h = host;
    if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') { /* IPv6 literal */
        h = host + 1;
        hl -= 2;
    }
    if (hl >= sizeof t->host || strlen(port) >= sizeof t->port) goto out;
    memcpy(t->host, h, hl);
    t->host[hl] = '\0';
    snprintf(t->port, sizeof t->port, "%s", port);
    snprintf(t->hostport, sizeof t->hostport, "%s:%s", host, port);
    rc = asprintf(&t->path, "%s%s%s", path, query ? "?" : "", query ? query : "") < 0 ? -ENOMEM : 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    curl_url_cleanup(u);
    return rc;
}

bool sbx_http_can_splice(const char *url)
{
    struct target t = {0};
    bool ok = !proxied() && parse_target(url, &t) == 0;
    free(t.path);
    return ok;
}

/* Waits until fd is ready for events, or stop_fd is readable (-ECANCELED); ms < 0: no limit. */
static int wait_fd(int fd, short events, int stop_fd, int ms)
{
    struct pollfd p[2] = {{.fd = fd, .events = events}, {.fd = stop_fd, .events = POLLIN}};
    for (;;) {
        int n = poll(p, 2, ms);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -errno;
        if (n == 0) return -ETIMEDOUT;
        if (p[1].revents) return -ECANCELED;
        return 0;
    }
}

static int connect_to(const struct target *t, int stop_fd)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
    if (getaddrinfo(t->host, t->port, &hints, &res)) return -ENOTCONN;
    int rc = -ENOTCONN;
    for (struct addrinfo *a = res; a && rc; a = a->ai_next) {
        int s = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (s < 0) continue;
        int err = 0;
        socklen_t el = sizeof err;
        if (connect(s, a->ai_addr, a->ai_addrlen) == 0 ||
            (errno == EINPROGRESS && (rc = wait_fd(s, POLLOUT, stop_fd, CONNECT_MS)) == 0 &&
             getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0)) {
            freeaddrinfo(res);
            return s;
        }
        close(s);
        if (rc == -ECANCELED) break;
        rc = -ENOTCONN;
    }
    freeaddrinfo(res);
    return rc;
}

static int send_all(int s, const char *p, size_t n, int stop_fd)
{
    while (n) {
        ssize_t w = send(s, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        int rc = w < 0 && errno == EAGAIN  ? wait_fd(s, POLLOUT, stop_fd, -1)
                 : w < 0 && errno == EINTR ? 0
                                           : -EIO;
        if (rc) return rc;
    }
    return 0;
}

/* Consumes the socket's bytes up to and including the first term, never past it (peeked
 * first): the body that follows stays in the socket for splice. buf gets them, NUL-ended. */
static ssize_t recv_until(int s, int stop_fd, char *buf, size_t cap, const char *term)
{
    size_t have = 0, tl = strlen(term);
    while (have + 1 < cap) {
        ssize_t n = recv(s, buf + have, cap - 1 - have, MSG_PEEK);
        if (n == 0) return -ECONNRESET;
        if (n < 0) {
            int rc = errno == EAGAIN  ? wait_fd(s, POLLIN, stop_fd, -1)
                     : errno == EINTR ? 0
                                      : -errno;
            if (rc) return rc;
            continue;
        }
        size_t from = have >= tl - 1 ? have - (tl - 1) : 0;
        char *hit = memmem(buf + from, have + (size_t)n - from, term, tl);
        size_t take = hit ? (size_t)(hit + tl - (buf + have)) : (size_t)n;
        if (recv(s, buf + have, take, 0) != (ssize_t)take) /* peeked: they are there */
            return -EIO;
        have += take;
        if (hit) {
            buf[have] = '\0';
            return (ssize_t)have;
        }
    }
    return -E2BIG;
}

/* Moves n bytes (n < 0: up to EOF) from the socket into the pipe. */
static int splice_body(int s, const struct sbx_splice *sp, int64_t n)
{
    bool full = false;
    while (n) {
        size_t room = sp->room(sp->arg, full);
        if (!room) return -ECANCELED;
        size_t want = n > 0 && (uint64_t)n < room ? (size_t)n : room;
        ssize_t m = splice(s, NULL, sp->pipe_fd, NULL, want, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        full = false;
        if (m > 0) {
            sp->moved((size_t)m, sp->arg);
            if (n > 0) n -= m;
            continue;
        }
        if (m == 0) return n < 0 ? 0 : -ECONNRESET;
        if (errno == EINTR) continue;
        if (errno != EAGAIN) return -errno;
        /* Nothing in the socket, or no free buffer in the pipe (small pieces take whole
         * buffers before the pipe's bytes are used up): room() then waits for the reader. */
        struct pollfd p = {.fd = s, .events = POLLIN};
        full = poll(&p, 1, 0) == 1;
        int rc = full ? 0 : wait_fd(s, POLLIN, sp->stop_fd, -1);
        if (rc) return rc;
    }
    return 0;
}

static int chunked_body(int s, const struct sbx_splice *sp)
{
    char line[LINE_MAX_];
    for (;;) {
        ssize_t r = recv_until(s, sp->stop_fd, line, sizeof line, "\r\n");
        if (r < 0) return (int)r;
        char *end;
        errno = 0;
        unsigned long long size = strtoull(line, &end, 16);
        if (end == line || errno || size > INT64_MAX) return -EPROTO;
        if (size == 0) { /* trailers, then an empty line */
            while ((r = recv_until(s, sp->stop_fd, line, sizeof line, "\r\n")) > 2)
                ;
            return r < 0 ? (int)r : 0;
        }
        int rc = splice_body(s, sp, (int64_t)size);
        if (rc) return rc;
        r = recv_until(s, sp->stop_fd, line, sizeof line, "\r\n");
        if (r != 2) return r < 0 ? (int)r : -EPROTO;
    }
}

/* Parses the head: the status, and how the body is framed. */
static int parse_head(char *head, bool *chunked, int64_t *length)
{
    int status = 0;
    if (sscanf(head, "HTTP/1.%*d %d", &status) != 1 || status < 100) return -EPROTO;
    *chunked = false;
    *length = -1;
    for (char *l = strstr(head, "\r\n"); l && l[2]; l = strstr(l + 2, "\r\n")) {
        char *h = l + 2;
        if (!strncasecmp(h, "Transfer-Encoding:", 18)) {
            char *v = h + 18, *e = strstr(v, "\r\n");
            for (; v + 7 <= e; v++)
                *chunked |= !strncasecmp(v, "chunked", 7);
        } else if (!strncasecmp(h, "Content-Length:", 15)) {
            *length = strtoll(h + 15, NULL, 10);
        }
    }
    return status;
}

/* Transport trouble as sbx_http tells it (http.h): a broken or garbled answer is -EIO. */
static int transport_errno(int rc)
{
    switch (rc) {
    case -ENOTCONN:
    case -ETIMEDOUT:
    case -ENOMEM:
    case -ECANCELED:
    case -EOPNOTSUPP:
        return rc;
    default:
        return -EIO;
    }
}

/* Closes without leaving a TIME_WAIT here, which holds a local port for a minute (a reader that
 * seeks often restarts its stream): after a whole answer the server closes first (it was asked
 * to), so its close is awaited; a stream cut short is reset. */
static void close_quietly(int s, bool whole, int stop_fd)
{
    char b;
    if (!whole || wait_fd(s, POLLIN, stop_fd, 1000) || recv(s, &b, 1, 0) != 0) {
        struct linger now = {.l_onoff = 1, .l_linger = 0};
        setsockopt(s, SOL_SOCKET, SO_LINGER, &now, sizeof now);
    }
    close(s);
}

int sbx_http_splice(const char *url, const char *const *headers, const struct sbx_splice *sp)
{
    struct target t = {0};
    int rc = proxied() ? -EOPNOTSUPP : parse_target(url, &t);
    int s = rc ? rc : connect_to(&t, sp->stop_fd);
    if (s < 0) {
        free(t.path);
        return transport_errno(s);
    }
    char *req = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&req, &len);
    if (f) {
        fprintf(f, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", t.path, t.hostport);
        for (size_t i = 0; headers && headers[i] && i < SBX_HDR_MAX; i++)
            fprintf(f, "%s\r\n", headers[i]);
        fputs("\r\n", f);
        fclose(f);
    }
    free(t.path);
    char *head = req ? malloc(HEAD_MAX) : NULL;
    rc = head ? send_all(s, req, len, sp->stop_fd) : -ENOMEM;
    free(req);
    ssize_t hl = rc ? rc : recv_until(s, sp->stop_fd, head, HEAD_MAX, "\r\n\r\n");
    bool chunked = false;
    int64_t length = -1;
    int status = hl < 0 ? (int)hl : parse_head(head, &chunked, &length);
    free(head);
    if (status >= 200 && status < 300) {
        rc = chunked ? chunked_body(s, sp) : splice_body(s, sp, length);
        status = rc ? rc : status;
    }
    close_quietly(s, status >= 200 && status < 300, sp->stop_fd);
    return status < 0 ? transport_errno(status) : status;
}
