/* Snapshot routes: create (from a sandbox), list, get, delete. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "lifecycle.h"

int api_snapshot_create(struct req *r, struct resp *out, struct api_err *e)
{
    json_t *body, *name = NULL;
    struct snap_rec snap;
    const char *k;
    json_t *v;
    int ret;

    if (req_json(r, &body, true, e)) return -1;
    if (body && !json_is_object(body)) {
        json_decref(body);
        return api_fail(e, 400, E_INVALID_PARAMETER, "the body must be a JSON object");
    }
    json_object_foreach(body, k, v)
    {
        if (strcmp(k, "name")) {
            json_decref(body);
            return api_fail(e, 400, E_INVALID_PARAMETER, "unknown field '%.60s' (only 'name')", k);
        }
    }
    name = json_object_get(body, "name");
    if (name && (!json_is_string(name) || !*json_string_value(name) ||
                 strlen(json_string_value(name)) > 253)) {
        json_decref(body);
        return api_fail(e, 400, E_INVALID_PARAMETER, "name must be a non-empty string");
    }
    ret = lc_snapshot(req_param(r, 0), name ? json_string_value(name) : NULL, &snap, e);
    json_decref(body);
    if (ret) return -1;
    out->status = 202;
    out->json = snapshot_json(&snap);
    snprintf(out->location, sizeof(out->location), "/v1/snapshots/%s", snap.id);
    snap_rec_free(&snap);
    return 0;
}

int api_snapshot_list(struct req *r, struct resp *out, struct api_err *e)
{
    const char *sid = req_query(r, "sandboxId"), *state = req_query(r, "state");
    struct snap_rec *v;
    size_t n, total = 0;
    int page, size;
    json_t *items;

    if (pagination_parse(r, &page, &size, e)) return -1;
    if (store_snap_list(&v, &n))
        return api_fail(e, 500, E_QUERY_FAILED, "cannot read the snapshot records");
    items = json_array();
    for (size_t i = 0; i < n; i++) {
        if ((sid && strcmp(sid, v[i].sandbox_id)) || (state && strcasecmp(state, v[i].state)))
            continue;
        if (total >= (size_t)(page - 1) * (size_t)size && total < (size_t)page * (size_t)size)
            json_array_append_new(items, snapshot_json(&v[i]));
        total++;
    }
    snap_rec_free_all(v, n);
    out->json =
        json_pack("{s:o, s:o}", "items", items, "pagination", pagination_json(page, size, total));
    return 0;
}

int api_snapshot_get(struct req *r, struct resp *out, struct api_err *e)
{
    struct snap_rec snap;
    if (store_snap_get(req_param(r, 0), &snap))
        return api_fail(e, 404, E_SNAP_NOT_FOUND, "snapshot '%.100s' not found", req_param(r, 0));
    out->json = snapshot_json(&snap);
    snap_rec_free(&snap);
    return 0;
}

int api_snapshot_delete(struct req *r, struct resp *out, struct api_err *e)
{
    if (lc_snapshot_delete(req_param(r, 0), e)) return -1;
    out->status = 204;
    return 0;
}
