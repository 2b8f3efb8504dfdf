/* Growing text buffer (see textbuf.h). */
#include "textbuf.h"
#include "execd.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void tb_free(struct textbuf *b)
{
    free(b->buf);
    b->buf = NULL;
    b->len = b->cap = 0;
}

/* Room for n more bytes, or NULL (b->err set). */
static char *reserve(struct textbuf *b, size_t n)
{
    if (b->err) return NULL;
    if (n > TEXTBUF_MAX - b->len) {
        b->err = -EFBIG;
        return NULL;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        char *p = realloc(b->buf, cap);
        if (!p) {
            b->err = -ENOMEM;
            return NULL;
        }
        b->buf = p;
        b->cap = cap;
    }
    return b->buf + b->len;
}

void tb_put(struct textbuf *b, const char *s, size_t n)
{
    char *p = reserve(b, n);
    if (!p) return;
    memcpy(p, s, n);
    b->len += n;
}

void tb_puts(struct textbuf *b, const char *s)
{
    tb_put(b, s, strlen(s));
}

void tb_putc(struct textbuf *b, char c)
{
    tb_put(b, &c, 1);
}

void tb_int(struct textbuf *b, long long v)
{
    char d[24], *p = d + sizeof d;
    unsigned long long u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0) *--p = '-';
    tb_put(b, p, (size_t)(d + sizeof d - p));
}

void tb_jstr(struct textbuf *b, const char *s)
{
    size_t n = strlen(s);
    char *p = n <= TEXTBUF_MAX / 6 ? reserve(b, 6 * n + 2) : NULL; /* json_escape: ≤ 6 per byte */
    if (!p) {
        if (!b->err) b->err = -EFBIG;
        return;
    }
    p[0] = '"';
    size_t o = 1 + json_escape(s, n, p + 1);
    p[o++] = '"';
    b->len += o;
}
