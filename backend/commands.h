/* Commands and sessions through execd (POST /command, the raw-output and command-list extensions,
 * sessions). Functions return 0 or a negative errno. */
#ifndef SBX_COMMANDS_H
#define SBX_COMMANDS_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "execd.h"
#include "http_splice.h"

#define SBX_CMD_MAX (64 * 1024) /* the longest command text accepted */
#define SBX_ID_MAX 40

/* Starts `command` in the background; returns once execd reported its id. */
int sbx_cmd_start(const struct sbx_execd *x, const char *command, char id[SBX_ID_MAX]);

/* Extension start-wait: the start's stream stays open until the command ends (at most secs),
 * so its end costs no second request. Returns once execd reported the id, as sbx_cmd_start,
 * with *held the open stream (freed by sbx_cmd_held_end or sbx_cmd_held_free). */
struct sbx_cmd_held;
int sbx_cmd_start_held(const struct sbx_execd *x, const char *command, int secs,
                       char id[SBX_ID_MAX], struct sbx_cmd_held **held);
/* Reads the held stream to its end (any thread; stop is asked about once a second and cuts it,
 * -ECANCELED): 0 with execd's status record of the ended command in *record (the caller's);
 * -EAGAIN when the stream ended without it (the command still runs after secs); or the
 * transfer's error. Frees h. */
int sbx_cmd_held_end(struct sbx_cmd_held *h, int (*stop)(void *), void *arg, json_t **record);
void sbx_cmd_held_free(struct sbx_cmd_held *h);

/* GET /command/list?since=SEQ&epoch=E (extension). Our execd answers with what changed since
 * that state of its list; an older one ignores the query and answers with every record. */
#define SBX_EPOCH_MAX 40
struct sbx_cmd_delta {
    json_t *records; /* oldest first: every record when full, else the changed ones */
    json_t *removed; /* ids of records dropped since (NULL when full) */
    bool full;
    char epoch[SBX_EPOCH_MAX]; /* the state to ask from next time; "" when deltas are unknown */
    uint64_t seq;
};
/* epoch "" or since 0: the whole list. */
int sbx_cmd_list_delta(const struct sbx_execd *x, const char *epoch, uint64_t since,
                       struct sbx_cmd_delta *d);
void sbx_cmd_delta_free(struct sbx_cmd_delta *d);
/* The answer's body (text, len bytes) into d: 0, or -EPROTO (d then holds nothing). */
int sbx_cmd_delta_parse(const char *text, size_t len, struct sbx_cmd_delta *d);

/* GET /command/status/{id}. */
int sbx_cmd_status(const struct sbx_execd *x, const char *id, json_t **status);

/* GET /command/status/{id}?wait=SECS (extension status-wait): answers once the command ended or
 * after secs; alive is asked about once a second and aborts (-ECANCELED) when non-zero. */
int sbx_cmd_wait(const struct sbx_execd *x, const char *id, int secs, int (*alive)(void *),
                 void *arg, json_t **status);

/* DELETE /command?id= : SIGTERM to the command's process group, SIGKILL after a grace time. */
int sbx_cmd_interrupt(const struct sbx_execd *x, const char *id);

/* Streams a command's raw stdout/stderr/output (extension) from byte offset; with follow, until the
 * command ended and every byte was delivered. on_data returns non-zero to stop (-ECANCELED). */
int sbx_cmd_stream(const struct sbx_execd *x, const char *id, const char *which, int64_t offset,
                   int follow, int (*on_head)(long, const struct sbx_resp_meta *, void *),
                   int (*on_data)(const char *, size_t, void *), int (*alive)(void *),
                   void *arg);

/* sbx_cmd_stream's follow (from offset) with the bytes spliced into sp's pipe; -EOPNOTSUPP
 * where sbx_cmd_can_splice says no. */
int sbx_cmd_splice(const struct sbx_execd *x, const char *id, const char *which, int64_t offset,
                   const struct sbx_splice *sp);
bool sbx_cmd_can_splice(const struct sbx_execd *x);

/* GET /command/{id}/logs?cursor= (upstream, background commands): the combined output from byte
 * cursor; *next receives the new cursor. out gets the bytes (caller frees). */
int sbx_cmd_logs(const struct sbx_execd *x, const char *id, int64_t cursor, struct sbx_buf *out,
                 int64_t *next);

/* Sessions: create (sid receives the session id), run (events are delivered as parsed JSON objects
 * to on_event, which returns non-zero to stop), delete. */
int sbx_session_create(const struct sbx_execd *x, char sid[64]);
int sbx_session_run(const struct sbx_execd *x, const char *sid, const char *command,
                    int (*on_event)(json_t *ev, void *arg), void *arg);
int sbx_session_delete(const struct sbx_execd *x, const char *sid);

/* Splits an execd event stream (one JSON object per line, blank-line separated, optional "data:")
 * fed in arbitrary chunks. The line buffer is capped; longer lines are dropped. */
struct sbx_sse {
    char *line;
    size_t len, cap;
    int overflow;
    int (*on_event)(json_t *ev, void *arg);
    void *arg;
};
int sbx_sse_feed(struct sbx_sse *p, const char *data, size_t n);
void sbx_sse_free(struct sbx_sse *p);

#endif
