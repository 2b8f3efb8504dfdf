/* Server proxy: streaming HTTP and WebSocket relay to execd. */
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "httpmsg.h"
#include "lifecycle.h"
#include "log.h"
#include "tcp.h"

#define EXECD_PORT 44772
#define READ_TIMEOUT_MS (3600 * 1000)
#define RELAY_BUF 65536

enum body_mode { BODY_NONE, BODY_LENGTH, BODY_CHUNKED, BODY_CLOSE };

struct proxy {
    struct proxy *next; /* in the registry of open upstream connections */
    int fd;
    bool chunked_upload, upload_failed, websocket;
    char head[HEAD_MAX];
    size_t head_fill, head_len; /* bytes read; length of the head within them */
    size_t extra_off;           /* next unconsumed byte after the head */
    enum body_mode mode;
    uint64_t left; /* BODY_LENGTH: bytes still to read */
    struct chunk_dec dec;
};

/* Open upstream connections, so that a shutdown can wake threads blocked reading them. */
static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct proxy *reg;

static void reg_add(struct proxy *p)
{
    pthread_mutex_lock(&reg_mu);
    p->next = reg;
    reg = p;
    pthread_mutex_unlock(&reg_mu);
}

static void reg_del(struct proxy *p)
{
    pthread_mutex_lock(&reg_mu);
    for (struct proxy **pp = &reg; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    pthread_mutex_unlock(&reg_mu);
}

void proxy_shutdown_all(void)
{
    pthread_mutex_lock(&reg_mu);
    for (struct proxy *p = reg; p; p = p->next)
        shutdown(p->fd, SHUT_RDWR);
    pthread_mutex_unlock(&reg_mu);
}

struct proxy *proxy_free(struct proxy *p)
{
    if (p) {
        if (p->fd >= 0) {
            reg_del(p);
            close(p->fd);
        }
        free(p);
    }
    return NULL;
}

/* The upstream path: everything after /proxy/{port} of the raw URI (query included). */
static void upstream_path(const char *raw, int port, char *out, size_t cap)
{
    const char *p = strstr(raw, "/proxy/");
    const char *rest = "";
    if (p) {
        rest = p + 7;
        while (*rest >= '0' && *rest <= '9')
            rest++;
    }
    if (port == EXECD_PORT)
        snprintf(out, cap, "%s%s", *rest == '/' ? "" : "/", rest);
    else
        snprintf(out, cap, "/proxy/%d%s%s", port, *rest == '/' || !*rest ? "" : "/", rest);
}

struct head_builder {
    char *buf;
    size_t len, cap;
    bool overflow;
};

static void hb_add(struct head_builder *b, const char *name, const char *value)
{
    int n = snprintf(b->buf + b->len, b->cap - b->len, "%s: %s\r\n", name, value);
    if (n < 0 || (size_t)n >= b->cap - b->len)
        b->overflow = true;
    else
        b->len += (size_t)n;
}

static bool dropped_request_header(const char *name)
{
    return http_is_hop_header(name) || !strcasecmp(name, "host") ||
           !strcasecmp(name, "content-length") || !strcasecmp(name, "expect") ||
           !strcasecmp(name, "open-sandbox-api-key") || !strcasecmp(name, "x-execd-access-token");
}

static enum MHD_Result copy_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    if (key && value && !dropped_request_header(key) && !strpbrk(value, "\r\n"))
        hb_add(cls, key, value);
    return MHD_YES;
}

static void client_ip(struct req *r, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, cap, "unknown");
    if (!ci || !ci->client_addr) return;
    if (ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)ci->client_addr)->sin_addr, out, (socklen_t)cap);
    else if (ci->client_addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ci->client_addr)->sin6_addr, out,
                  (socklen_t)cap);
}

