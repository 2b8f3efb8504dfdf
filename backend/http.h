/* HTTP client for sandboxfs (libcurl). One curl easy handle per thread, reused, so keep-alive
 * connections to sandboxd and every execd survive between calls.
 *
 * Every function returns the HTTP status (>= 100) or a negative errno for transport trouble
 * (-ENOTCONN: cannot connect, -ETIMEDOUT, -EIO otherwise); sbx_http_errno() maps an HTTP status to
 * an errno in one table. Response bodies are capped (SBX_BODY_MAX) unless streamed.
 */
#ifndef SBX_HTTP_H
#define SBX_HTTP_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <stdbool.h>

#define SBX_BODY_MAX (64u << 20) /* buffered answers larger than this fail with -EFBIG */
#define SBX_HDR_MAX 8            /* extra request headers per call */

struct sbx_buf {
    char *data; /* NUL-terminated when non-NULL; owned, free with sbx_buf_free */
    size_t len;
};
void sbx_buf_free(struct sbx_buf *b);

/* Selected response headers, filled when present (-1 / 0 otherwise). */
struct sbx_resp_meta {
    int64_t output_length;  /* X-Output-Length */
    int command_running;    /* X-Command-Running: 1 true, 0 false, -1 absent */
    char command_id[40];    /* X-Command-Id */
    char extensions[256];   /* X-Execd-Extensions */
    char tail_cursor[32];   /* EXECD-COMMANDS-TAIL-CURSOR */
};

struct sbx_req {
    const char *method; /* "GET" if NULL */
    const char *url;    /* full URL */
    const char *headers[SBX_HDR_MAX]; /* "Name: value", NULL-terminated list */
    const char *body;   /* request body or NULL */
    size_t body_len;
    int use_fd;         /* if set (and body NULL): upload body_len bytes from body_fd at body_off */
    int body_fd;
    off_t body_off;
    long timeout_ms;    /* 0 = default (30 s); < 0 = none (streams) */
    long recv_buf;      /* bytes per socket read, 0 = libcurl's default (16 KiB); bulk streams */
    /* Streaming: when set, response body bytes go here instead of into a buffer. Return 0 to
     * continue, non-zero to abort (the call then returns -ECANCELED). */
    int (*on_data)(const char *p, size_t n, void *arg);
    /* Called once when the response headers are complete (status known); non-zero aborts. */
    int (*on_head)(long status, const struct sbx_resp_meta *m, void *arg);
    /* Called about once a second while the transfer runs (even when idle); non-zero aborts
     * (-ECANCELED). Lets a follower notice that its reader went away. */
    int (*alive)(void *arg);
    /* sbx_http_start only: asked after each batch of received bytes; non-zero hands the
     * transfer, still open, to the caller. */
    int (*detach)(void *arg);
    void *arg;
};

/* Performs req; fills out (if non-NULL and no on_data) and meta (if non-NULL). */
int sbx_http(const struct sbx_req *req, struct sbx_buf *out, struct sbx_resp_meta *meta);

/* A transfer one thread starts and another finishes: sbx_http_start performs req (which must
 * stream: on_data, and have detach) until req->detach says so, and returns 1 with *run holding
 * the open transfer; or, when it ended first, what sbx_http returns. req and all it points to
 * must then live until sbx_http_finish (any thread) runs it to its end and returns as sbx_http,
 * or sbx_http_drop cuts it. Both free run. */
struct sbx_http_run;
int sbx_http_start(const struct sbx_req *req, struct sbx_http_run **run);
int sbx_http_finish(struct sbx_http_run *run);
void sbx_http_drop(struct sbx_http_run *run);

/* HTTP status (or negative errno passed through) → negative errno; 2xx → 0. */
int sbx_http_errno(int status);

/* --- http_text.c: what a server hands us, checked before it goes into a request or a config -- */
/* "name: value" into dst (cap bytes) when name is an HTTP token and value (value_len bytes, NULs
 * included) has no control character but tab: 0, -EINVAL, or -ENAMETOOLONG. */
int sbx_header_line(char *dst, size_t cap, const char *name, const char *value, size_t value_len);
/* Non-empty and only characters a URL has (RFC 3986: no space, quote, backslash, control). */
bool sbx_url_chars_ok(const char *url);
/* An id a server or execd gives (a sandbox, snapshot, command or session): [A-Za-z0-9._-], no
 * leading '.', under cap bytes. It goes into URL paths and names only when it is one (execd runs
 * inside the sandbox: its answers are the sandbox's word; upstream's ids are 32 hex digits). */
bool sbx_id_ok(const char *id, size_t cap);
/* s as a double-quoted curl config string ('"' and '\' escaped): 0, -EINVAL (a control
 * character but tab), or -ENAMETOOLONG. */
int sbx_conf_quote(char *dst, size_t cap, const char *s);

/* Percent-encodes s for a query value into dst (cap bytes); returns -ENAMETOOLONG if it does not fit. */
int sbx_urlenc(char *dst, size_t cap, const char *s);

#endif
