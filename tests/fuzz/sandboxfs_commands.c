/* Fuzz target: what sandboxfs makes of execd's command answers.
 *   - the command-list delta parser (backend/commands.c, sbx_cmd_delta_parse) and the merge of a
 *     delta into the cached list (fs/command_merge.c), checked against the merge's contract;
 *   - the event-stream splitter of POST /command answers (sbx_sse_feed): the same events, in
 *     the same order, whether the bytes come at once or cut at arbitrary points.
 * Input: byte 0 = the cached list's local records (low 3 bits); byte 1 = a seed for the cut
 * points; then the cached list (JSON) up to the first NUL, then execd's answer. Any breach
 * aborts. Linked with tests/fuzz/execd_replay_main.c, or with libFuzzer's main. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../backend/commands.h"
#include "../../fs/command_merge.h"

#define EVENTS_MAX 64

static void breach(const char *what)
{
    fprintf(stderr, "sandboxfs_commands: %s\n", what);
    abort();
}

/* Every item a record with a string id; *unique: no id twice. */
static bool records_with_ids(json_t *a, bool *unique)
{
    json_t *seen = json_object(), *r;
    size_t i;
    bool ok = json_is_array(a) && seen;
    *unique = true;
    json_array_foreach(ok ? a : NULL, i, r)
    {
        const char *id = cmd_rec_id(r);
        if (!id) {
            ok = false;
            break;
        }
        if (json_object_get(seen, id)) *unique = false;
        json_object_set(seen, id, json_true());
    }
    json_decref(seen);
    return ok;
}

static bool contains(json_t *a, json_t *item)
{
    size_t i;
    json_t *r;
    json_array_foreach(a, i, r) if (r == item) return true;
    return false;
}

static bool has_id(json_t *a, const char *id)
{
    size_t i;
    json_t *r;
    json_array_foreach(a, i, r)
    {
        const char *rid = json_is_string(r) ? json_string_value(r) : cmd_rec_id(r);
        if (rid && !strcmp(rid, id)) return true;
    }
    return false;
}

static void check_delta(const struct sbx_cmd_delta *d)
{
    bool unique;
    if (!records_with_ids(d->records, &unique)) breach("a parsed delta has a record without an id");
    size_t i;
    json_t *r;
    json_array_foreach(d->records, i, r) if (!sbx_id_ok(cmd_rec_id(r), SBX_ID_MAX))
        breach("a parsed delta has an id that could be a path");
    if (!d->full && !json_is_array(d->removed)) breach("a parsed change set has no removed list");
    if (memchr(d->epoch, '\0', sizeof d->epoch) == NULL) breach("an epoch without its NUL");
    for (const char *p = d->epoch; *p; p++)
        if (!strchr("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_", *p))
            breach("an epoch with a character that cannot go into a URL as it is");
}

static void check_merge(json_t *cached, size_t local, const struct sbx_cmd_delta *d)
{
    bool cached_unique, changed_unique;
    if (!records_with_ids(cached, &cached_unique))
        return; /* not a list sandboxfs keeps: every record it holds has an id */
    records_with_ids(d->records, &changed_unique);
    size_t left = local;
    json_t *out = cmd_list_merge(cached, &left, d->records, d->removed), *r;
    if (!out) return; /* no memory */
    size_t i, n = json_array_size(out);
    bool out_unique;
    if (!records_with_ids(out, &out_unique)) breach("a merged record without an id");
    if (n > json_array_size(cached) + json_array_size(d->records))
        breach("the merge grew past its inputs");
    if (left > n || left > local)
        breach("more local records after the merge than before, or than in the list");
    json_array_foreach(out, i, r)
    {
        if (!contains(cached, r) && !contains(d->records, r))
            breach("a merged record from neither the cached list nor the changes");
        if (has_id(d->removed, cmd_rec_id(r))) breach("a removed id is still listed");
    }
    if (cached_unique && changed_unique) {
        if (!out_unique) breach("an id twice after the merge");
        json_array_foreach(d->records, i, r)
        {
            if (!has_id(d->removed, cmd_rec_id(r)) && !has_id(out, cmd_rec_id(r)))
                breach("a changed record is missing after the merge");
        }
    }
    json_decref(out);
}

struct events {
    char *text[EVENTS_MAX];
    int n, stop_at;
};

static int on_event(json_t *ev, void *arg)
{
    struct events *e = arg;
    if (e->n < EVENTS_MAX)
        e->text[e->n++] = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    return e->n == e->stop_at;
}

/* Feeds text to a splitter in pieces cut where seed says (one piece when seed is 0). */
static void split_feed(const char *text, size_t len, unsigned seed, struct events *e)
{
    struct sbx_sse p = {.on_event = on_event, .arg = e};
    size_t at = 0;
    while (at < len) {
        size_t piece = seed ? 1 + (seed * 2654435761u + at) % 97 : len;
        if (piece > len - at) piece = len - at;
        if (sbx_sse_feed(&p, text + at, piece)) break;
        at += piece;
    }
    sbx_sse_free(&p);
}

static void check_sse(const char *text, size_t len, unsigned seed)
{
    struct events whole = {.stop_at = (int)(seed % 4)}, cut = {.stop_at = (int)(seed % 4)};
    split_feed(text, len, 0, &whole);
    split_feed(text, len, seed | 1, &cut);
    if (whole.n != cut.n) breach("cutting an event stream changed the number of events");
    for (int i = 0; i < whole.n; i++) {
        if ((whole.text[i] == NULL) != (cut.text[i] == NULL) ||
            (whole.text[i] && strcmp(whole.text[i], cut.text[i])))
            breach("cutting an event stream changed an event");
        free(whole.text[i]);
        free(cut.text[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    size_t local = data[0] & 7;
    unsigned seed = data[1];
    const char *text = (const char *)data + 2;
    size_t len = size - 2;
    const char *nul = memchr(text, '\0', len);
    size_t list_len = nul ? (size_t)(nul - text) : 0;
    const char *ans = nul ? nul + 1 : text;
    size_t ans_len = len - (size_t)(ans - text);

    struct sbx_cmd_delta d;
    if (sbx_cmd_delta_parse(ans, ans_len, &d) == 0) {
        check_delta(&d);
        json_t *cached = list_len ? json_loadb(text, list_len, 0, NULL) : NULL;
        if (cached && !d.full) check_merge(cached, local, &d);
        json_decref(cached);
        sbx_cmd_delta_free(&d);
    } else if (d.records || d.removed) {
        breach("a refused answer left values behind");
    }
    check_sse(ans, ans_len, seed);
    return 0;
}
