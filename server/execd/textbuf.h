/* A growing buffer for JSON answers written as text (listings, FileInfo): no tree of values,
 * one allocation that doubles. Appends do not fail one by one: the first failure (no memory,
 * or past TEXTBUF_MAX) sticks in err and later appends do nothing. */
#ifndef EXECD_TEXTBUF_H
#define EXECD_TEXTBUF_H
#include <stddef.h>

#define TEXTBUF_MAX (512u << 20) /* a listing of 200,000 entries is ~80 MB */

struct textbuf {
    char *buf;
    size_t len, cap;
    int err;
};

void tb_free(struct textbuf *b);
void tb_put(struct textbuf *b, const char *s, size_t n);
void tb_puts(struct textbuf *b, const char *s);
void tb_putc(struct textbuf *b, char c);
void tb_int(struct textbuf *b, long long v);
/* s as a JSON string, quoted; invalid UTF-8 becomes U+FFFD (as jstr() does). */
void tb_jstr(struct textbuf *b, const char *s);

#endif
