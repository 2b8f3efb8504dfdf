/* Upstream's stream framing: each event is one line of JSON followed by a blank line. */
#ifndef EXECD_SSE_H
#define EXECD_SSE_H
#include "command.h"
#include "conn.h"

#define SSE_PING_MS 3000
#define SSE_MAX_LINE (1u << 20) /* longer lines are sent in pieces */
#define SSE_BUF (256 * 1024)    /* event buffer, flushed as one chunk */

/* An output buffer for events, flushed as one chunk. */
struct sse_out {
    struct conn *c;
    char *buf;
    size_t len, cap;
    int err;
    int64_t ts;    /* timestamp of the events in buf, 0: not taken yet */
    char ts_s[24]; /* ts in decimal */
    size_t ts_n;
};

int sse_begin(struct conn *c, const char *command_id);
/* cap: the buffer (SSE_BUF for a stream; a few events need far less); it grows for a long line */
void sse_out_init(struct sse_out *o, struct conn *c, size_t cap);
void sse_out_free(struct sse_out *o);
int sse_flush(struct sse_out *o);
/* Flushes with the end of the chunked body, in one write. */
int sse_flush_end(struct sse_out *o);
/* {"type":type,"text":text,"timestamp":now} */
void sse_text_event(struct sse_out *o, const char *type, const char *text, size_t n);
/* A raw JSON object line (must be a single line). */
void sse_raw_event(struct sse_out *o, const char *json, size_t n);

/* Splits output into line events the upstream way (\n, \r and \r\n end a line; an empty
 * line is sent as "\n", or dropped when drop_empty). */
struct line_split {
    char *part; /* SSE_MAX_LINE bytes, once a partial line was kept */
    size_t len;
    bool cr; /* the last byte seen was \r: a following \n belongs to it */
    bool drop_empty;
};
void line_split_init(struct line_split *ls, bool drop_empty);
void line_split_free(struct line_split *ls);
void line_split_feed(struct line_split *ls, struct sse_out *o, const char *type, const char *p,
                     size_t n);
void line_split_flush(struct line_split *ls, struct sse_out *o, const char *type);

/* Streams a running command until it ends: init (init_text), pings, stdout/stderr line
 * events, then execution_complete or error. Returns < 0 when the client went away. */
int sse_stream_command(struct conn *c, struct command *cmd, const char *init_text, bool session);
/* Final event for a finished command (execution_complete or error). */
void sse_final_event(struct sse_out *o, struct command *cmd);

#endif
