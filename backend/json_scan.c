/* Pull scanner for JSON text (see json_scan.h). The rules follow jansson 2.14's lexer and
 * parser (load.c) so that both accept the same documents. */
#include "json_scan.h"
#include "utf8.h"
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

void jscan_init(struct jscan *s, const char *text, size_t len, char *scratch)
{
    s->p = text;
    s->end = text + len;
    s->scratch = scratch;
    s->used = 0;
}

char jscan_peek(struct jscan *s)
{
    while (s->p < s->end && blank(*s->p))
        s->p++;
    return s->p < s->end ? *s->p : 0;
}

int jscan_end(struct jscan *s)
{
    return jscan_peek(s) == 0 && s->p == s->end ? 0 : -EINVAL;
}

int jscan_open(struct jscan *s, char open)
{
    char close = open == '[' ? ']' : '}';
    if (jscan_peek(s) != open) return -EINVAL;
    s->p++;
    if (jscan_peek(s) != close) return 1;
    s->p++;
    return 0;
}

int jscan_more(struct jscan *s, char close)
{
    char c = jscan_peek(s);
    if (c != ',' && c != close) return -EINVAL;
    s->p++;
    return c == ',';
}

static size_t utf8_put(unsigned cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* The 4 hex digits after "\u" at p, or -1. */
static long hex4(const char *p, const char *end)
{
    long v = 0;
    if (end - p < 4) return -1;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = digit(c)               ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) return -1;
        v = v << 4 | d;
    }
    return v;
}

/* The code point of the escape "\uXXXX" (or a surrogate pair of two) at *pp, which it passes;
 * -1 if invalid. U+0000 is invalid too: jansson refuses it without JSON_ALLOW_NUL. */
static long unicode_escape(const char **pp, const char *end)
{
    const char *p = *pp;
    long cp = hex4(p + 2, end);
    if (cp <= 0) return -1;
    p += 6;
    if (cp >= 0xd800 && cp <= 0xdbff) {
        long lo = end - p >= 2 && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2, end) : -1;
        if (lo < 0xdc00 || lo > 0xdfff) return -1;
        cp = ((cp - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
        p += 6;
    } else if (cp >= 0xdc00 && cp <= 0xdfff) {
        return -1;
    }
    *pp = p;
    return cp;
}

/* One escape at *pp into o (at most 4 bytes); its length, or 0 if invalid. */
static size_t escape(const char **pp, const char *end, char *o)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *p = *pp, *hit;
    if (end - p < 2) return 0;
    if (p[1] == 'u') {
        long cp = unicode_escape(pp, end);
        return cp < 0 ? 0 : utf8_put((unsigned)cp, o);
    }
    if (!p[1] || !(hit = strchr(from, p[1]))) return 0;
    *o = to[hit - from];
    *pp = p + 2;
    return 1;
}

static bool plain(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* The string whose opening quote is at s->p: checked, and decoded into out[cap] if out is set;
 * *fits says whether all of it (and a NUL) fitted. */
static int scan_string(struct jscan *s, char *out, size_t cap, size_t *len, bool *fits)
{
    const char *p = s->p + 1, *end = s->end;
    size_t o = 0;
    bool room = out && cap;
    while (p < end && *p != '"') {
        const char *from = p;
        char buf[4];
        size_t n;
        if (plain((unsigned char)*p)) {
            while (p < end && plain((unsigned char)*p))
                p++;
            n = (size_t)(p - from);
        } else if (*p == '\\') {
            if (!(n = escape(&p, end, buf))) return -EINVAL;
            from = buf;
        } else {
            if ((unsigned char)*p < 0x20 ||
                !(n = utf8_valid_len((const unsigned char *)p, (size_t)(end - p))))
                return -EINVAL;
            p += n;
        }
        if (room && o + n < cap)
            memcpy(out + o, from, n);
        else
            room = false;
        o += n;
    }
    if (p == end) return -EINVAL;
    s->p = p + 1;
    if (room) out[o] = 0;
    if (len) *len = o;
    if (fits) *fits = room;
    return 0;
}

int jscan_key(struct jscan *s, char *key, size_t cap)
{
    bool fits = false;
    if (jscan_peek(s) != '"' || scan_string(s, key, cap, NULL, &fits)) return -EINVAL;
    if (key && cap && !fits) key[0] = 0;
    if (jscan_peek(s) != ':') return -EINVAL;
    s->p++;
    return 0;
}

/* Digits [p, end) of a number without its sign: the long long, or -EINVAL past its range. */
static int int_value(const char *p, const char *end, bool neg, long long *ret)
{
    unsigned long long v = 0, limit = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
    for (; p < end; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (limit - d) / 10) return -EINVAL;
        v = v * 10 + d;
    }
    *ret = neg ? (long long)(0 - v) : (long long)v; /* two's complement: LLONG_MIN comes out */
    return 0;
}

