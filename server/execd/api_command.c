/* Routes: /command, /command/status/{id}, /command/{id}/logs, /code, and the command
 * extensions (/command/list, /command/{id}/stdout|stderr|output). */
#include "api.h"
#include "command.h"
#include "execd.h"
#include "reqparse.h"
#include "sse.h"
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define INTERRUPT_GRACE_MS 3000

/* 400 unless cwd is an existing directory (upstream checks before starting). */
static int check_cwd(struct conn *c, const char *cwd)
{
    struct stat st;
    if (!cwd || !*cwd) return 0;
    if (stat(cwd, &st) < 0 || !S_ISDIR(st.st_mode)) {
        respond_error(c, 400, "INVALID_REQUEST_BODY", "working directory '%s' does not exist", cwd);
        return -ENOENT;
    }
    return 0;
}

static int start_or_answer(struct conn *c, const struct cmd_spec *spec, struct command **ret)
{
    char err[256];
    int r = command_start(spec, ret, err, sizeof(err));
    if (r == -EAGAIN)
        respond_error(c, 429, "RUNTIME_ERROR", "%s", err);
    else if (r < 0)
        respond_error(c, 500, "RUNTIME_ERROR", "%s", err);
    return r;
}

/* Extension start-wait: ?wait=SECONDS (at most STATUS_WAIT_MAX) with a background start holds
 * the stream after init until the command ended or the time is up; an ended
 * command's status record (GET /command/status's answer) comes as a "status" event before the
 * final one. One request per command: a watcher needs no second one to learn the end. */
#define STATUS_WAIT_MAX 60

static void status_event(struct sse_out *o, struct command *cmd)
{
    json_t *ev = json_pack("{s:s, s:o, s:I}", "type", "status", "status", command_status_json(cmd),
                           "timestamp", (json_int_t)now_ms());
    char *text = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
    if (text) sse_raw_event(o, text, strlen(text));
    free(text);
    json_decref(ev);
}

/* Waits until the command ended or the deadline (monotonic ms) passed: 1 when it ended, 0 when
 * the time is up, -EPIPE when the client left meanwhile (looked at every SSE_PING_MS, as
 * followers do). */
static int wait_end(struct conn *c, struct command *cmd, int64_t deadline)
{
    const uint64_t never[CS_N] = {UINT64_MAX, UINT64_MAX, UINT64_MAX};
    struct cmd_snap snap;
    for (;;) {
        int64_t now = mono_ms();
        int64_t until = now + SSE_PING_MS < deadline ? now + SSE_PING_MS : deadline;
        command_wait(cmd, never, until, &snap);
        if (!snap.running) return 1;
        if (mono_ms() >= deadline) return 0;
        if (conn_peer_closed(c)) return -EPIPE;
    }
}

/* Background: init, ping, execution_complete right after the start, as upstream; with wait_s,
 * the end (or wait_s) comes first. Starts the command's I/O (*io_started) before waiting. */
static int stream_background(struct conn *c, struct command *cmd, int64_t wait_s, bool *io_started)
{
    struct sse_out o;
    sse_out_init(&o, c, 2048); /* a few short events */
    sse_text_event(&o, "init", cmd->id, strlen(cmd->id));
    sse_text_event(&o, "ping", "pong", 4);
    if (wait_s > 0) {
        int r = sse_flush(&o);
        command_start_io(cmd);
        *io_started = true;
        if (r < 0) {
            sse_out_free(&o);
            return r;
        }
        int ended = wait_end(c, cmd, mono_ms() + wait_s * 1000);
        if (ended < 0) {
            sse_out_free(&o);
            return ended;
        }
        if (ended) status_event(&o, cmd);
    }
    pthread_mutex_lock(&cmd->mu);
    char *error = cmd->error ? strdup(cmd->error) : NULL;
    pthread_mutex_unlock(&cmd->mu);
    char ev[256];
    int n;
    if (error) {
        char esc[512];
        esc[json_escape(error, strnlen(error, 80), esc)] = 0;
        n = snprintf(
            ev, sizeof(ev),
            "{\"type\":\"error\",\"error\":{\"ename\":\"CommandExecError\",\"evalue\":\"%s\","
            "\"traceback\":[\"%s\"]},\"timestamp\":%" PRId64 "}",
            esc, esc, now_ms());
    } else {
        n = snprintf(ev, sizeof(ev),
                     "{\"type\":\"execution_complete\",\"execution_time\":%" PRId64
                     ",\"timestamp\":%" PRId64 "}",
                     mono_ms() - cmd->started_mono, now_ms());
    }
    free(error);
    sse_raw_event(&o, ev, (size_t)(n < (int)sizeof(ev) ? n : (int)sizeof(ev) - 1));
    int r = sse_flush_end(&o);
    sse_out_free(&o);
    return r;
}

