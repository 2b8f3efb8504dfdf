/* JSON views of records, and pagination. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "util.h"

static void set_time(json_t *o, const char *key, int64_t ms)
{
    char t[TIME_STR_MAX];
    time_format(ms, t);
    json_object_set_new(o, key, json_string(t));
}

static json_t *status_json(const char *state, const char *reason, const char *message, int64_t at)
{
    json_t *st = json_pack("{s:s}", "state", state);
    if (reason && *reason) json_object_set_new(st, "reason", json_string(reason));
    if (message && *message) json_object_set_new(st, "message", json_string(message));
    set_time(st, "lastTransitionAt", at);
    return st;
}

json_t *sandbox_json(const struct sbx_rec *s, bool full)
{
    json_t *o = json_pack("{s:s}", "id", s->id);
    if (full && s->snapshot_id)
        json_object_set_new(o, "snapshotId", json_string(s->snapshot_id));
    else if (full && s->image)
        json_object_set_new(o, "image", json_pack("{s:s}", "uri", s->image));
    json_object_set_new(o, "status",
                        status_json(s->state, s->reason, s->message, s->transition_ms));
    json_object_set(o, "metadata", s->metadata);
    json_object_set(o, "entrypoint", s->entrypoint);
    if (s->platform) json_object_set(o, "platform", s->platform);
    json_t *ext = json_object_get(s->spec, "extensions");
    if (full && json_object_size(ext)) json_object_set(o, "extensions", ext);
    if (s->expires_ms) set_time(o, "expiresAt", s->expires_ms);
    set_time(o, "createdAt", s->created_ms);
    return o;
}

json_t *snapshot_json(const struct snap_rec *s)
{
    json_t *o = json_pack("{s:s, s:s}", "id", s->id, "sandboxId", s->sandbox_id);
    if (s->name) json_object_set_new(o, "name", json_string(s->name));
    json_object_set_new(o, "status",
                        status_json(s->state, s->reason, s->message, s->transition_ms));
    set_time(o, "createdAt", s->created_ms);
    return o;
}

static int int_param(const struct req *r, const char *key, int def, int lo, int hi, int *ret,
                     struct api_err *e)
{
    const char *v = req_query(r, key);
    char *end;
    long x;
    if (!v) {
        *ret = def;
        return 0;
    }
    x = strtol(v, &end, 10);
    if (!*v || *end || x < lo || x > hi)
        return api_fail(e, 400, E_INVALID_PARAMETER, "%s must be an integer from %d to %d", key, lo,
                        hi);
    *ret = (int)x;
    return 0;
}

int pagination_parse(const struct req *r, int *page, int *size, struct api_err *e)
{
    if (int_param(r, "page", 1, 1, 1000000, page, e) ||
        int_param(r, "pageSize", 20, 1, 200, size, e))
        return -1;
    return 0;
}

json_t *pagination_json(int page, int size, size_t total)
{
    size_t pages = (total + (size_t)size - 1) / (size_t)size;
    return json_pack("{s:i, s:i, s:I, s:I, s:b}", "page", page, "pageSize", size, "totalItems",
                     (json_int_t)total, "totalPages", (json_int_t)pages, "hasNextPage",
                     (size_t)page < pages);
}