static int send_head(struct req *r, struct proxy *p, const struct sbx_rec *rec, int port)
{
    char path[8192], ip[64];
    const char *cl = req_header(r, "Content-Length"), *te = req_header(r, "Transfer-Encoding");
    const char *up = req_header(r, "Upgrade"), *conn = req_header(r, "Connection");
    const char *host = req_header(r, "Host");
    struct head_builder b = {p->head, 0, sizeof(p->head), false};

    upstream_path(r->raw_uri, port, path, sizeof(path));
    b.len = (size_t)snprintf(b.buf, b.cap, "%s %s HTTP/1.1\r\n", r->method, path);
    if (b.len >= b.cap) return -E2BIG;
    hb_add(&b, "Host", rec->execd_addr);
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, copy_header, &b);
    hb_add(&b, "X-EXECD-ACCESS-TOKEN", rec->token);
    client_ip(r, ip, sizeof(ip));
    hb_add(&b, "X-Forwarded-For", ip);
    hb_add(&b, "X-Forwarded-Proto", "http");
    if (host) hb_add(&b, "X-Forwarded-Host", host);
    p->websocket =
        up && conn && http_value_has_token(conn, "upgrade") && !strcasecmp(up, "websocket");
    if (p->websocket) {
        hb_add(&b, "Connection", "Upgrade");
        hb_add(&b, "Upgrade", "websocket");
    } else {
        hb_add(&b, "Connection", "close");
    }
    if (cl) {
        hb_add(&b, "Content-Length", cl);
    } else if (te && http_value_has_token(te, "chunked")) {
        hb_add(&b, "Transfer-Encoding", "chunked");
        p->chunked_upload = true;
    }
    if (b.overflow || b.len + 2 >= b.cap) return -E2BIG;
    memcpy(b.buf + b.len, "\r\n", 2);
    return tcp_write_all(p->fd, b.buf, b.len + 2);
}

/* ".." path segments (also percent-encoded) could climb out of /proxy/{port} on the execd side;
 * upstream refuses them as well. */
static bool has_dot_segment(const char *uri)
{
    size_t n = strcspn(uri, "?");
    for (size_t i = 0; i + 1 < n; i++) {
        if (uri[i] != '/') continue;
        const char *s = uri + i + 1;
        size_t rest = n - i - 1, len = 0;
        int dots = 0;
        while (len < rest && s[len] != '/') {
            if (s[len] == '.')
                dots++, len++;
            else if (rest - len >= 3 && s[len] == '%' && s[len + 1] == '2' &&
                     (s[len + 2] == 'e' || s[len + 2] == 'E'))
                dots++, len += 3;
            else
                break;
        }
        if (dots == 2 && (len == rest || s[len] == '/')) return true;
    }
    return false;
}

int proxy_begin(struct req *r, const char *id, int port, struct api_err *e)
{
    struct sbx_rec rec;
    struct proxy *p;
    int ret;

    if (port == 0)
        return api_fail(e, 400, E_INVALID_PORT, "the port must be a number from 1 to 65535");
    if (has_dot_segment(r->raw_uri))
        return api_fail(e, 400, E_INVALID_PARAMETER, "proxy paths must not contain '..'");
    if (lc_wait_ready(id, &rec, e)) return -1;
    if ((strcmp(rec.state, "Running") && strcmp(rec.state, "Paused")) || !rec.execd_addr[0]) {
        api_fail(e, 409, E_NOT_RUNNING, "sandbox '%.100s' is %s", id, rec.state);
        sbx_rec_free(&rec);
        return -1;
    }
    p = calloc(1, sizeof(*p));
    if (!p) {
        sbx_rec_free(&rec);
        return api_fail(e, 500, E_GENERAL, "out of memory");
    }
    p->fd = tcp_connect(rec.execd_addr, 5000);
    if (p->fd >= 0) reg_add(p);
    if (p->fd < 0) {
        api_fail(e, 502, E_BAD_GATEWAY, "cannot connect to sandbox '%.100s' at %s: %s", id,
                 rec.execd_addr, strerror(-p->fd));
        sbx_rec_free(&rec);
        proxy_free(p);
        return -1;
    }
    ret = send_head(r, p, &rec, port);
    sbx_rec_free(&rec);
    if (ret) {
        proxy_free(p);
        return api_fail(e, ret == -E2BIG ? 431 : 502, E_BAD_GATEWAY,
                        "cannot forward the request: %s", strerror(-ret));
    }
    r->proxy = p;
    return 0;
}