/* ?wait= of a start or a status (0 to STATUS_WAIT_MAX; else a 400 is answered and -EINVAL
 * returned): 0 without it, or upstream-compatible (no extensions). */
static int query_wait(struct conn *c, int64_t *wait_s)
{
    *wait_s = 0;
    if (g_cfg.upstream_compat) return 0;
    if (query_int64(c, "wait", 0, wait_s) < 0 || *wait_s < 0 || *wait_s > STATUS_WAIT_MAX) {
        respond_error(c, 400, "INVALID_REQUEST_BODY", "invalid wait (0 to %d seconds)",
                      STATUS_WAIT_MAX);
        return -EINVAL;
    }
    return 0;
}

static int run_command(struct conn *c, const struct run_req *rr, const char *content)
{
    int64_t wait_s;
    if (check_cwd(c, rr->cwd) < 0 || query_wait(c, &wait_s) < 0) return 0;
    struct cmd_spec spec = {.command = content,
                            .cwd = rr->cwd && *rr->cwd ? rr->cwd : NULL,
                            .kind = rr->background ? CMD_BACKGROUND : CMD_FOREGROUND,
                            .envs = rr->envs,
                            .timeout_ms = rr->timeout_ms,
                            .has_uid = rr->has_uid,
                            .has_gid = rr->has_gid,
                            .uid = rr->uid,
                            .gid = rr->gid,
                            .defer_io = rr->background};
    struct command *cmd;
    if (start_or_answer(c, &spec, &cmd) < 0) return 0;
    bool io_started = false;
    int r = sse_begin(c, cmd->id);
    if (r == 0)
        r = rr->background ? stream_background(c, cmd, wait_s, &io_started)
                           : sse_stream_command(c, cmd, cmd->id, false);
    if (rr->background && !io_started) command_start_io(cmd); /* after the answer */
    command_put(cmd);
    return r;
}

int api_command_run(struct conn *c, const struct route_args *a)
{
    json_t *j = read_json_body(c, false);
    if (!j) return 0;
    struct run_req rr;
    const char *err;
    int r = 0;
    if (run_req_parse(j, &rr, &err) < 0)
        respond_error(c, 400, "INVALID_REQUEST_BODY", "%s", err);
    else
        r = run_command(c, &rr, rr.command);
    json_decref(j);
    return r;
}

/* SIGTERM to the group, SIGKILL after the grace period; answers once it ended. */
static int interrupt_command(struct conn *c, struct command *cmd)
{
    if (command_signal(cmd, SIGTERM) < 0)
        return respond_error(c, 500, "RUNTIME_ERROR", "command %s is not running", cmd->id);
    uint64_t none[CS_N] = {UINT64_MAX, UINT64_MAX, UINT64_MAX};
    struct cmd_snap snap;
    command_wait(cmd, none, mono_ms() + INTERRUPT_GRACE_MS, &snap);
    if (snap.running) {
        command_signal(cmd, SIGKILL);
        command_wait(cmd, none, mono_ms() + INTERRUPT_GRACE_MS, &snap);
    }
    return respond_empty(c);
}

int api_command_interrupt(struct conn *c, const struct route_args *a)
{
    char id[128];
    if (http_query_get(c->req.query, "id", id, sizeof(id)) < 0 || !*id)
        return respond_error(c, 400, "MISSING_QUERY", "missing query parameter 'id'");
    struct command *cmd = command_find(id);
    if (!cmd) {
        if (session_delete(id) == 0) return respond_empty(c);
        return respond_error(c, 404, "INVALID_REQUEST_BODY", "command not found: %s", id);
    }
    int r = interrupt_command(c, cmd);
    command_put(cmd);
    return r;
}

