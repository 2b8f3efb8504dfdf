/* Commands and sessions through execd. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"

#define SSE_LINE_MAX (1 << 20)
#define STREAM_RECV_BUF (512L * 1024) /* socket reads of a followed stream: fewer, larger */

/* Sends req and parses the answer's JSON body into out (when out is non-NULL). */
static int req_json(const struct sbx_req *req, json_t **out)
{
    struct sbx_buf b;
    int rc = sbx_http_errno(sbx_http(req, &b, NULL));
    if (out)
        *out = NULL;
    if (!rc && out) {
        *out = b.len ? json_loadb(b.data, b.len, 0, NULL) : NULL;
        if (!*out)
            rc = -EPROTO;
    }
    sbx_buf_free(&b);
    return rc;
}

static int get_json(const struct sbx_execd *x, const char *method, const char *url, const char *body,
                    json_t **out)
{
    struct sbx_req req = {.method = method, .url = url, .body = body,
                          .body_len = body ? strlen(body) : 0};
    sbx_execd_headers(x, &req, body ? "Content-Type: application/json" : NULL);
    return req_json(&req, out);
}

/* --- the event-stream splitter --------------------------------------------------------------- */

static int sse_line(struct sbx_sse *p, char *line, size_t len)
{
    while (len && (line[len - 1] == '\r'))
        line[--len] = '\0';
    if (!strncmp(line, "data:", 5)) {
        line += 5;
        while (*line == ' ')
            line++;
    }
    if (*line != '{')
        return 0;
    json_t *ev = json_loads(line, 0, NULL);
    if (!ev)
        return 0;
    int stop = p->on_event(ev, p->arg);
    json_decref(ev);
    return stop;
}

int sbx_sse_feed(struct sbx_sse *p, const char *data, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (data[i] != '\n') {
            if (p->len + 2 > p->cap && !p->overflow) {
                size_t cap = p->cap ? p->cap * 2 : 4096;
                char *l = cap <= SSE_LINE_MAX ? realloc(p->line, cap) : NULL;
                if (!l)
                    p->overflow = 1;
                else
                    p->line = l, p->cap = cap;
            }
            if (!p->overflow)
                p->line[p->len++] = data[i];
            continue;
        }
        int stop = 0;
        if (!p->overflow && p->len) {
            p->line[p->len] = '\0';
            stop = sse_line(p, p->line, p->len);
        }
        p->len = 0;
        p->overflow = 0;
        if (stop)
            return stop;
    }
    return 0;
}

void sbx_sse_free(struct sbx_sse *p)
{
    free(p->line);
    p->line = NULL;
    p->len = p->cap = 0;
}

/* --- commands -------------------------------------------------------------------------------- */

/* A background start's body: {"command":..., "background":true} as text (NULL: no memory). */
static char *start_body(const char *command)
{
    json_t *body = json_pack("{s:s, s:b}", "command", command, "background", 1);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    return text;
}

/* The id an "init" event names, into id, when it is one we can use: true then. */
static bool init_id(json_t *ev, char id[SBX_ID_MAX])
{
    const char *type = json_string_value(json_object_get(ev, "type"));
    const char *text = json_string_value(json_object_get(ev, "text"));
    if (!type || strcmp(type, "init") || !sbx_id_ok(text, SBX_ID_MAX))
        return false;
    snprintf(id, SBX_ID_MAX, "%s", text);
    return true;
}

/* Why a start that gave no id failed: a stream without one is a protocol error. */
static int start_errno(int status)
{
    return status == -ECANCELED || (status >= 200 && status < 300) ? -EPROTO
                                                                   : sbx_http_errno(status);
}

/* The id is all a start waits for. Upstream's execd holds the stream open for a grace second
 * after it, so the transfer is cut there; ours (status-wait) ends the stream at once, so it is
 * read to its end and the connection stays open for the next request. */
struct start_ctx {
    char *id;
    bool to_end;
    struct sbx_sse sse;
};

static int start_head(long status, const struct sbx_resp_meta *m, void *arg)
{
    struct start_ctx *c = arg;
    if (status == 200 && m && sbx_id_ok(m->command_id, SBX_ID_MAX)) {
        snprintf(c->id, SBX_ID_MAX, "%s", m->command_id);
        return !c->to_end;
    }
    return 0;
}

static int start_event(json_t *ev, void *arg)
{
    struct start_ctx *c = arg;
    return init_id(ev, c->id) && !c->to_end;
}

