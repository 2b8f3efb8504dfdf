/* Stream events: the output buffer, upstream's event framing and the line splitter. */
#include "execd.h"
#include "sse.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sse_out_init(struct sse_out *o, struct conn *c, size_t cap)
{
    o->c = c;
    o->cap = cap;
    o->buf = malloc(o->cap);
    o->len = 0;
    o->ts = 0;
    o->err = o->buf ? 0 : -ENOMEM;
}

void sse_out_free(struct sse_out *o)
{
    free(o->buf);
    o->buf = NULL;
}

int sse_flush(struct sse_out *o)
{
    if (!o->err && o->len) o->err = conn_write(o->c, o->buf, o->len);
    o->len = 0;
    o->ts = 0;
    return o->err;
}

int sse_flush_end(struct sse_out *o)
{
    if (!o->err) o->err = conn_write_end(o->c, o->buf, o->len);
    o->len = 0;
    return o->err;
}

/* Room for n more bytes, flushing first when needed. */
static char *reserve(struct sse_out *o, size_t n)
{
    if (o->err) return NULL;
    if (o->len + n > o->cap && sse_flush(o) < 0) return NULL;
    if (n > o->cap) {
        char *b = realloc(o->buf, n);
        if (!b) {
            o->err = -ENOMEM;
            return NULL;
        }
        o->buf = b;
        o->cap = n;
    }
    return o->buf + o->len;
}

/* The events' timestamp: taken once per flushed buffer (a buffer is filled in far less than
 * the millisecond of resolution, or flushed after waiting). Appends it at p. */
static size_t put_ts(struct sse_out *o, char *p)
{
    if (!o->ts) {
        o->ts = now_ms();
        o->ts_n = (size_t)snprintf(o->ts_s, sizeof(o->ts_s), "%" PRId64, o->ts);
    }
    memcpy(p, o->ts_s, o->ts_n);
    return o->ts_n;
}

void sse_text_event(struct sse_out *o, const char *type, const char *text, size_t n)
{
    char *p = reserve(o, 6 * n + 128);
    if (!p) return;
    size_t k = 0, tl = strlen(type);
    memcpy(p, "{\"type\":\"", 9);
    k = 9;
    memcpy(p + k, type, tl);
    k += tl;
    memcpy(p + k, "\",\"text\":\"", 10);
    k += 10;
    k += json_escape(text, n, p + k);
    memcpy(p + k, "\",\"timestamp\":", 14);
    k += 14;
    k += put_ts(o, p + k);
    memcpy(p + k, "}\n\n", 3);
    o->len += k + 3;
}

void sse_raw_event(struct sse_out *o, const char *json, size_t n)
{
    char *p = reserve(o, n + 2);
    if (!p) return;
    memcpy(p, json, n);
    memcpy(p + n, "\n\n", 2);
    o->len += n + 2;
}

void line_split_init(struct line_split *ls, bool drop_empty)
{
    ls->part = NULL; /* allocated by the first partial line: most commands never keep one */
    ls->len = 0;
    ls->cr = false;
    ls->drop_empty = drop_empty;
}

void line_split_free(struct line_split *ls)
{
    free(ls->part);
    ls->part = NULL;
}

static void emit_line(struct line_split *ls, struct sse_out *o, const char *type, const char *p,
                      size_t n)
{
    if (n == 0) {
        if (!ls->drop_empty) sse_text_event(o, type, "\n", 1);
        return;
    }
    sse_text_event(o, type, p, n);
}

/* Length of the line at s (up to its \n or \r), rest when it has no end yet. *nl caches the
 * next \n at or after s (s + rest: none), so that lines ended by \r do not rescan. */
static size_t line_len(const char *s, size_t rest, const char **nl)
{
    if (*nl < s) {
        const char *f = memchr(s, '\n', rest);
        *nl = f ? f : s + rest;
    }
    size_t k = (size_t)(*nl - s);
    const char *cr = memchr(s, '\r', k);
    return cr ? (size_t)(cr - s) : k;
}

void line_split_feed(struct line_split *ls, struct sse_out *o, const char *type, const char *p,
                     size_t n)
{
    size_t i = 0;
    if (n && ls->cr && p[0] == '\n') i = 1; /* the \n of a \r\n split across reads */
    ls->cr = false;
    const char *nl = NULL;
    while (i < n) {
        const char *s = p + i;
        size_t rest = n - i, k = line_len(s, rest, &nl);
        if (k == rest) { /* partial line: keep it */
            if (!ls->part && !(ls->part = malloc(SSE_MAX_LINE))) {
                o->err = -ENOMEM;
                return;
            }
            size_t room = SSE_MAX_LINE - ls->len;
            while (rest > room) {
                memcpy(ls->part + ls->len, s, room);
                emit_line(ls, o, type, ls->part, SSE_MAX_LINE);
                ls->len = 0;
                s += room;
                rest -= room;
                room = SSE_MAX_LINE;
            }
            memcpy(ls->part + ls->len, s, rest);
            ls->len += rest;
            return;
        }
        if (ls->len) { /* completes a kept partial line */
            size_t room = SSE_MAX_LINE - ls->len, take = k < room ? k : room;
            memcpy(ls->part + ls->len, s, take);
            emit_line(ls, o, type, ls->part, ls->len + take);
            ls->len = 0;
        } else {
            emit_line(ls, o, type, s, k);
        }
        i += k + 1;
        if (s[k] == '\r') {
            if (i < n && p[i] == '\n')
                i++;
            else if (i == n)
                ls->cr = true;
        }
    }
}

void line_split_flush(struct line_split *ls, struct sse_out *o, const char *type)
{
    if (ls->len) sse_text_event(o, type, ls->part, ls->len);
    ls->len = 0;
}

