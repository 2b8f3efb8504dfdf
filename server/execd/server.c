/* The HTTP server: route table, auth, one thread per connection. */
#include "api.h"
#include "execd.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { R_EXT = 1, R_PROXY = 2 };

struct route {
    const char *method;  /* NULL: any */
    const char *pattern; /* "*" one segment, trailing "**" the rest */
    route_fn fn;
    int flags;
};

static const struct route routes[] = {
    {"GET", "/ping", api_ping, 0},
    {"POST", "/command", api_command_run, 0},
    {"DELETE", "/command", api_command_interrupt, 0},
    {"GET", "/command/list", api_command_list, R_EXT},
    {"GET", "/command/status/*", api_command_status, 0},
    {"GET", "/command/*/logs", api_command_logs, 0},
    {"GET", "/command/*/*", api_command_raw, R_EXT},
    {"POST", "/code", api_code_run, 0},
    {"DELETE", "/code", api_code_interrupt, 0},
    {"POST", "/code/context", api_code_unsupported, 0},
    {"GET", "/code/contexts", api_code_unsupported, 0},
    {"DELETE", "/code/contexts", api_code_unsupported, 0},
    {"GET", "/code/contexts/*", api_code_unsupported, 0},
    {"DELETE", "/code/contexts/*", api_code_unsupported, 0},
    {"POST", "/session", api_session_create, 0},
    {"POST", "/session/*/run", api_session_run, 0},
    {"DELETE", "/session/*", api_session_delete, 0},
    {"GET", "/files/info", api_files_info, 0},
    {"DELETE", "/files", api_files_delete, 0},
    {"POST", "/files/mv", api_files_mv, 0},
    {"POST", "/files/permissions", api_files_permissions, 0},
    {"GET", "/files/search", api_files_search, 0},
    {"POST", "/files/replace", api_files_replace, 0},
    {"POST", "/files/upload", api_files_upload, 0},
    {"GET", "/files/download", api_files_download, 0},
    {"PUT", "/files/write", api_files_write, R_EXT},
    {"POST", "/files/truncate", api_files_truncate, R_EXT},
    {"POST", "/files/symlink", api_files_symlink, R_EXT},
    {"POST", "/files/times", api_files_times, R_EXT},
    {"GET", "/directories/list", api_dirs_list, 0},
    {"POST", "/directories", api_dirs_create, 0},
    {"DELETE", "/directories", api_dirs_delete, 0},
    {"GET", "/metrics", api_metrics, 0},
    {"GET", "/metrics/watch", api_metrics_watch, 0},
    {"POST", "/pty", api_pty_unsupported, 0},
    {"GET", "/pty/*", api_pty_unsupported, 0},
    {"DELETE", "/pty/*", api_pty_unsupported, 0},
    {"GET", "/pty/*/ws", api_pty_unsupported, 0},
    {NULL, "/proxy/*/**", api_proxy, R_PROXY},
    {NULL, "/proxy/*", api_proxy, R_PROXY},
};

/* Matches path against pattern; captured segments are copied into segbuf. */
static bool match(const char *pattern, const char *path, struct route_args *a, char *segbuf,
                  size_t segsz)
{
    int nseg = 0;
    size_t used = 0;
    const char *p = pattern, *s = path;
    memset(a, 0, sizeof(*a));
    while (*p && *s) {
        if (*p != '/' || *s != '/') return false;
        p++, s++;
        size_t pl = strcspn(p, "/"), sl = strcspn(s, "/");
        if (pl == 2 && p[0] == '*' && p[1] == '*') {
            a->rest = s;
            return true;
        }
        if (pl == 1 && *p == '*') {
            if (sl == 0 || nseg == 4 || used + sl + 1 > segsz) return false;
            memcpy(segbuf + used, s, sl);
            segbuf[used + sl] = 0;
            a->seg[nseg++] = segbuf + used;
            used += sl + 1;
        } else if (pl != sl || memcmp(p, s, pl) != 0) {
            return false;
        }
        p += pl, s += sl;
    }
    if (*s == '/' && s[1] == 0 && !*p) s++; /* a trailing slash is tolerated */
    return !*p && !*s;
}

