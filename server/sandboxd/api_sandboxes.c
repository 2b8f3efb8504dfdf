/* /sandboxes routes: create, list, get, delete, metadata, pause, resume, renew; /health. */
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include "api.h"
#include "lifecycle.h"
#include "log.h"
#include "util.h"
#include "validate.h"

#define MAX_STATE_FILTERS 16

int api_health(struct req *r, struct resp *out, struct api_err *e)
{
    (void)r;
    (void)e;
    out->json = json_pack("{s:s}", "status", "healthy");
    return 0;
}

int api_create(struct req *r, struct resp *out, struct api_err *e)
{
    json_t *body;
    struct create_req q;
    struct sbx_rec rec;
    if (req_json(r, &body, false, e)) return -1;
    if (create_req_parse(body, g_cfg, &q, e)) {
        json_decref(body);
        return -1;
    }
    json_decref(body);
    if (lc_create(&q, &rec, e)) {
        create_req_free(&q);
        return -1;
    }
    create_req_free(&q);
    out->status = 202;
    out->json = sandbox_json(&rec, false);
    sbx_rec_free(&rec);
    return 0;
}

static bool state_wanted(const char *state, const char **want, size_t n)
{
    if (n == 0) return true;
    for (size_t i = 0; i < n; i++)
        if (!strcasecmp(state, want[i])) return true;
    return false;
}

int api_list(struct req *r, struct resp *out, struct api_err *e)
{
    const char *states[MAX_STATE_FILTERS], *meta = req_query(r, "metadata");
    size_t n_states = req_query_all(r, "state", states, MAX_STATE_FILTERS), n = 0, total = 0;
    json_t *filter = NULL, *items;
    struct sbx_rec *v;
    int page, size;

    if (pagination_parse(r, &page, &size, e)) return -1;
    if (meta && metadata_filter_parse(meta, &filter, e)) return -1;
    if (store_sbx_list(&v, &n)) {
        json_decref(filter);
        return api_fail(e, 500, E_QUERY_FAILED, "cannot read the sandbox records");
    }
    lc_refresh_all(v, n);
    items = json_array();
    for (size_t i = 0; i < n; i++) {
        if (!state_wanted(v[i].state, states, n_states) ||
            (filter && !metadata_matches(v[i].metadata, filter)))
            continue;
        if (total >= (size_t)(page - 1) * (size_t)size && total < (size_t)page * (size_t)size)
            json_array_append_new(items, sandbox_json(&v[i], true));
        total++;
    }
    sbx_rec_free_all(v, n);
    json_decref(filter);
    out->json =
        json_pack("{s:o, s:o}", "items", items, "pagination", pagination_json(page, size, total));
    return 0;
}

int api_get(struct req *r, struct resp *out, struct api_err *e)
{
    struct sbx_rec rec;
    if (lc_get(req_param(r, 0), true, &rec, e)) return -1;
    out->json = sandbox_json(&rec, true);
    sbx_rec_free(&rec);
    return 0;
}

int api_delete(struct req *r, struct resp *out, struct api_err *e)
{
    if (lc_delete(req_param(r, 0), e)) return -1;
    out->status = 204;
    return 0;
}

int api_patch_metadata(struct req *r, struct resp *out, struct api_err *e)
{
    json_t *patch;
    struct sbx_rec rec;
    int ret;
    if (req_json(r, &patch, false, e)) return -1;
    ret = lc_patch_metadata(req_param(r, 0), patch, &rec, e);
    json_decref(patch);
    if (ret) return -1;
    out->json = sandbox_json(&rec, true);
    sbx_rec_free(&rec);
    return 0;
}

int api_pause(struct req *r, struct resp *out, struct api_err *e)
{
    if (lc_pause(req_param(r, 0), e)) return -1;
    out->status = 202;
    return 0;
}

int api_resume(struct req *r, struct resp *out, struct api_err *e)
{
    if (lc_resume(req_param(r, 0), e)) return -1;
    out->status = 202;
    return 0;
}

int api_renew(struct req *r, struct resp *out, struct api_err *e)
{
    json_t *body;
    int64_t ms;
    char t[TIME_STR_MAX];
    const char *s;
    struct sbx_rec rec;

    /* Unknown ids are 404 whatever the body says (as upstream). */
    if (store_sbx_get(req_param(r, 0), &rec))
        return api_fail(e, 404, E_NOT_FOUND, "sandbox '%.100s' not found", req_param(r, 0));
    sbx_rec_free(&rec);
    if (req_json(r, &body, false, e)) return -1;
    s = json_string_value(json_object_get(body, "expiresAt"));
    if (!s || time_parse(s, &ms)) {
        json_decref(body);
        return api_fail(e, 400, E_INVALID_PARAMETER,
                        "expiresAt must be an RFC 3339 time such as \"2030-01-02T15:04:05Z\"");
    }
    json_decref(body);
    if (lc_renew(req_param(r, 0), ms, e)) return -1;
    time_format(ms, t);
    out->json = json_pack("{s:s}", "expiresAt", t);
    return 0;
}

int api_metrics_event(struct req *r, struct resp *out, struct api_err *e)
{
    json_t *body;
    if (req_json(r, &body, true, e)) return -1;
    log_debug("client event: %.*s", (int)(r->body_len > 300 ? 300 : r->body_len),
              r->body ? r->body : "");
    json_decref(body);
    out->status = 204;
    return 0;
}
