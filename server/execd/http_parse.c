/* HTTP/1.1 request head, query, chunked body and Range parsing (no I/O, no allocation). */
#include "http.h"
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

size_t http_head_end(const char *buf, size_t len)
{
    const char *p = memmem(buf, len, "\r\n\r\n", 4);
    if (p) return (size_t)(p - buf) + 4;
    return 0;
}

static bool is_tchar(unsigned char c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = 0;
    return s;
}

/* Splits the next CRLF-terminated line off *cur; NULL when none is left. */
static char *next_line(char **cur, char *end)
{
    char *s = *cur;
    if (s >= end) return NULL;
    char *e = memmem(s, (size_t)(end - s), "\r\n", 2);
    if (!e) return NULL;
    *e = 0;
    *cur = e + 2;
    return s;
}

static int parse_request_line(char *line, struct http_request *req)
{
    char *sp1 = strchr(line, ' ');
    if (!sp1) return -EINVAL;
    *sp1 = 0;
    char *sp2 = strchr(sp1 + 1, ' ');
    if (!sp2) return -EINVAL;
    *sp2 = 0;
    req->method = line;
    req->target = sp1 + 1;
    const char *ver = sp2 + 1;
    if (!*req->method || strlen(req->method) > 16 || *req->target != '/') return -EINVAL;
    for (const char *m = req->method; *m; m++)
        if (!is_tchar((unsigned char)*m)) return -EINVAL;
    for (const char *t = req->target; *t; t++)
        if ((unsigned char)*t <= ' ' || *t == 0x7f) return -EINVAL;
    if (strncmp(ver, "HTTP/", 5) != 0) return -EINVAL;
    if (strcmp(ver, "HTTP/1.1") == 0)
        req->minor = 1;
    else if (strcmp(ver, "HTTP/1.0") == 0)
        req->minor = 0;
    else
        return -EPROTONOSUPPORT;
    return 0;
}

static int parse_header_line(char *line, struct http_request *req)
{
    char *colon = strchr(line, ':');
    if (!colon || colon == line) return -EINVAL;
    *colon = 0;
    for (char *n = line; *n; n++)
        if (!is_tchar((unsigned char)*n)) return -EINVAL;
    char *value = trim(colon + 1);
    for (char *v = value; *v; v++)
        if ((unsigned char)*v < ' ' && *v != '\t') return -EINVAL;
    if (req->nheaders >= HTTP_MAX_HEADERS) return -E2BIG;
    req->headers[req->nheaders].name = line;
    req->headers[req->nheaders].value = value;
    req->nheaders++;
    return 0;
}

static bool token_in_list(const char *list, const char *tok)
{
    size_t n = strlen(tok);
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        const char *s = p;
        while (*p && *p != ',')
            p++;
        const char *e = p;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if ((size_t)(e - s) == n && strncasecmp(s, tok, n) == 0) return true;
    }
    return false;
}

static int parse_content_length(const char *v, int64_t *ret)
{
    if (!*v || strlen(v) > 18) return -EINVAL;
    int64_t n = 0;
    for (const char *p = v; *p; p++) {
        if (!isdigit((unsigned char)*p)) return -EINVAL;
        n = n * 10 + (*p - '0');
    }
    *ret = n;
    return 0;
}

/* Derives body framing and connection flags from the headers. */
static int derive_fields(struct http_request *req)
{
    req->content_length = -1;
    bool seen_cl = false;
    for (int i = 0; i < req->nheaders; i++) {
        const char *n = req->headers[i].name, *v = req->headers[i].value;
        if (strcasecmp(n, "Content-Length") == 0) {
            int64_t cl;
            if (parse_content_length(v, &cl) < 0 || (seen_cl && cl != req->content_length))
                return -EINVAL;
            req->content_length = cl;
            seen_cl = true;
        } else if (strcasecmp(n, "Transfer-Encoding") == 0) {
            if (strcasecmp(v, "chunked") != 0) return -ENOTSUP;
            req->chunked = true;
        }
    }
    if (req->chunked && seen_cl) return -EINVAL; /* request smuggling guard */
    const char *conn = http_header_get(req, "Connection");
    req->keep_alive = req->minor == 1;
    if (conn && token_in_list(conn, "close")) req->keep_alive = false;
    if (conn && token_in_list(conn, "keep-alive")) req->keep_alive = true;
    req->upgrade = conn && token_in_list(conn, "upgrade");
    const char *exp = http_header_get(req, "Expect");
    req->expect_continue = exp && strcasecmp(exp, "100-continue") == 0;
    return 0;
}