/* Extension status-wait: ?wait=SECONDS (at most STATUS_WAIT_MAX) answers once the command
 * finished or the time is up, whichever comes first: one request instead of polling. */
int api_command_status(struct conn *c, const struct route_args *a)
{
    int64_t wait_s;
    if (query_wait(c, &wait_s) < 0) return 0;
    struct command *cmd = command_find(a->seg[0]);
    if (!cmd)
        return respond_error(c, 404, "INVALID_REQUEST_BODY", "command not found: %s", a->seg[0]);
    int r = wait_s > 0 ? wait_end(c, cmd, mono_ms() + wait_s * 1000) : 0;
    if (r >= 0) r = respond_json(c, 200, command_status_json(cmd));
    command_put(cmd);
    return r;
}

/* Sends the bytes [from, end) of a stream as stored in *snap (output: run by run). */
static int send_stream(struct conn *c, struct command *cmd, const struct cmd_snap *snap,
                       int stream, uint64_t from, uint64_t end)
{
    while (from < end) {
        struct cmd_range rg;
        if (command_range(cmd, snap, stream, from, &rg) < 0) return -EIO;
        uint64_t n = rg.n < end - from ? rg.n : end - from;
        int r = conn_sendfile(c, rg.fd, (off_t)rg.off, n);
        if (r < 0) return r;
        from += n;
    }
    return 0;
}

/* A follower's batch: at most FOLLOW_STEP bytes, then tells the I/O thread how far it got. */
#define FOLLOW_STEP (4u << 20)

static int send_followed(struct conn *c, struct command *cmd, const struct cmd_snap *snap,
                         int stream, uint64_t *off)
{
    struct cmd_range rg;
    if (command_range(cmd, snap, stream, *off, &rg) < 0) return -EIO;
    uint64_t n = rg.n < FOLLOW_STEP ? rg.n : FOLLOW_STEP;
    int r = conn_sendfile(c, rg.fd, (off_t)rg.off, n);
    if (r < 0) return r;
    command_sent(cmd, rg.spool, rg.off + n);
    *off += n;
    return 0;
}

int api_command_logs(struct conn *c, const struct route_args *a)
{
    struct command *cmd = command_find(a->seg[0]);
    if (!cmd)
        return respond_error(c, 400, "INVALID_REQUEST_BODY", "command not found: %s", a->seg[0]);
    int64_t cursor;
    int r;
    if (cmd->kind != CMD_BACKGROUND) {
        r = respond_error(c, 400, "INVALID_REQUEST_BODY", "command %s is not running in background",
                          cmd->id);
    } else if (query_int64(c, "cursor", 0, &cursor) < 0 || cursor < 0) {
        r = respond_error(c, 400, "INVALID_REQUEST_BODY", "invalid cursor");
    } else {
        struct cmd_snap snap;
        command_snap(cmd, &snap);
        uint64_t end = snap.len[CS_OUTPUT], off = (uint64_t)cursor < end ? (uint64_t)cursor : end;
        char extra[128];
        snprintf(extra, sizeof(extra), "EXECD-COMMANDS-TAIL-CURSOR: %" PRIu64 "\r\n", end);
        r = conn_begin(c, 200, "text/plain; charset=utf-8", extra, (int64_t)(end - off));
        if (r == 0) r = send_stream(c, cmd, &snap, CS_OUTPUT, off, end);
    }
    command_put(cmd);
    return r;
}

int api_command_list(struct conn *c, const struct route_args *a)
{
    (void)a;
    char epoch[40];
    int64_t since;
    if (query_int64(c, "since", -1, &since) < 0 || since < -1)
        return respond_error(c, 400, "INVALID_REQUEST_BODY", "invalid since");
    if (since < 0) return respond_json(c, 200, command_list_json());
    if (http_query_get(c->req.query, "epoch", epoch, sizeof(epoch)) < 0) epoch[0] = '\0';
    return respond_json(c, 200, command_list_delta_json(epoch, (uint64_t)since));
}

