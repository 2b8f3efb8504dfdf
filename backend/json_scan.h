/* A pull scanner for JSON text: walks a document in place, decodes only the strings the caller
 * keeps and allocates nothing. For the hot path that needs a few fields of many small objects
 * (directory listings), where building a jansson tree of every value first was two thirds of
 * sandboxfs's CPU in a cold `find`.
 *
 * It accepts exactly what jansson's json_loadb(text, len, 0) accepts: RFC 8259 text in UTF-8,
 * no \u0000, integers that fit a long long, reals that do not overflow a double, values nested
 * at most JSCAN_MAX_DEPTH deep (jansson counts scalars too), only blanks after the top value.
 * The fuzz target files_fileinfo checks this against jansson on every input. (One difference:
 * jansson drops a NUL byte that follows a number or a literal; the scanner refuses NUL outside
 * strings, as RFC 8259 does.)
 *
 * Every function returns 0 (or what it says) or -EINVAL on text that is not valid JSON; the
 * scanner is then positioned nowhere useful. */
#ifndef SBX_JSON_SCAN_H
#define SBX_JSON_SCAN_H
#include <stdbool.h>
#include <stddef.h>

#define JSCAN_MAX_DEPTH 2048 /* jansson's JSON_PARSER_MAX_DEPTH */

enum jscan_kind {
    JSCAN_STRING,
    JSCAN_INT,
    JSCAN_REAL,
    JSCAN_TRUE,
    JSCAN_FALSE,
    JSCAN_NULL,
    JSCAN_OBJECT,
    JSCAN_ARRAY,
};

struct jscan {
    const char *p, *end;
    char *scratch; /* kept strings and number text: at least as long as the text, plus 1 */
    size_t used;   /* bytes of scratch in use (jscan_release gives them back) */
};

struct jscan_value {
    enum jscan_kind kind;
    const char *str; /* JSCAN_STRING kept: decoded, NUL-terminated, in scratch; else NULL */
    size_t len;      /* its length */
    long long num;   /* JSCAN_INT */
};

void jscan_init(struct jscan *s, const char *text, size_t len, char *scratch);
/* The next byte after blanks, not consumed; 0 at the end of the text. */
char jscan_peek(struct jscan *s);
/* Opens the array or object (open is '[' or '{') that must come next: 1 if an element follows,
 * 0 if it closed at once (consumed). */
int jscan_open(struct jscan *s, char open);
/* After an element of an array or object that close ends: 1 if a ',' and another element
 * follow, 0 at close (consumed). */
int jscan_more(struct jscan *s, char close);
/* An object key and its ':'. The key goes into key[cap]; one that does not fit (or holds a NUL,
 * which JSON cannot have here anyway) comes back as "", still checked. */
int jscan_key(struct jscan *s, char *key, size_t cap);
/* The value that comes next, at depth (the top value is 1, an element of it 2, ...). A string is
 * decoded into scratch when keep is set; objects and arrays are checked and skipped. */
int jscan_value(struct jscan *s, struct jscan_value *v, bool keep, unsigned depth);
/* Gives back the scratch taken since mark (a value of s->used). */
static inline void jscan_release(struct jscan *s, size_t mark)
{
    s->used = mark;
}
/* Only blanks remain. */
int jscan_end(struct jscan *s);

#endif