static int split_target(struct http_request *req)
{
    char *q = strchr(req->target, '?');
    size_t plen = q ? (size_t)(q - req->target) : strlen(req->target);
    req->query = q ? q + 1 : NULL;
    return (int)plen;
}

int http_parse_head(char *buf, size_t len, struct http_request *req)
{
    memset(req, 0, sizeof(*req));
    if (len < 4 || memcmp(buf + len - 4, "\r\n\r\n", 4) != 0) return -EINVAL;
    if (memchr(buf, 0, len)) return -EINVAL;
    char *cur = buf, *end = buf + len;
    char *line = next_line(&cur, end);
    if (!line) return -EINVAL;
    int r = parse_request_line(line, req);
    if (r < 0) return r;
    while ((line = next_line(&cur, end)) && *line) {
        if (*line == ' ' || *line == '\t') return -EINVAL; /* obsolete line folding */
        r = parse_header_line(line, req);
        if (r < 0) return r;
    }
    r = derive_fields(req);
    if (r < 0) return r;
    /* The path is decoded into the target's own bytes: decoding only shrinks, so the
     * query (after the '?') keeps its raw bytes. */
    int plen = split_target(req);
    char tmp[HTTP_MAX_HEAD];
    r = http_url_decode(req->target, (size_t)plen, tmp, sizeof(tmp), false);
    if (r < 0) return r;
    size_t dlen = strlen(tmp);
    if (req->query) req->query[-1] = 0;
    memcpy(req->target, tmp, dlen + 1); /* dlen <= plen: fits before the query */
    req->path = req->target;
    req->target = NULL;
    return 0;
}

const char *http_header_get(const struct http_request *req, const char *name)
{
    for (int i = 0; i < req->nheaders; i++)
        if (strcasecmp(req->headers[i].name, name) == 0) return req->headers[i].value;
    return NULL;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

int http_url_decode(const char *in, size_t len, char *out, size_t outsz, bool plus_space)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)in[i];
        if (c == '%') {
            if (i + 2 >= len) return -EINVAL;
            int h = hexval((unsigned char)in[i + 1]), l = hexval((unsigned char)in[i + 2]);
            if (h < 0 || l < 0) return -EINVAL;
            c = h * 16 + l;
            i += 2;
        } else if (c == '+' && plus_space) {
            c = ' ';
        }
        if (c == 0) return -EINVAL;
        if (o + 1 >= outsz) return -ENAMETOOLONG;
        out[o++] = (char)c;
    }
    if (o >= outsz) return -ENAMETOOLONG;
    out[o] = 0;
    return 0;
}

int http_query_get_nth(const char *query, const char *key, int index, char *out, size_t outsz)
{
    if (!query) return -ENOENT;
    size_t klen = strlen(key);
    const char *p = query;
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        size_t nlen = eq ? (size_t)(eq - p) : n;
        char name[256];
        if (nlen < sizeof(name) && http_url_decode(p, nlen, name, sizeof(name), true) == 0 &&
            strlen(name) == klen && memcmp(name, key, klen) == 0) {
            if (index-- == 0) {
                if (!eq) return outsz ? (out[0] = 0, 0) : -ENAMETOOLONG;
                return http_url_decode(eq + 1, n - nlen - 1, out, outsz, true);
            }
        }
        p += n;
        if (*p == '&') p++;
    }
    return -ENOENT;
}

enum { CH_SIZE, CH_EXT, CH_SIZE_LF, CH_DATA, CH_DATA_CR, CH_DATA_LF, CH_TRAILER, CH_TRAILER_LF };

