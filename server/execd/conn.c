/* Connection I/O: blocking sockets, one thread per connection (see server.c). */
#include "conn.h"
#include "execd.h"
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

const char *http_reason(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 206:
        return "Partial Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 416:
        return "Requested Range Not Satisfiable";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

int conn_send_raw(int fd, const void *p, size_t n)
{
    const char *s = p;
    while (n) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -EPIPE;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

/* writev_all with send flags (MSG_NOSIGNAL always). */
static int sendv_all(int fd, struct iovec *iov, int cnt, int flags)
{
    while (cnt) {
        struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)cnt};
        ssize_t w = sendmsg(fd, &m, flags | MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -EPIPE;
        while (cnt && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            cnt--;
        }
        if (cnt) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

static int writev_all(int fd, struct iovec *iov, int cnt)
{
    return sendv_all(fd, iov, cnt, 0);
}

static void answer_parse_error(struct conn *c, int err)
{
    int status = err == -E2BIG ? 431 : err == -ENOTSUP ? 501 : err == -EPROTONOSUPPORT ? 505 : 400;
    c->close_after = true;
    respond_error(c, status, "INVALID_REQUEST_BODY",
                  status == 431   ? "request header too large"
                  : status == 501 ? "unsupported transfer coding"
                  : status == 505 ? "unsupported HTTP version"
                                  : "malformed HTTP request");
}

void conn_next(struct conn *c)
{
    size_t rest = c->in_len - c->in_off;
    memmove(c->in, c->in + c->in_off, rest);
    c->in_len = rest;
    c->in_off = 0;
    c->head_len = 0;
}

int conn_read_request(struct conn *c)
{
    size_t end;
    while (!(end = http_head_end(c->in, c->in_len))) {
        if (c->in_len >= HTTP_MAX_HEAD) {
            answer_parse_error(c, -E2BIG);
            return -E2BIG;
        }
        ssize_t r = recv(c->fd, c->in + c->in_len, HTTP_MAX_HEAD - c->in_len, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            if (c->in_len > 0 && r == 0) answer_parse_error(c, -EINVAL);
            return -ECONNRESET;
        }
        c->in_len += (size_t)r;
    }
    c->head_len = end;
    c->in_off = end;
    free(c->raw_target);
    const char *sp = memchr(c->in, ' ', end);
    const char *sp2 = sp ? memchr(sp + 1, ' ', end - (size_t)(sp + 1 - c->in)) : NULL;
    c->raw_target = sp2 ? strndup(sp + 1, (size_t)(sp2 - sp - 1)) : NULL;
    c->close_after = false;
    c->began = false;
    c->chunked_out = false;
    c->continue_sent = false;
    int r = http_parse_head(c->in, end, &c->req);
    if (r < 0) {
        answer_parse_error(c, r);
        return r;
    }
    c->body_chunked = c->req.chunked;
    c->body_left = c->req.chunked ? 0 : (c->req.content_length > 0 ? c->req.content_length : 0);
    c->body_done = !c->req.chunked && c->body_left == 0;
    memset(&c->dec, 0, sizeof(c->dec));
    if (!c->req.keep_alive) c->close_after = true;
    return 0;
}

static int send_continue(struct conn *c)
{
    if (!c->req.expect_continue || c->continue_sent) return 0;
    c->continue_sent = true;
    static const char msg[] = "HTTP/1.1 100 Continue\r\n\r\n";
    return conn_send_raw(c->fd, msg, sizeof(msg) - 1);
}

/* Makes sure some raw bytes are buffered after in_off; 0 at EOF of the socket. */
static ssize_t fill(struct conn *c)
{
    if (c->in_off < c->in_len) return (ssize_t)(c->in_len - c->in_off);
    c->in_len = c->in_off = c->head_len;
    for (;;) {
        ssize_t r = recv(c->fd, c->in + c->in_len, CONN_BUF - c->in_len, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -errno;
        c->in_len += (size_t)r;
        return r;
    }
}

static ssize_t read_plain(struct conn *c, char *buf, size_t n)
{
    if ((int64_t)n > c->body_left) n = (size_t)c->body_left;
    ssize_t r;
    if (c->in_off < c->in_len) {
        r = (ssize_t)(c->in_len - c->in_off);
        if ((size_t)r > n) r = (ssize_t)n;
        memcpy(buf, c->in + c->in_off, (size_t)r);
        c->in_off += (size_t)r;
    } else {
        do
            r = recv(c->fd, buf, n, 0);
        while (r < 0 && errno == EINTR);
        if (r <= 0) return -ECONNRESET;
    }
    c->body_left -= r;
    if (!c->body_left) c->body_done = true;
    return r;
}

static ssize_t read_chunked(struct conn *c, char *buf, size_t n)
{
    while (!c->dec.done) {
        ssize_t avail = fill(c);
        if (avail <= 0) return -ECONNRESET;
        size_t take = (size_t)avail < n ? (size_t)avail : n, out = 0;
        ssize_t used = chunked_decode(&c->dec, c->in + c->in_off, take, &out);
        if (used < 0) return -EINVAL;
        memcpy(buf, c->in + c->in_off, out);
        c->in_off += (size_t)used;
        if (out) return (ssize_t)out;
    }
    c->body_done = true;
    return 0;
}

ssize_t conn_body_read(struct conn *c, void *buf, size_t n)
{
    if (c->body_done || n == 0) return 0;
    if (send_continue(c) < 0) return -EPIPE;
    ssize_t r = c->body_chunked ? read_chunked(c, buf, n) : read_plain(c, buf, n);
    if (r < 0) c->close_after = true;
    return r;
}

bool conn_body_drain(struct conn *c)
{
    if (c->body_done) return true;
    if (c->req.expect_continue && !c->continue_sent)
        return false; /* the client never sent the body: the connection state is unclear */
    char buf[16384];
    int64_t budget = 1 << 20;
    while (!c->body_done && budget > 0) {
        ssize_t r = conn_body_read(c, buf, sizeof(buf));
        if (r < 0) return false;
        budget -= r;
    }
    return c->body_done;
}

static size_t head_fmt(struct conn *c, char *h, size_t hsz, int status, const char *ctype,
                       const char *extra, int64_t clen)
{
    int n = snprintf(h, hsz, "HTTP/1.1 %d %s\r\n", status, http_reason(status));
    if (ctype) n += snprintf(h + n, hsz - (size_t)n, "Content-Type: %s\r\n", ctype);
    if (!g_cfg.upstream_compat)
        n += snprintf(h + n, hsz - (size_t)n, "X-Execd-Extensions: %s\r\n", EXECD_EXTENSIONS);
    if (extra) n += snprintf(h + n, hsz - (size_t)n, "%s", extra);
    if (clen >= 0)
        n += snprintf(h + n, hsz - (size_t)n, "Content-Length: %" PRId64 "\r\n", clen);
    else
        n += snprintf(h + n, hsz - (size_t)n, "Transfer-Encoding: chunked\r\n");
    if (c->close_after) n += snprintf(h + n, hsz - (size_t)n, "Connection: close\r\n");
    n += snprintf(h + n, hsz - (size_t)n, "\r\n");
    return (size_t)n < hsz ? (size_t)n : hsz - 1;
}

/* Formats a response head into h and marks the response begun (chunked when content_length < 0).
 * A handler that answers before reading the whole body closes the connection after. */
static size_t head_start(struct conn *c, char *h, size_t hsz, int status, const char *ctype,
                         const char *extra, int64_t content_length)
{
    if (!c->body_done) c->close_after = true;
    size_t n = head_fmt(c, h, hsz, status, ctype, extra, content_length);
    c->began = true;
    c->status = status;
    c->chunked_out = content_length < 0;
    return n;
}

int conn_begin(struct conn *c, int status, const char *ctype, const char *extra,
               int64_t content_length)
{
    char h[4096];
    size_t n = head_start(c, h, sizeof(h), status, ctype, extra, content_length);
    return conn_send_raw(c->fd, h, n);
}

int conn_respond(struct conn *c, int status, const char *ctype, const char *extra, const void *body,
                 size_t len)
{
    char h[4096];
    size_t n = head_start(c, h, sizeof(h), status, ctype, extra, (int64_t)len);
    struct iovec iov[2] = {{h, n}, {(void *)body, len}};
    return writev_all(c->fd, iov, len ? 2 : 1);
}

int conn_begin_later(struct conn *c, int status, const char *ctype, const char *extra,
                     int64_t content_length)
{
    int r = conn_flush_head(c);
    if (r < 0) return r;
    char h[4096];
    size_t n = head_start(c, h, sizeof(h), status, ctype, extra, content_length);
    if (n > sizeof(c->head_pend)) return conn_send_raw(c->fd, h, n);
    memcpy(c->head_pend, h, n);
    c->head_pend_len = n;
    return 0;
}

int conn_flush_head(struct conn *c)
{
    size_t n = c->head_pend_len;
    c->head_pend_len = 0;
    return n ? conn_send_raw(c->fd, c->head_pend, n) : 0;
}

/* Writes a chunk (or plain bytes) with an optional tail, after any held-back head. */
static int write_framed(struct conn *c, const void *p, size_t n, const char *tail, size_t tn)
{
    char pre[24];
    int pn = c->chunked_out ? snprintf(pre, sizeof(pre), "%zx\r\n", n) : 0;
    struct iovec iov[4] = {
        {c->head_pend, c->head_pend_len}, {pre, (size_t)pn}, {(void *)p, n}, {(void *)tail, tn}};
    c->head_pend_len = 0;
    return writev_all(c->fd, iov, 4);
}

int conn_write(struct conn *c, const void *p, size_t n)
{
    if (!n) return 0;
    return write_framed(c, p, n, c->chunked_out ? "\r\n" : "", c->chunked_out ? 2 : 0);
}

static int sendfile_all(int out, int in, off_t off, size_t n)
{
    while (n) {
        ssize_t w = sendfile(out, in, &off, n > (1u << 30) ? (1u << 30) : n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return w == 0 ? -EIO : -EPIPE;
        n -= (size_t)w;
    }
    return 0;
}

/* The held-back bytes and the chunk header go out as the start of the file's data (MSG_MORE);
 * a chunk's closing CRLF is held back in turn, to go out with whatever the response sends next
 * (the next chunk's header, or the end): one packet less per chunk. */
int conn_sendfile(struct conn *c, int fd, off_t off, size_t n)
{
    if (!n) return conn_flush_head(c);
    char pre[24];
    int pn = c->chunked_out ? snprintf(pre, sizeof(pre), "%zx\r\n", n) : 0;
    struct iovec iov[2] = {{c->head_pend, c->head_pend_len}, {pre, (size_t)pn}};
    c->head_pend_len = 0;
    if (iov[0].iov_len + iov[1].iov_len && sendv_all(c->fd, iov, 2, MSG_MORE) < 0) return -EPIPE;
    int r = sendfile_all(c->fd, fd, off, n);
    if (r < 0 || !c->chunked_out) return r;
    memcpy(c->head_pend, "\r\n", 2);
    c->head_pend_len = 2;
    return 0;
}

int conn_end(struct conn *c)
{
    if (!c->chunked_out) return conn_flush_head(c);
    size_t hn = c->head_pend_len;
    struct iovec iov[2] = {{c->head_pend, hn}, {"0\r\n\r\n", 5}};
    c->head_pend_len = 0;
    return writev_all(c->fd, iov, 2);
}

int conn_write_end(struct conn *c, const void *p, size_t n)
{
    if (!c->chunked_out || !n) {
        int r = conn_write(c, p, n);
        return r < 0 ? r : conn_end(c);
    }
    return write_framed(c, p, n, "\r\n0\r\n\r\n", 7);
}

bool conn_peer_closed(struct conn *c)
{
    struct pollfd p = {.fd = c->fd, .events = POLLIN | POLLRDHUP};
    if (poll(&p, 1, 0) <= 0) return false;
    if (p.revents & (POLLHUP | POLLERR | POLLRDHUP)) return true;
    char b;
    ssize_t r = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return r == 0;
}
