/* Pure HTTP/1.1 message helpers for the server proxy: response head parsing and a chunked
 * transfer-coding decoder. No I/O; fuzzable and unit-tested. */
#ifndef SANDBOXD_HTTPMSG_H
#define SANDBOXD_HTTPMSG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEAD_MAX (64 * 1024)
#define HEADERS_MAX 100

struct http_header {
    char *name, *value;
};

struct http_head {
    int status;
    struct http_header h[HEADERS_MAX];
    size_t n;
};

/* Length of the head in buf (through "\r\n\r\n"), or 0 when incomplete. */
size_t http_head_len(const char *buf, size_t len);

/* Parses a response head of head_len bytes in place (buf is modified; header strings point
 * into it). Returns 0 or -EPROTO / -E2BIG. */
int http_parse_response_head(char *buf, size_t head_len, struct http_head *ret);

/* Case-insensitive lookup; NULL when absent. */
const char *http_head_get(const struct http_head *h, const char *name);

/* True if a comma-separated header value contains token (case-insensitive). */
bool http_value_has_token(const char *value, const char *token);

/* True for hop-by-hop headers that a proxy must not forward. */
bool http_is_hop_header(const char *name);

enum chunk_state {
    CH_SIZE,
    CH_EXT,
    CH_SIZE_LF,
    CH_DATA,
    CH_DATA_CR,
    CH_DATA_LF,
    CH_TRAILER,
    CH_TRAILER_LF,
    CH_DONE,
    CH_ERROR
};

struct chunk_dec {
    enum chunk_state state;
    uint64_t left;   /* bytes left in the current chunk, or the size being parsed */
    bool line_empty; /* trailer: the current line is empty so far */
    int digits;
};

/* Decodes in[0..n) into out (which must hold n bytes). Returns the bytes written; d->state is
 * CH_DONE at the end of the body and CH_ERROR on malformed input. */
size_t chunk_decode(struct chunk_dec *d, const char *in, size_t n, char *out);
#endif