static int start_data(const char *p, size_t n, void *arg)
{
    struct start_ctx *c = arg;
    return sbx_sse_feed(&c->sse, p, n);
}

int sbx_cmd_start(const struct sbx_execd *x, const char *command, char id[SBX_ID_MAX])
{
    char url[512];
    int rc = sbx_execd_url(x, url, sizeof url, "/command");
    if (rc)
        return rc;
    char *text = start_body(command);
    if (!text)
        return -ENOMEM;
    struct start_ctx c = {.id = id, .to_end = x->ext & SBX_EXT_STATUS_WAIT};
    c.sse.on_event = start_event;
    c.sse.arg = &c;
    id[0] = '\0';
    struct sbx_req req = {.method = "POST", .url = url, .body = text, .body_len = strlen(text),
                          .on_head = start_head, .on_data = start_data, .arg = &c};
    sbx_execd_headers(x, &req, "Content-Type: application/json");
    struct sbx_buf err;
    int status = sbx_http(&req, &err, NULL);
    free(text);
    sbx_sse_free(&c.sse);
    rc = id[0] ? 0 : start_errno(status);
    sbx_buf_free(&err);
    return rc;
}

/* --- a start held open until the command's end (extension start-wait) ----------------------- */

struct sbx_cmd_held {
    struct sbx_execd x;
    char url[512];
    char *body;
    struct sbx_req req;
    struct sbx_sse sse;
    struct sbx_http_run *run; /* the open stream, NULL once it ended */
    int status;               /* how the stream ended (sbx_http's answer) when run is NULL */
    char id[SBX_ID_MAX];
    json_t *record; /* the "status" event's record */
    int (*stop)(void *);
    void *stop_arg;
};

static int held_event(json_t *ev, void *arg)
{
    struct sbx_cmd_held *h = arg;
    const char *type = json_string_value(json_object_get(ev, "type"));
    if (!h->id[0])
        init_id(ev, h->id);
    else if (!h->record && type && !strcmp(type, "status")) {
        json_t *r = json_object_get(ev, "status");
        const char *id = json_string_value(json_object_get(r, "id"));
        if (json_is_object(r) && id && !strcmp(id, h->id))
            h->record = json_incref(r);
    }
    return 0;
}

static int held_data(const char *p, size_t n, void *arg)
{
    struct sbx_cmd_held *h = arg;
    return sbx_sse_feed(&h->sse, p, n);
}

static int held_detach(void *arg)
{
    struct sbx_cmd_held *h = arg;
    return h->id[0] != '\0';
}

static int held_alive(void *arg)
{
    struct sbx_cmd_held *h = arg;
    return h->stop && h->stop(h->stop_arg);
}

void sbx_cmd_held_free(struct sbx_cmd_held *h)
{
    if (!h)
        return;
    sbx_http_drop(h->run);
    sbx_sse_free(&h->sse);
    json_decref(h->record);
    free(h->body);
    free(h);
}

int sbx_cmd_start_held(const struct sbx_execd *x, const char *command, int secs,
                       char id[SBX_ID_MAX], struct sbx_cmd_held **held)
{
    *held = NULL;
    id[0] = '\0';
    struct sbx_cmd_held *h = calloc(1, sizeof *h);
    if (!h)
        return -ENOMEM;
    h->x = *x;
    int rc = sbx_execd_url(&h->x, h->url, sizeof h->url, "/command?wait=%d", secs);
    if (!rc && !(h->body = start_body(command)))
        rc = -ENOMEM;
    if (rc) {
        sbx_cmd_held_free(h);
        return rc;
    }
    h->sse = (struct sbx_sse){.on_event = held_event, .arg = h};
    h->req = (struct sbx_req){.method = "POST", .url = h->url, .body = h->body,
                              .body_len = strlen(h->body), .timeout_ms = (secs + 30) * 1000L,
                              .on_data = held_data, .alive = held_alive, .detach = held_detach,
                              .arg = h};
    sbx_execd_headers(&h->x, &h->req, "Content-Type: application/json");
    int status = sbx_http_start(&h->req, &h->run);
    if (status != 1)
        h->status = status;
    if (!h->id[0]) {
        sbx_cmd_held_free(h);
        return start_errno(status);
    }
    snprintf(id, SBX_ID_MAX, "%s", h->id);
    *held = h;
    return 0;
}