void proxy_upload(struct req *r, const char *data, size_t n)
{
    struct proxy *p = r->proxy;
    char line[32];
    if (p->upload_failed) return;
    if (p->chunked_upload) {
        snprintf(line, sizeof(line), "%zx\r\n", n);
        if (tcp_write_all(p->fd, line, strlen(line)) || tcp_write_all(p->fd, data, n) ||
            tcp_write_all(p->fd, "\r\n", 2))
            p->upload_failed = true;
    } else if (tcp_write_all(p->fd, data, n)) {
        p->upload_failed = true;
    }
}

/* Reads until the response head is complete. */
static int read_head(struct proxy *p)
{
    while (!(p->head_len = http_head_len(p->head, p->head_fill))) {
        ssize_t n;
        int w;
        if (p->head_fill >= sizeof(p->head)) return -E2BIG;
        w = tcp_wait_readable(p->fd, READ_TIMEOUT_MS);
        if (w <= 0) return w == 0 ? -ETIMEDOUT : w;
        n = read(p->fd, p->head + p->head_fill, sizeof(p->head) - p->head_fill);
        if (n <= 0) return n == 0 ? -ECONNRESET : -errno;
        p->head_fill += (size_t)n;
    }
    p->extra_off = p->head_len;
    return 0;
}

/* Raw body bytes: first what followed the head, then the socket. */
static ssize_t read_raw(struct proxy *p, char *buf, size_t max)
{
    if (p->extra_off < p->head_fill) {
        size_t n = p->head_fill - p->extra_off;
        if (n > max) n = max;
        memcpy(buf, p->head + p->extra_off, n);
        p->extra_off += n;
        return (ssize_t)n;
    }
    if (tcp_wait_readable(p->fd, READ_TIMEOUT_MS) <= 0) return -1;
    return read(p->fd, buf, max);
}

static ssize_t body_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct proxy *p = cls;
    char raw[RELAY_BUF];
    (void)pos;
    if (max > sizeof(raw)) max = sizeof(raw);
    for (;;) {
        ssize_t n;
        if (p->mode == BODY_LENGTH && p->left == 0) return MHD_CONTENT_READER_END_OF_STREAM;
        if (p->mode == BODY_CHUNKED && p->dec.state == CH_DONE)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (p->mode == BODY_LENGTH && max > p->left) max = (size_t)p->left;
        n = read_raw(p, p->mode == BODY_CHUNKED ? raw : buf, max);
        if (n < 0) return MHD_CONTENT_READER_END_WITH_ERROR;
        if (n == 0)
            return p->mode == BODY_CLOSE ? MHD_CONTENT_READER_END_OF_STREAM
                                         : MHD_CONTENT_READER_END_WITH_ERROR;
        if (p->mode == BODY_LENGTH) p->left -= (uint64_t)n;
        if (p->mode != BODY_CHUNKED) return n;
        size_t out = chunk_decode(&p->dec, raw, (size_t)n, buf);
        if (p->dec.state == CH_ERROR) return MHD_CONTENT_READER_END_WITH_ERROR;
        if (out) return (ssize_t)out;
    }
}

static void body_free(void *cls)
{
    proxy_free(cls);
}

static void copy_response_headers(struct MHD_Response *resp, const struct http_head *h,
                                  bool upgrade)
{
    for (size_t i = 0; i < h->n; i++) {
        const char *n = h->h[i].name;
        if (http_is_hop_header(n) || !strcasecmp(n, "content-length")) continue;
        MHD_add_response_header(resp, n, h->h[i].value);
    }
    if (upgrade) {
        MHD_add_response_header(resp, "Upgrade", "websocket");
        MHD_add_response_header(resp, "Connection", "Upgrade");
    }
}

