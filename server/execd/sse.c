/* A command's output streamed as upstream's events (the events themselves: sse_event.c). */
#include "sse.h"
#include "execd.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sse_begin(struct conn *c, const char *command_id)
{
    char extra[256];
    int n =
        snprintf(extra, sizeof(extra),
                 "Cache-Control: no-cache\r\nConnection: keep-alive\r\nX-Accel-Buffering: no\r\n");
    if (command_id && !g_cfg.upstream_compat)
        snprintf(extra + n, sizeof(extra) - (size_t)n, "X-Command-Id: %s\r\n", command_id);
    return conn_begin_later(c, 200, "text/event-stream", extra, -1); /* sent with init */
}

void sse_final_event(struct sse_out *o, struct command *cmd)
{
    char ev[1024];
    pthread_mutex_lock(&cmd->mu);
    int code = cmd->exit_code, sig = cmd->term_sig;
    int64_t ms = (cmd->finished_ns - cmd->started_ns) / 1000000;
    char err[512] = "";
    if (cmd->error) err[json_escape(cmd->error, strnlen(cmd->error, 80), err)] = 0;
    pthread_mutex_unlock(&cmd->mu);
    int n;
    if (*err) {
        n = snprintf(
            ev, sizeof(ev),
            "{\"type\":\"error\",\"error\":{\"ename\":\"CommandExecError\",\"evalue\":\"%s\","
            "\"traceback\":[\"%s\"]},\"timestamp\":%" PRId64 "}",
            err, err, now_ms());
    } else if (sig) { /* upstream (Go) reports a signal death as exit code -1 */
        n = snprintf(
            ev, sizeof(ev),
            "{\"type\":\"error\",\"error\":{\"ename\":\"CommandExecError\",\"evalue\":\"-1\","
            "\"traceback\":[\"signal: %s\"]},\"timestamp\":%" PRId64 "}",
            sig == 9    ? "killed"
            : sig == 15 ? "terminated"
            : sig == 2  ? "interrupt"
                        : strsignal(sig),
            now_ms());
    } else if (code) {
        n = snprintf(
            ev, sizeof(ev),
            "{\"type\":\"error\",\"error\":{\"ename\":\"CommandExecError\",\"evalue\":\"%d\","
            "\"traceback\":[\"exit status %d\"]},\"timestamp\":%" PRId64 "}",
            code, code, now_ms());
    } else if (ms > 0) {
        n = snprintf(ev, sizeof(ev),
                     "{\"type\":\"execution_complete\",\"execution_time\":%" PRId64
                     ",\"timestamp\":%" PRId64 "}",
                     ms, now_ms());
    } else {
        n = snprintf(ev, sizeof(ev), "{\"type\":\"execution_complete\",\"timestamp\":%" PRId64 "}",
                     now_ms());
    }
    sse_raw_event(o, ev, (size_t)n);
}

/* Sends the bytes of one stream from *off to len through the splitter. */
static void pump_stream(struct command *cmd, int stream, uint64_t *off, uint64_t len,
                        struct line_split *ls, struct sse_out *o, const char *type, char *buf)
{
    while (*off < len && !o->err) {
        size_t want = len - *off > SSE_BUF ? SSE_BUF : (size_t)(len - *off);
        ssize_t r = command_read(cmd, stream, *off, buf, want);
        if (r <= 0) break;
        line_split_feed(ls, o, type, buf, (size_t)r);
        *off += (uint64_t)r;
    }
}

int sse_stream_command(struct conn *c, struct command *cmd, const char *init_text, bool session)
{
    struct sse_out o;
    struct line_split ls[2];
    sse_out_init(&o, c, SSE_BUF);
    line_split_init(&ls[0], session);
    line_split_init(&ls[1], session);
    char *buf = malloc(SSE_BUF);
    uint64_t off[2] = {0, 0};
    bool ended = false;
    sse_text_event(&o, "init", init_text, strlen(init_text));
    sse_text_event(&o, "ping", "pong", 4);
    int64_t next_ping = mono_ms() + SSE_PING_MS;
    struct cmd_snap snap;
    do {
        if (sse_flush(&o) < 0 || !buf) break;
        uint64_t want[CS_N] = {off[0], off[1], UINT64_MAX};
        command_wait(cmd, want, next_ping, &snap);
        pump_stream(cmd, CS_STDOUT, &off[0], snap.len[CS_STDOUT], &ls[0], &o, "stdout", buf);
        pump_stream(cmd, CS_STDERR, &off[1], snap.len[CS_STDERR], &ls[1], &o, "stderr", buf);
        if (mono_ms() >= next_ping && snap.running) {
            sse_text_event(&o, "ping", "pong", 4);
            next_ping = mono_ms() + SSE_PING_MS;
        }
    } while (snap.running && !o.err);
    if (!o.err && buf) {
        line_split_flush(&ls[0], &o, "stdout");
        line_split_flush(&ls[1], &o, "stderr");
        sse_final_event(&o, cmd);
        ended = true;
        sse_flush_end(&o);
    }
    int err = o.err;
    if (!err && !ended) err = conn_end(c);
    free(buf);
    line_split_free(&ls[0]);
    line_split_free(&ls[1]);
    sse_out_free(&o);
    return err;
}