int sbx_cmd_held_end(struct sbx_cmd_held *h, int (*stop)(void *), void *arg, json_t **record)
{
    h->stop = stop;
    h->stop_arg = arg;
    int status = h->run ? sbx_http_finish(h->run) : h->status;
    h->run = NULL;
    *record = h->record;
    h->record = NULL;
    sbx_cmd_held_free(h);
    if (*record)
        return 0;
    return status < 0 ? status : -EAGAIN;
}

static bool records_ok(const json_t *a)
{
    size_t i;
    json_t *r;
    if (!json_is_array(a))
        return false;
    json_array_foreach(a, i, r)
    {
        const char *id = json_string_value(json_object_get(r, "id"));
        if (!sbx_id_ok(id, SBX_ID_MAX))
            return false;
    }
    return true;
}

#define EPOCH_CHARS "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"

/* The answer: an array (no deltas), or {"epoch","seq","full","records","removed"}. */
static int parse_delta(json_t *ans, struct sbx_cmd_delta *d)
{
    if (json_is_array(ans)) {
        d->full = true;
        d->records = json_incref(ans);
        return records_ok(ans) ? 0 : -EPROTO;
    }
    const char *epoch = json_string_value(json_object_get(ans, "epoch"));
    json_t *seq = json_object_get(ans, "seq"), *removed = json_object_get(ans, "removed");
    d->full = json_is_true(json_object_get(ans, "full"));
    d->records = json_incref(json_object_get(ans, "records"));
    if (!epoch || strlen(epoch) >= sizeof d->epoch || epoch[strspn(epoch, EPOCH_CHARS)] ||
        !json_is_integer(seq) ||
        json_integer_value(seq) < 0 || !records_ok(d->records) ||
        (!d->full && !json_is_array(removed)))
        return -EPROTO;
    size_t i;
    json_t *id;
    json_array_foreach(removed, i, id) if (!json_is_string(id)) return -EPROTO;
    snprintf(d->epoch, sizeof d->epoch, "%s", epoch);
    d->seq = (uint64_t)json_integer_value(seq);
    d->removed = d->full ? NULL : json_incref(removed);
    return 0;
}

int sbx_cmd_delta_parse(const char *text, size_t len, struct sbx_cmd_delta *d)
{
    *d = (struct sbx_cmd_delta){0};
    json_t *ans = len ? json_loadb(text, len, 0, NULL) : NULL;
    int rc = ans ? parse_delta(ans, d) : -EPROTO;
    json_decref(ans);
    if (rc)
        sbx_cmd_delta_free(d);
    return rc;
}

int sbx_cmd_list_delta(const struct sbx_execd *x, const char *epoch, uint64_t since,
                       struct sbx_cmd_delta *d)
{
    *d = (struct sbx_cmd_delta){0};
    char url[512];
    int rc = epoch && *epoch && since
                 ? sbx_execd_url(x, url, sizeof url, "/command/list?since=%llu&epoch=%s",
                                 (unsigned long long)since, epoch)
                 : sbx_execd_url(x, url, sizeof url, "/command/list?since=0");
    if (rc)
        return rc;
    struct sbx_req req = {.method = "GET", .url = url};
    sbx_execd_headers(x, &req, NULL);
    struct sbx_buf b;
    rc = sbx_http_errno(sbx_http(&req, &b, NULL));
    if (!rc)
        rc = sbx_cmd_delta_parse(b.data, b.len, d);
    sbx_buf_free(&b);
    return rc;
}

void sbx_cmd_delta_free(struct sbx_cmd_delta *d)
{
    json_decref(d->records);
    json_decref(d->removed);
    d->records = d->removed = NULL;
}

int sbx_cmd_status(const struct sbx_execd *x, const char *id, json_t **status)
{
    char url[512];
    int rc = sbx_execd_url(x, url, sizeof url, "/command/status/%s", id);
    return rc ? rc : get_json(x, "GET", url, NULL, status);
}

int sbx_cmd_wait(const struct sbx_execd *x, const char *id, int secs, int (*alive)(void *),
                 void *arg, json_t **status)
{
    char url[512];
    int rc = sbx_execd_url(x, url, sizeof url, "/command/status/%s?wait=%d", id, secs);
    if (rc)
        return rc;
    struct sbx_req req = {.url = url, .timeout_ms = (secs + 30) * 1000L, .alive = alive, .arg = arg};
    sbx_execd_headers(x, &req, NULL);
    return req_json(&req, status);
}

int sbx_cmd_interrupt(const struct sbx_execd *x, const char *id)
{
    char url[512];
    int rc = sbx_execd_url(x, url, sizeof url, "/command?id=%s", id);
    return rc ? rc : get_json(x, "DELETE", url, NULL, NULL);
}