static int stream_index(const char *name)
{
    if (!strcmp(name, "stdout")) return CS_STDOUT;
    if (!strcmp(name, "stderr")) return CS_STDERR;
    if (!strcmp(name, "output")) return CS_OUTPUT;
    return -1;
}

static void raw_headers(char *extra, size_t sz, const struct cmd_snap *s, int stream)
{
    snprintf(extra, sz, "X-Output-Length: %" PRIu64 "\r\nX-Command-Running: %s\r\n%s",
             s->len[stream], s->running ? "true" : "false",
             s->truncated[stream] ? "X-Output-Truncated: true\r\n" : "");
}

/* follow=1: chunked, streaming new bytes until the command ended and all were sent. */
static int follow(struct conn *c, struct command *cmd, int stream, uint64_t off)
{
    struct cmd_snap snap;
    command_snap(cmd, &snap);
    char extra[256];
    raw_headers(extra, sizeof(extra), &snap, stream);
    int r = conn_begin(c, 200, "application/octet-stream", extra, -1);
    for (;;) {
        if (r < 0) return r;
        if (off < snap.len[stream]) {
            r = send_followed(c, cmd, &snap, stream, &off);
            continue;
        }
        if (!snap.running) return conn_end(c);
        uint64_t want[CS_N] = {UINT64_MAX, UINT64_MAX, UINT64_MAX};
        want[stream] = off;
        command_wait(cmd, want, mono_ms() + SSE_PING_MS, &snap);
        if (off >= snap.len[stream] && snap.running && conn_peer_closed(c)) return -EPIPE;
    }
}

static int raw_follow(struct conn *c, struct command *cmd, int stream, uint64_t off)
{
    command_follow(cmd, stream, 1);
    int r = follow(c, cmd, stream, off);
    command_follow(cmd, stream, -1);
    return r;
}

int api_command_raw(struct conn *c, const struct route_args *a)
{
    int stream = stream_index(a->seg[1]);
    if (stream < 0) return respond_error(c, 404, "INVALID_REQUEST_BODY", "unknown route");
    struct command *cmd = command_find(a->seg[0]);
    if (!cmd)
        return respond_error(c, 404, "INVALID_REQUEST_BODY", "command not found: %s", a->seg[0]);
    int64_t off;
    int r;
    if (query_int64(c, "offset", 0, &off) < 0 || off < 0) {
        r = respond_error(c, 400, "INVALID_REQUEST_BODY", "invalid offset");
    } else if (query_bool(c, "follow")) {
        r = raw_follow(c, cmd, stream, (uint64_t)off);
    } else {
        struct cmd_snap snap;
        command_snap(cmd, &snap);
        uint64_t end = snap.len[stream], from = (uint64_t)off < end ? (uint64_t)off : end;
        char extra[256];
        raw_headers(extra, sizeof(extra), &snap, stream);
        r = conn_begin(c, 200, "application/octet-stream", extra, (int64_t)(end - from));
        if (r == 0) r = send_stream(c, cmd, &snap, stream, from, end);
    }
    command_put(cmd);
    return r;
}

int api_code_run(struct conn *c, const struct route_args *a)
{
    json_t *j = read_json_body(c, false);
    if (!j) return 0;
    struct code_req cr;
    const char *err;
    int r = 0;
    if (code_req_parse(j, &cr, &err) < 0) {
        respond_error(c, 400, "INVALID_REQUEST_BODY", "%s", err);
    } else if (cr.language && *cr.language && strcmp(cr.language, "command") != 0) {
        respond_error(c, 500, "RUNTIME_ERROR",
                      "language runtime server not configured: execd has no Jupyter support, "
                      "only commands (context.language empty) run");
    } else {
        struct run_req rr = {.command = cr.code};
        r = run_command(c, &rr, cr.code);
    }
    json_decref(j);
    return r;
}

int api_code_unsupported(struct conn *c, const struct route_args *a)
{
    return respond_error(c, 500, "RUNTIME_ERROR",
                         "language runtime server not configured: execd has no Jupyter support");
}

int api_code_interrupt(struct conn *c, const struct route_args *a)
{
    return api_command_interrupt(c, a);
}