#define CHUNK_LINE_MAX 4096

ssize_t chunked_decode(struct chunked_dec *d, char *buf, size_t len, size_t *ret_out)
{
    size_t i = 0, o = 0;
    while (i < len && !d->done) {
        unsigned char c = (unsigned char)buf[i];
        switch (d->state) {
        case CH_SIZE:
            if (hexval(c) >= 0) {
                if (d->remain >> 56) return -EINVAL;
                d->remain = d->remain * 16 + (uint64_t)hexval(c);
                d->line++;
            } else if (d->line == 0) {
                return -EINVAL;
            } else if (c == ';' || c == ' ' || c == '\t') {
                d->state = CH_EXT;
            } else if (c == '\r') {
                d->state = CH_SIZE_LF;
            } else {
                return -EINVAL;
            }
            i++;
            break;
        case CH_EXT:
            if (c == '\r')
                d->state = CH_SIZE_LF;
            else if (++d->line > CHUNK_LINE_MAX || (c < ' ' && c != '\t'))
                return -EINVAL;
            i++;
            break;
        case CH_SIZE_LF:
            if (c != '\n') return -EINVAL;
            i++;
            d->line = 0;
            d->state = d->remain ? CH_DATA : CH_TRAILER;
            break;
        case CH_DATA: {
            size_t n = len - i;
            if (n > d->remain) n = (size_t)d->remain;
            memmove(buf + o, buf + i, n);
            o += n;
            i += n;
            d->remain -= n;
            if (!d->remain) d->state = CH_DATA_CR;
            break;
        }
        case CH_DATA_CR:
            if (c != '\r') return -EINVAL;
            d->state = CH_DATA_LF;
            i++;
            break;
        case CH_DATA_LF:
            if (c != '\n') return -EINVAL;
            d->state = CH_SIZE;
            d->line = 0;
            i++;
            break;
        case CH_TRAILER: /* a trailer line, or the final empty line */
            if (c == '\r') {
                d->state = CH_TRAILER_LF;
            } else if (++d->line > CHUNK_LINE_MAX) {
                return -EINVAL;
            }
            i++;
            break;
        case CH_TRAILER_LF:
            if (c != '\n') return -EINVAL;
            i++;
            if (d->line == 0) d->done = true;
            d->line = 0;
            d->state = CH_TRAILER;
            break;
        }
    }
    *ret_out = o;
    return (ssize_t)i;
}

static int parse_u64(const char *s, const char *e, uint64_t *ret)
{
    if (s == e || e - s > 19) return -EINVAL;
    uint64_t n = 0;
    for (const char *p = s; p < e; p++) {
        if (!isdigit((unsigned char)*p)) return -EINVAL;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    *ret = n;
    return 0;
}

int http_parse_range(const char *hdr, uint64_t size, uint64_t *ret_start, uint64_t *ret_len)
{
    while (*hdr == ' ')
        hdr++;
    if (strncmp(hdr, "bytes=", 6) != 0) return -EINVAL;
    const char *s = hdr + 6;
    while (*s == ' ')
        s++;
    const char *e = strchr(s, ',');
    if (!e) e = s + strlen(s);
    while (e > s && e[-1] == ' ')
        e--;
    const char *dash = memchr(s, '-', (size_t)(e - s));
    if (!dash) return -EINVAL;
    uint64_t a, b;
    if (dash == s) { /* suffix: last n bytes */
        if (parse_u64(dash + 1, e, &b) < 0) return -EINVAL;
        if (b == 0) return -ERANGE;
        if (b > size) b = size;
        if (size == 0) return -ERANGE;
        *ret_start = size - b;
        *ret_len = b;
        return 0;
    }
    if (parse_u64(s, dash, &a) < 0) return -EINVAL;
    if (dash + 1 == e) {
        b = size ? size - 1 : 0;
    } else {
        if (parse_u64(dash + 1, e, &b) < 0 || b < a) return -EINVAL;
        if (b >= size) b = size - 1;
    }
    if (a >= size) return -ERANGE;
    *ret_start = a;
    *ret_len = b - a + 1;
    return 0;
}