static bool token_ok(const struct conn *c)
{
    if (!g_cfg.token) return true;
    const char *got = http_header_get(&c->req, "X-EXECD-ACCESS-TOKEN");
    if (!got) return false;
    size_t n = strlen(g_cfg.token), m = strlen(got);
    unsigned char diff = (unsigned char)(n != m);
    for (size_t i = 0; i < n; i++) /* constant time in the token's length */
        diff |= (unsigned char)(g_cfg.token[i] ^ (i < m ? got[i] : 0));
    return diff == 0;
}

static int unauthorized(struct conn *c)
{
    static const char body[] =
        "{\"error\":\"Unauthorized: invalid or missing header X-EXECD-ACCESS-TOKEN\"}";
    return conn_respond(c, 401, "application/json; charset=utf-8", NULL, body, sizeof(body) - 1);
}

static bool proxy_needs_token(const struct route_args *a)
{
    return atoi(a->seg[0]) == g_cfg.port;
}

static int dispatch(struct conn *c)
{
    struct route_args a;
    char segbuf[2048];
    bool path_known = false;
    for (size_t i = 0; i < sizeof(routes) / sizeof(*routes); i++) {
        const struct route *r = &routes[i];
        if (!match(r->pattern, c->req.path, &a, segbuf, sizeof(segbuf))) continue;
        if ((r->flags & R_EXT) && g_cfg.upstream_compat) continue;
        path_known = true;
        if (r->method && strcmp(r->method, c->req.method) != 0) continue;
        if ((!(r->flags & R_PROXY) || proxy_needs_token(&a)) && !token_ok(c))
            return unauthorized(c);
        return r->fn(c, &a);
    }
    if (!token_ok(c)) return unauthorized(c);
    if (path_known)
        return respond_error(c, 405, "INVALID_REQUEST_BODY", "method %s not allowed on %s",
                             c->req.method, c->req.path);
    return respond_error(c, 404, "INVALID_REQUEST_BODY", "no route for %s %s", c->req.method,
                         c->req.path);
}

static void serve(struct conn *c)
{
    for (;;) {
        if (conn_read_request(c) < 0) return;
        int r = dispatch(c);
        if (conn_flush_head(c) < 0) r = -EPIPE; /* a handler that began but wrote nothing */
        if (!c->began)
            r = -EPIPE; /* a handler that did not answer: close rather than hang the client */
        if (r < 0 || c->close_after || !conn_body_drain(c)) return;
        conn_next(c);
    }
}

/* Lingering close: stop sending, then swallow what the client still sends (bounded) so the
 * kernel does not answer it with a reset that could destroy our last response. */
static void linger_close(int fd)
{
    struct timeval tv = {.tv_sec = 1};
    char buf[16384];
    size_t budget = 1 << 20;
    shutdown(fd, SHUT_WR);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    for (ssize_t n; budget && (n = recv(fd, buf, sizeof(buf), 0)) > 0;)
        budget = (size_t)n >= budget ? 0 : budget - (size_t)n;
    close(fd);
}

static void *conn_main(void *arg)
{
    struct conn *c = arg;
    serve(c);
    linger_close(c->fd);
    free(c->raw_target);
    free(c->in);
    free(c);
    return NULL;
}

static void set_timeouts(int fd)
{
    struct timeval rcv = {.tv_sec = 600}, snd = {.tv_sec = 600};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rcv, sizeof(rcv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof(snd));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

void server_accept_loop(int lfd)
{
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, 512 * 1024);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOMEM) {
                usleep(10000); /* out of fds: back off instead of spinning */
            }
            continue;
        }
        set_timeouts(fd);
        struct conn *c = calloc(1, sizeof(*c));
        if (c) c->in = malloc(CONN_BUF);
        if (!c || !c->in) {
            free(c);
            close(fd);
            continue;
        }
        c->fd = fd;
        struct sockaddr_in sa;
        socklen_t sl = sizeof(sa);
        if (getpeername(fd, (struct sockaddr *)&sa, &sl) == 0 && sa.sin_family == AF_INET)
            inet_ntop(AF_INET, &sa.sin_addr, c->peer, sizeof(c->peer));
        pthread_t t;
        if (pthread_create(&t, &at, conn_main, c) != 0) {
            close(fd);
            free(c->in);
            free(c);
        }
    }
}

int api_ping(struct conn *c, const struct route_args *a)
{
    return respond_empty(c);
}

int api_pty_unsupported(struct conn *c, const struct route_args *a)
{
    return respond_error(c, 501, "NOT_SUPPORTED", "pty sessions are not implemented by this execd");
}
