/* JSON string escaping for stream events and lossy UTF-8 strings. */
#include "execd.h"
#include "utf8.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t utf8_seq(const unsigned char *s, size_t n)
{
    return utf8_valid_len(s, n);
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Whether any of the 8 bytes of w needs escaping: < 0x20, '"', '\\' or >= 0x80 (exact, the
 * usual word-at-a-time tests). */
static bool word_special(uint64_t w)
{
    uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');
    uint64_t ctl = (w - ONES * 0x20) & ~w, quote = (q - ONES) & ~q, bs = (b - ONES) & ~b;
    return ((ctl | quote | bs | w) & HIGHS) != 0;
}

static bool byte_plain(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

size_t json_plain_run(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    for (uint64_t w; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        if (word_special(w)) break;
    }
    while (i < n && byte_plain(s[i]))
        i++;
    return i;
}

size_t json_escape(const char *str, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t run = i + json_plain_run(str + i, n - i); /* plain ASCII is copied at once */
        if (run > i) {
            memcpy(out + o, s + i, run - i);
            o += run - i;
            i = run;
            continue;
        }
        unsigned char c = s[i];
        if (c >= 0x80) {
            size_t l = utf8_seq(s + i, n - i);
            if (l) {
                memcpy(out + o, s + i, l);
                o += l;
                i += l;
            } else {
                memcpy(out + o, "\\ufffd", 6);
                o += 6;
                i++;
            }
            continue;
        }
        out[o++] = '\\';
        switch (c) {
        case '"':
            out[o++] = '"';
            break;
        case '\\':
            out[o++] = '\\';
            break;
        case '\n':
            out[o++] = 'n';
            break;
        case '\r':
            out[o++] = 'r';
            break;
        case '\t':
            out[o++] = 't';
            break;
        default:
            out[o++] = 'u';
            out[o++] = '0';
            out[o++] = '0';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
        i++;
    }
    return o;
}

json_t *jstr(const char *s)
{
    if (!s) s = "";
    json_t *j = json_string(s);
    if (j) return j;
    size_t n = strlen(s);
    char *b = malloc(3 * n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t l = utf8_seq((const unsigned char *)s + i, n - i);
        if (l) {
            memcpy(b + o, s + i, l);
            o += l;
            i += l;
        } else {
            memcpy(b + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    j = json_stringn(b, o);
    free(b);
    return j ? j : json_string("");
}
