/* One client connection: request head and body reading, response writing (plain or chunked). */
#ifndef EXECD_CONN_H
#define EXECD_CONN_H
#include "http.h"
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define CONN_BUF (HTTP_MAX_HEAD + 65536)

struct conn {
    int fd;
    char peer[64];
    char *in; /* CONN_BUF bytes: the head at [0, head_len), then buffered body bytes */
    size_t in_len, in_off, head_len;
    struct http_request req;
    char *raw_target; /* the request target as sent (percent-encoded, with query) */
    /* request body */
    int64_t body_left;
    bool body_chunked, body_done, continue_sent;
    struct chunked_dec dec;
    /* response */
    bool close_after, chunked_out, began;
    int status;
    char head_pend[512]; /* a response head (or a chunk's closing CRLF) held back to go out
                            with the next bytes */
    size_t head_pend_len;
};

/* Reads the next request head. 0 ok; -ECONNRESET peer gone (no answer needed);
 * any other negative errno has already been answered (400/431/501/505) and the
 * connection must close. */
int conn_read_request(struct conn *c);
/* Prepares for the next request on a keep-alive connection (keeps pipelined bytes). */
void conn_next(struct conn *c);

/* Reads up to n body bytes; 0 at the end of the body; negative errno on error. */
ssize_t conn_body_read(struct conn *c, void *buf, size_t n);
/* Discards what is left of the body (up to a cap); false if the connection must close. */
bool conn_body_drain(struct conn *c);

/* Sends a complete response with Content-Length. extra: "Name: value\r\n" lines or NULL. */
int conn_respond(struct conn *c, int status, const char *ctype, const char *extra, const void *body,
                 size_t len);
/* Starts a response; content_length < 0 means chunked. */
int conn_begin(struct conn *c, int status, const char *ctype, const char *extra,
               int64_t content_length);
/* conn_begin, but a short head is held back and sent with the first write (or end). */
int conn_begin_later(struct conn *c, int status, const char *ctype, const char *extra,
                     int64_t content_length);
/* Sends a held-back head, if any. */
int conn_flush_head(struct conn *c);
int conn_write(struct conn *c, const void *p, size_t n);
int conn_sendfile(struct conn *c, int fd, off_t off, size_t n);
int conn_end(struct conn *c);
/* conn_write then conn_end in one write (one segment for the last event and the end). */
int conn_write_end(struct conn *c, const void *p, size_t n);
/* Raw bytes to the socket, no framing (proxy, websocket). */
int conn_send_raw(int fd, const void *p, size_t n);
/* True when the peer has closed its side (checked without blocking). */
bool conn_peer_closed(struct conn *c);

const char *http_reason(int status);

#endif