static int set_body_mode(struct proxy *p, const struct http_head *h, const char *method,
                         uint64_t *size)
{
    const char *te = http_head_get(h, "Transfer-Encoding"),
               *cl = http_head_get(h, "Content-Length");
    *size = MHD_SIZE_UNKNOWN;
    if (!strcmp(method, "HEAD") || h->status == 204 || h->status == 304 || h->status < 200) {
        p->mode = BODY_NONE;
        *size = 0;
    } else if (te && http_value_has_token(te, "chunked")) {
        p->mode = BODY_CHUNKED;
    } else if (cl) {
        char *end;
        unsigned long long v = strtoull(cl, &end, 10);
        if (*end || end == cl) return -EPROTO;
        p->mode = BODY_LENGTH;
        p->left = v;
        *size = v;
    } else {
        p->mode = BODY_CLOSE;
    }
    return 0;
}

/* ---- WebSocket relay ---------------------------------------------------------------------- */

static int relay_once(int from, int to, char *buf)
{
    ssize_t n = recv(from, buf, RELAY_BUF, 0);
    if (n <= 0) return -1;
    return tcp_write_all(to, buf, (size_t)n) ? -1 : 0;
}

static void upgrade_handler(void *cls, struct MHD_Connection *c, void *con_cls,
                            const char *extra_in, size_t extra_in_size, MHD_socket sock,
                            struct MHD_UpgradeResponseHandle *urh)
{
    struct proxy *p = cls;
    char *buf = malloc(RELAY_BUF);
    struct pollfd fds[2] = {{.fd = sock, .events = POLLIN}, {.fd = p->fd, .events = POLLIN}};
    (void)c;
    (void)con_cls;
    if (buf && (extra_in_size == 0 || tcp_write_all(p->fd, extra_in, extra_in_size) == 0) &&
        (p->extra_off >= p->head_fill ||
         tcp_write_all(sock, p->head + p->extra_off, p->head_fill - p->extra_off) == 0)) {
        for (;;) {
            if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
            if (fds[0].revents && relay_once(sock, p->fd, buf)) break;
            if (fds[1].revents && relay_once(p->fd, sock, buf)) break;
        }
    }
    free(buf);
    MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
    proxy_free(p);
}

/* ---- finish ------------------------------------------------------------------------------- */

static int proxy_error(struct req *r, int status, const char *what, int err)
{
    struct api_err e;
    api_fail(&e, status, E_BAD_GATEWAY, "%s: %s", what, strerror(-err));
    return http_send_error(r, &e);
}

int proxy_finish(struct req *r)
{
    struct proxy *p = r->proxy;
    struct http_head h;
    struct MHD_Response *resp;
    uint64_t size;
    int ret;

    if (p->chunked_upload && !p->upload_failed && tcp_write_all(p->fd, "0\r\n\r\n", 5))
        p->upload_failed = true;
    ret = read_head(p);
    if (ret == 0) ret = http_parse_response_head(p->head, p->head_len, &h);
    if (ret) return proxy_error(r, 502, "bad answer from the sandbox", ret);
    if (p->websocket && h.status == 101) {
        resp = MHD_create_response_for_upgrade(upgrade_handler, p);
    } else {
        if (set_body_mode(p, &h, r->method, &size))
            return proxy_error(r, 502, "bad answer from the sandbox", -EPROTO);
        resp = p->mode == BODY_NONE
                   ? MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT)
                   : MHD_create_response_from_callback(size, RELAY_BUF, body_reader, p, body_free);
    }
    if (!resp) return proxy_error(r, 500, "cannot create the response", -ENOMEM);
    if (p->mode != BODY_NONE || (p->websocket && h.status == 101))
        r->proxy = NULL; /* owned by the response now */
    copy_response_headers(resp, &h, p->websocket && h.status == 101);
    MHD_add_response_header(resp, "X-Request-ID", r->request_id);
    ret = MHD_queue_response(r->conn, (unsigned)h.status, resp);
    MHD_destroy_response(resp);
    return ret;
}
