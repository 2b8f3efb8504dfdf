/* HTTP/1.1 request parsing: pure functions over caller-owned buffers (fuzzed). */
#ifndef EXECD_HTTP_H
#define EXECD_HTTP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HTTP_MAX_HEAD 65536 /* request line + headers; larger gets 431 */
#define HTTP_MAX_HEADERS 100

struct http_header {
    char *name;
    char *value;
};

struct http_request {
    char *method;
    char *target; /* raw request target */
    char *path;   /* percent-decoded path, never contains NUL bytes */
    char *query;  /* raw query string after '?', or NULL */
    int minor;    /* HTTP/1.<minor> */
    struct http_header headers[HTTP_MAX_HEADERS];
    int nheaders;
    int64_t content_length; /* -1 when absent */
    bool chunked;
    bool keep_alive;
    bool expect_continue;
    bool upgrade; /* Connection: upgrade */
};

/* Returns the length of the head (through the blank line) in buf[0..len), 0 if incomplete. */
size_t http_head_end(const char *buf, size_t len);

/* Parses a complete head in place (buf is modified; req points into it).
 * 0, -EINVAL (400), -E2BIG (431: too many headers), -ENOTSUP (501: transfer coding),
 * -EPROTONOSUPPORT (505: not HTTP/1.x). */
int http_parse_head(char *buf, size_t len, struct http_request *req);

/* Case-insensitive header lookup; NULL when absent. */
const char *http_header_get(const struct http_request *req, const char *name);

/* Decodes %XX (and '+' as space when plus_space) from in[0..len) into out (NUL-terminated).
 * -EINVAL on a bad escape or a decoded NUL byte, -ENAMETOOLONG when out is too small. */
int http_url_decode(const char *in, size_t len, char *out, size_t outsz, bool plus_space);

/* Finds the index-th value of key in a raw query string and decodes it into out.
 * 0 found, -ENOENT absent, other negative errno on a bad value. */
int http_query_get_nth(const char *query, const char *key, int index, char *out, size_t outsz);
static inline int http_query_get(const char *query, const char *key, char *out, size_t outsz)
{
    return http_query_get_nth(query, key, 0, out, outsz);
}

/* Chunked transfer decoding as a resumable state machine. */
struct chunked_dec {
    int state;
    uint64_t remain; /* bytes left in the current chunk */
    unsigned line;   /* bytes of the current size/trailer line, capped */
    bool done;
};
/* Decodes in place: consumes bytes of buf[0..len) and moves payload bytes to the front.
 * Returns consumed bytes (>= 0) and sets *ret_out to the payload length now at buf[0..];
 * -EINVAL on malformed input. Stops consuming once done. */
ssize_t chunked_decode(struct chunked_dec *d, char *buf, size_t len, size_t *ret_out);

/* Parses "bytes=a-b" / "bytes=a-" / "bytes=-n" (first range only) against size.
 * 0 with the start and length set; -EINVAL unparsable; -ERANGE unsatisfiable. */
int http_parse_range(const char *hdr, uint64_t size, uint64_t *ret_start, uint64_t *ret_len);

#endif