int sbx_cmd_stream(const struct sbx_execd *x, const char *id, const char *which, int64_t offset,
                   int follow, int (*on_head)(long, const struct sbx_resp_meta *, void *),
                   int (*on_data)(const char *, size_t, void *), int (*alive)(void *),
                   void *arg)
{
    char url[512];
    int rc = sbx_execd_url(x, url, sizeof url, "/command/%s/%s?offset=%lld%s", id, which,
                           (long long)offset, follow ? "&follow=1" : "");
    if (rc)
        return rc;
    struct sbx_req req = {.url = url, .timeout_ms = -1, .recv_buf = STREAM_RECV_BUF,
                          .on_head = on_head, .on_data = on_data, .alive = alive, .arg = arg};
    sbx_execd_headers(x, &req, NULL);
    struct sbx_resp_meta meta;
    return sbx_http_errno(sbx_http(&req, NULL, &meta));
}

int sbx_cmd_splice(const struct sbx_execd *x, const char *id, const char *which, int64_t offset,
                   const struct sbx_splice *sp)
{
    char url[512];
    int rc = sbx_execd_url(x, url, sizeof url, "/command/%s/%s?offset=%lld&follow=1", id, which,
                           (long long)offset);
    if (rc)
        return rc;
    struct sbx_req req = {0};
    sbx_execd_headers(x, &req, NULL);
    return sbx_http_errno(sbx_http_splice(url, req.headers, sp));
}

bool sbx_cmd_can_splice(const struct sbx_execd *x)
{
    return (x->ext & SBX_EXT_RAW_OUTPUT) && sbx_http_can_splice(x->base);
}

int sbx_cmd_logs(const struct sbx_execd *x, const char *id, int64_t cursor, struct sbx_buf *out,
                 int64_t *next)
{
    char url[512];
    int rc = sbx_execd_url(x, url, sizeof url, "/command/%s/logs?cursor=%lld", id,
                           (long long)cursor);
    if (rc)
        return rc;
    struct sbx_req req = {.url = url};
    struct sbx_resp_meta meta;
    sbx_execd_headers(x, &req, NULL);
    rc = sbx_http_errno(sbx_http(&req, out, &meta));
    if (!rc)
        *next = meta.tail_cursor[0] ? strtoll(meta.tail_cursor, NULL, 10)
                                    : cursor + (int64_t)out->len;
    return rc;
}

/* --- sessions -------------------------------------------------------------------------------- */

int sbx_session_create(const struct sbx_execd *x, char sid[64])
{
    char url[512];
    json_t *ans;
    int rc = sbx_execd_url(x, url, sizeof url, "/session");
    if (!rc)
        rc = get_json(x, "POST", url, "{}", &ans);
    if (rc)
        return rc;
    const char *s = json_string_value(json_object_get(ans, "session_id"));
    rc = sbx_id_ok(s, 64) ? 0 : -EPROTO;
    if (!rc)
        snprintf(sid, 64, "%s", s);
    json_decref(ans);
    return rc;
}

static int session_data(const char *p, size_t n, void *arg)
{
    return sbx_sse_feed(arg, p, n);
}

int sbx_session_run(const struct sbx_execd *x, const char *sid, const char *command,
                    int (*on_event)(json_t *ev, void *arg), void *arg)
{
    char url[512];
    int rc = sbx_execd_url(x, url, sizeof url, "/session/%s/run", sid);
    if (rc)
        return rc;
    json_t *body = json_pack("{s:s}", "command", command);
    if (body && x->ext & SBX_EXT_SESSION_STDERR) /* stderr events of their own */
        json_object_set_new(body, "separate_stderr", json_true());
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    struct sbx_sse sse = {.on_event = on_event, .arg = arg};
    struct sbx_req req = {.method = "POST", .url = url, .body = text, .body_len = strlen(text),
                          .timeout_ms = -1, .on_data = session_data, .arg = &sse};
    sbx_execd_headers(x, &req, "Content-Type: application/json");
    struct sbx_buf err;
    rc = sbx_http(&req, &err, NULL);
    free(text);
    sbx_sse_free(&sse);
    sbx_buf_free(&err);
    return rc == -ECANCELED ? 0 : sbx_http_errno(rc);
}

int sbx_session_delete(const struct sbx_execd *x, const char *sid)
{
    char url[512];
    int rc = sbx_execd_url(x, url, sizeof url, "/session/%s", sid);
    return rc ? rc : get_json(x, "DELETE", url, NULL, NULL);
}