/* A real number's text (n bytes at p) must not overflow a double: jansson refuses it. Its copy
 * goes into unused scratch, which has room: see struct jscan. */
static int real_fits(struct jscan *s, const char *p, size_t n)
{
    char *copy = s->scratch + s->used;
    memcpy(copy, p, n);
    copy[n] = 0;
    errno = 0;
    double d = strtod(copy, NULL);
    return (d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE ? -EINVAL : 0;
}

static const char *digits(const char *p, const char *end)
{
    while (p < end && digit(*p))
        p++;
    return p;
}

static int scan_number(struct jscan *s, struct jscan_value *v)
{
    const char *start = s->p, *p = s->p, *end = s->end, *int_end;
    bool neg = p < end && *p == '-';
    p += neg;
    if (p < end && *p == '0') {
        if (++p < end && digit(*p)) return -EINVAL; /* a leading zero */
    } else if (p < end && digit(*p)) {
        p = digits(p, end);
    } else {
        return -EINVAL;
    }
    int_end = p;
    if (p < end && *p == '.') {
        if (++p == end || !digit(*p)) return -EINVAL;
        p = digits(p, end);
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        if (++p < end && (*p == '+' || *p == '-')) p++;
        if (p == end || !digit(*p)) return -EINVAL;
        p = digits(p, end);
    }
    s->p = p;
    if (p != int_end) {
        v->kind = JSCAN_REAL;
        return real_fits(s, start, (size_t)(p - start));
    }
    v->kind = JSCAN_INT;
    return int_value(start + neg, p, neg, &v->num);
}

static int literal(struct jscan *s, const char *word, enum jscan_kind kind, struct jscan_value *v)
{
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n)) return -EINVAL;
    s->p += n;
    v->kind = kind;
    return 0;
}

static int skip_container(struct jscan *s, char open, unsigned depth)
{
    struct jscan_value e;
    int r = jscan_open(s, open);
    while (r > 0) {
        r = open == '{' ? jscan_key(s, NULL, 0) : 0;
        if (r == 0) r = jscan_value(s, &e, false, depth + 1);
        if (r == 0) r = jscan_more(s, open == '[' ? ']' : '}');
    }
    return r;
}

static int keep_string(struct jscan *s, struct jscan_value *v)
{
    char *out = s->scratch + s->used;
    bool fits;
    /* scratch is as long as the text: the decoded string and its NUL fit where its quotes did */
    int r = scan_string(s, out, (size_t)(s->end - s->p) + 1, &v->len, &fits);
    if (r) return r;
    if (!fits) return -EINVAL; /* cannot happen: see above */
    v->str = out;
    s->used += v->len + 1;
    return 0;
}

int jscan_value(struct jscan *s, struct jscan_value *v, bool keep, unsigned depth)
{
    char c = jscan_peek(s);
    v->str = NULL;
    v->len = 0;
    v->num = 0;
    if (depth > JSCAN_MAX_DEPTH) return -EINVAL;
    switch (c) {
    case '"':
        v->kind = JSCAN_STRING;
        return keep ? keep_string(s, v) : scan_string(s, NULL, 0, NULL, NULL);
    case '[':
        v->kind = JSCAN_ARRAY;
        return skip_container(s, c, depth);
    case '{':
        v->kind = JSCAN_OBJECT;
        return skip_container(s, c, depth);
    case 't':
        return literal(s, "true", JSCAN_TRUE, v);
    case 'f':
        return literal(s, "false", JSCAN_FALSE, v);
    case 'n':
        return literal(s, "null", JSCAN_NULL, v);
    default:
        return c == '-' || digit(c) ? scan_number(s, v) : -EINVAL;
    }
}
