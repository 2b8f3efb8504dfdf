/* execd: configuration, shared helpers and the route handler interface. */
#ifndef EXECD_H
#define EXECD_H
#include "conn.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define EXECD_VERSION "0.1.0"
#define EXECD_EXTENSIONS                                                                           \
    "command-list,raw-output,write-at,truncate,symlink,command-id-header,file-type,status-wait,"    \
    "session-stderr,times,start-wait"

struct execd_config {
    char listen_addr[64];
    int port;
    char *token;            /* NULL: no auth */
    char spool_dir[4096];   /* where command output spools live */
    bool own_spool_dir;     /* created by us: removed at shutdown */
    bool upstream_compat;   /* EXECD_UPSTREAM_COMPAT=1: hide extensions */
    uint64_t max_body;      /* streamed bodies (upload, write) */
    uint64_t max_json_body; /* JSON bodies */
    uint64_t spool_cap;     /* per stream per command */
    uint64_t spool_cache;   /* newest bytes of a spool kept in page cache (0: all) */
    int max_running;        /* concurrent commands */
    int max_records;        /* kept command records */
    char *jupyter_host;     /* unsupported: only reported */
};
extern struct execd_config g_cfg;

/* Error answer {"code","message"}; status and code as upstream. */
int respond_error(struct conn *c, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Maps a negative errno from a file operation to status + code, then answers. */
int respond_errno(struct conn *c, int err, const char *what, const char *path);
/* Answers with a JSON value (steals the reference). */
int respond_json(struct conn *c, int status, json_t *v);
/* 200 with Content-Length: 0. */
int respond_empty(struct conn *c);
/* The JSON text in b (then freed); its error, if any (no memory, or past TEXTBUF_MAX: 413),
 * answered as respond_errno(what, path) does. */
struct textbuf;
int respond_text_json(struct conn *c, int status, struct textbuf *b, const char *what,
                      const char *path);

/* Reads a JSON body (capped at max_json_body). NULL after answering 400/413 itself. */
json_t *read_json_body(struct conn *c, bool allow_empty);

/* A JSON string from bytes that may not be UTF-8 (invalid bytes become U+FFFD). */
json_t *jstr(const char *s);
/* Length of the valid UTF-8 sequence at s[0..n), 0 when invalid. */
size_t utf8_seq(const unsigned char *s, size_t n);
/* Appends s[0..n) as a JSON string body (no quotes) to out; returns bytes written.
 * out needs 6*n bytes at most. Invalid UTF-8 becomes \ufffd. */
size_t json_escape(const char *s, size_t n, char *out);
/* Length of the leading bytes of s that JSON carries as they are (printable ASCII). */
size_t json_plain_run(const char *s, size_t n);

/* Time helpers. */
int64_t now_ns(void);
int64_t now_ms(void);
int64_t mono_ms(void);
/* Go RFC3339Nano in UTC ("2026-06-12T15:35:36.1234567Z"). */
void fmt_rfc3339nano(int64_t ns, char *out, size_t outsz);
/* Nanoseconds since the epoch <-> timespec. Before 1970 the fraction counts up from tv_sec;
 * times past what 64 bits of nanoseconds hold (before 1678, after 2262: touch -d can set them)
 * saturate instead of overflowing. */
struct timespec ns_to_timespec(int64_t ns);
int64_t timespec_to_ns(const struct timespec *ts);

/* Route handler: answers the request itself; returns < 0 when the connection must close. */
struct route_args {
    const char *seg[4]; /* captured path segments */
    const char *rest;   /* "**" capture (for /proxy/{port}/rest) */
};
typedef int (*route_fn)(struct conn *c, const struct route_args *a);

/* Query helpers: decoded value into a caller buffer. */
#define QVAL_MAX 8192
int query_int64(struct conn *c, const char *key, int64_t def, int64_t *ret);
bool query_bool(struct conn *c, const char *key);

#endif
