/* Sandbox operations, serialised per id, runtime first, record second. */
#include "lifecycle.h"
#include "lifecycle_priv.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "execd_client.h"
#include "expiry.h"
#include "locks.h"
#include "log.h"
#include "runtime.h"
#include "util.h"

static const struct sd_config *cfg;

void lc_init(const struct sd_config *c)
{
    cfg = c;
}

const struct sd_config *lc_config(void)
{
    return cfg;
}

/* The one errno -> HTTP mapping of runtime failures. */
static int rt_fail(struct api_err *e, int err, const char *code, const char *what,
                   const char *detail)
{
    int status = 500;
    switch (-err) {
    case EINVAL:
    case ENOENT:
    case ENOTDIR:
    case ENOEXEC:
        if (!strcmp(code, E_START_FAILED)) {
            status = 400;
            code = E_INVALID_PARAMETER;
        }
        break;
    case EBUSY:
    case EALREADY:
        status = 409;
        break;
    }
    return api_fail(e, status, code, "%s: %s", what, detail[0] ? detail : strerror(-err));
}

static int not_found(struct api_err *e, const char *id)
{
    return api_fail(e, 404, E_NOT_FOUND, "sandbox '%.100s' not found", id);
}

static json_t *spec_json(const struct create_req *q)
{
    return json_pack("{s:O, s:O, s:O, s:O, s:b}", "env", q->env, "resourceLimits", q->resources,
                     "volumes", q->volumes, "extensions", q->extensions, "denyEgress",
                     q->deny_egress);
}

/* argv and env arrays for rt_spec from JSON; freed with free_strv. */
static char **strv_from_array(const json_t *a)
{
    size_t i, n = json_array_size(a);
    char **v = calloc(n + 1, sizeof(char *));
    json_t *x;
    if (!v) return NULL;
    json_array_foreach(a, i, x) v[i] = strdup(json_string_value(x));
    return v;
}

static char **strv_from_env(const json_t *o)
{
    size_t i = 0;
    const char *k;
    json_t *x;
    char **v = calloc(json_object_size(o) + 1, sizeof(char *));
    if (!v) return NULL;
    json_object_foreach((json_t *)o, k, x)
    {
        if (asprintf(&v[i], "%s=%s", k, json_string_value(x)) >= 0) i++;
    }
    return v;
}

static void free_strv(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

/* ---- create ------------------------------------------------------------------------------- */

static const char *default_entrypoint[] = {"tail", "-f", "/dev/null"};

static json_t *entrypoint_or_default(const json_t *given, const json_t *fallback)
{
    json_t *a;
    if (given) return json_deep_copy(given);
    if (fallback && json_array_size(fallback)) return json_deep_copy(fallback);
    a = json_array();
    for (size_t i = 0; i < 3; i++)
        json_array_append_new(a, json_string(default_entrypoint[i]));
    return a;
}

static int resolve_snapshot(const struct create_req *q, struct sbx_rec *rec, struct api_err *e)
{
    struct snap_rec snap;
    if (store_snap_get(q->snapshot_id, &snap) != 0)
        return api_fail(e, 404, E_SNAP_NOT_FOUND, "snapshot '%.100s' not found", q->snapshot_id);
    if (strcmp(snap.state, "Ready")) {
        api_fail(e, 409, E_SNAP_NOT_READY, "snapshot '%.100s' is %s, not Ready", snap.id,
                 snap.state);
        snap_rec_free(&snap);
        return -1;
    }
    rec->image = snap.image ? strdup(snap.image) : NULL;
    rec->entrypoint = entrypoint_or_default(q->entrypoint, snap.entrypoint);
    snap_rec_free(&snap);
    if (!rec->image)
        return api_fail(e, 400, E_SNAP_RESTORE, "snapshot '%.100s' has no image", q->snapshot_id);
    return 0;
}

static int new_record(const struct create_req *q, struct sbx_rec *rec, struct api_err *e)
{
    memset(rec, 0, sizeof(*rec));
    if (uuid4(rec->id) || random_token(rec->token))
        return api_fail(e, 500, E_GENERAL, "cannot get random bytes");
    snprintf(rec->state, sizeof(rec->state), "Pending");
    snprintf(rec->reason, sizeof(rec->reason), "provisioning");
    snprintf(rec->message, sizeof(rec->message), "waiting for execd");
    rec->created_ms = rec->transition_ms = now_ms();
    rec->expires_ms = q->manual_cleanup ? 0 : rec->created_ms + q->timeout_s * 1000;
    rec->metadata = json_deep_copy(q->metadata);
    rec->platform = q->platform ? json_deep_copy(q->platform) : NULL;
    rec->spec = spec_json(q);
    if (q->snapshot_id) {
        rec->snapshot_id = strdup(q->snapshot_id);
        return resolve_snapshot(q, rec, e);
    }
    rec->image = strdup(q->image);
    rec->entrypoint = entrypoint_or_default(q->entrypoint, NULL);
    return 0;
}

static int runtime_create(const struct create_req *q, struct sbx_rec *rec, struct api_err *e)
{
    char err[RT_ERR_MAX] = "";
    struct rt_info info = {0};
    char **argv = strv_from_array(rec->entrypoint), **env = strv_from_env(q->env);
    struct rt_spec spec = {
        .id = rec->id,
        .image = rec->image,
        .snapshot = rec->snapshot_id,
        .entrypoint = argv,
        .env = env,
        .execd_token = rec->token,
        .cpu_millis = q->cpu_millis,
        .memory_bytes = q->memory_bytes,
        .pids = q->pids,
        .deny_egress = q->deny_egress,
        .volumes = q->vols,
        .n_volumes = q->n_vols,
    };
    if (!argv || !env) {
        free_strv(argv);
        free_strv(env);
        return api_fail(e, 500, E_START_FAILED, "out of memory");
    }
    struct id_lock *snap_lock = rec->snapshot_id ? id_lock(rec->snapshot_id) : NULL;
    int r = rt_create(&spec, &info, err);
    id_unlock(snap_lock);
    free_strv(argv);
    free_strv(env);
    if (r) return rt_fail(e, r, E_START_FAILED, "cannot create the sandbox", err);
    snprintf(rec->execd_addr, sizeof(rec->execd_addr), "%s", info.execd_addr);
    return 0;
}

int lc_create(const struct create_req *q, struct sbx_rec *ret, struct api_err *e)
{
    struct sbx_rec rec;
    struct id_lock *l;
    int r;

    if (store_sbx_count() >= cfg->max_sandboxes)
        return api_fail(e, 429, E_QUOTA,
                        "this server holds %lld sandboxes (max_sandboxes); delete some first",
                        (long long)cfg->max_sandboxes);
    if (new_record(q, &rec, e)) {
        sbx_rec_free(&rec);
        return -1;
    }
    if (store_sbx_insert(&rec)) {
        sbx_rec_free(&rec);
        return api_fail(e, 500, E_GENERAL, "cannot store the sandbox record");
    }
    l = id_lock(rec.id);
    r = runtime_create(q, &rec, e);
    if (r == 0)
        r = store_sbx_set_addr(rec.id, rec.execd_addr)
                ? api_fail(e, 500, E_GENERAL, "cannot store the sandbox record")
                : 0;
    if (r) store_sbx_delete(rec.id);
    id_unlock(l);
    if (r) {
        log_warn("create failed: %s", e->message);
        sbx_rec_free(&rec);
        return -1;
    }
    log_info("sandbox %s created (image %s), waiting for execd at %s", rec.id, rec.image,
             rec.execd_addr);
    ready_start(rec.id, rec.execd_addr, rec.token);
    expiry_kick();
    *ret = rec;
    return 0;
}

/* ---- delete, expiry ----------------------------------------------------------------------- */

/* Removes the sandbox from the host, then its record. Called with the id lock held. */
int destroy_locked(const char *id, char err[RT_ERR_MAX])
{
    int r = rt_delete(id, err);
    if (r) return r;
    store_sbx_delete(id);
    return 0;
}

int lc_delete(const char *id, struct api_err *e)
{
    char err[RT_ERR_MAX] = "";
    struct sbx_rec rec;
    struct id_lock *l = id_lock(id);
    int r = store_sbx_get(id, &rec);
    if (r == 0) {
        sbx_rec_free(&rec);
        r = destroy_locked(id, err);
        if (r) rt_fail(e, r, E_DELETE_FAILED, "cannot delete the sandbox", err);
    } else {
        not_found(e, id);
    }
    id_unlock(l);
    if (r) return -1;
    log_info("sandbox %s deleted", id);
    state_changed();
    expiry_kick();
    return 0;
}

int lc_expire(const char *id)
{
    char err[RT_ERR_MAX] = "";
    struct sbx_rec rec;
    struct id_lock *l = id_lock(id);
    int r = store_sbx_get(id, &rec);
    if (r == 0) {
        bool due = rec.expires_ms && rec.expires_ms <= now_ms();
        sbx_rec_free(&rec);
        r = due ? destroy_locked(id, err) : 0;
        if (due && r == 0)
            log_info("sandbox %s expired and was deleted", id);
        else if (due)
            log_err("sandbox %s expired but cannot be deleted: %s", id, err);
    }
    id_unlock(l);
    state_changed();
    return r == -ENOENT ? 0 : r;
}

/* ---- get, refresh ------------------------------------------------------------------------- */

/* Brings the record in line with what the runtime reports. Called with the id lock held. */
void reconcile_locked(struct sbx_rec *rec, const struct rt_info *info)
{
    char msg[MESSAGE_MAX], err[RT_ERR_MAX];
    const char *state = NULL, *reason = NULL;

    if (info->execd_addr[0] && strcmp(info->execd_addr, rec->execd_addr)) {
        store_sbx_set_addr(rec->id, info->execd_addr);
        snprintf(rec->execd_addr, sizeof(rec->execd_addr), "%s", info->execd_addr);
    }
    if (info->state == RT_RUNNING && !strcmp(rec->state, "Paused")) {
        state = "Running", reason = "resumed";
        snprintf(msg, sizeof(msg), "the runtime reports the sandbox running");
    } else if (info->state == RT_PAUSED && !strcmp(rec->state, "Running")) {
        state = "Paused", reason = "paused";
        snprintf(msg, sizeof(msg), "the runtime reports the sandbox paused");
    } else if (info->state == RT_STOPPED) {
        state = info->exit_status == 0 ? "Terminated" : "Failed", reason = "process_exited";
        snprintf(msg, sizeof(msg), "the sandbox's init exited with status %d", info->exit_status);
    } else if (info->state == RT_ABSENT) {
        state = "Failed", reason = "sandbox_lost";
        snprintf(msg, sizeof(msg), "the runtime has no container for this sandbox any more");
    }
    if (!state) return;
    store_sbx_set_state(rec->id, state, reason, msg);
    snprintf(rec->state, sizeof(rec->state), "%s", state);
    snprintf(rec->reason, sizeof(rec->reason), "%s", reason);
    snprintf(rec->message, sizeof(rec->message), "%s", msg);
    rec->transition_ms = now_ms();
    log_info("sandbox %s is now %s: %s", rec->id, state, msg);
    /* A dead sandbox keeps its record (to show why) but nothing on the host. */
    if ((info->state == RT_STOPPED || info->state == RT_ABSENT) && rt_delete(rec->id, err))
        log_warn("sandbox %s: cleanup failed: %s", rec->id, err);
    state_changed();
}

bool sbx_is_live(const struct sbx_rec *rec)
{
    return !strcmp(rec->state, "Running") || !strcmp(rec->state, "Paused");
}

int lc_get(const char *id, bool refresh, struct sbx_rec *ret, struct api_err *e)
{
    struct rt_info info = {0};
    char err[RT_ERR_MAX] = "";
    struct id_lock *l;
    if (store_sbx_get(id, ret)) return not_found(e, id);
    if (!refresh || !sbx_is_live(ret)) return 0;
    l = id_trylock(id);
    if (!l) return 0; /* an operation is running: the record is as fresh as it gets */
    sbx_rec_free(ret);
    if (store_sbx_get(id, ret)) {
        id_unlock(l);
        return not_found(e, id);
    }
    if (sbx_is_live(ret) && rt_inspect(id, &info, err) == 0) reconcile_locked(ret, &info);
    id_unlock(l);
    return 0;
}

void lc_refresh_all(struct sbx_rec *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct rt_info info = {0};
        char err[RT_ERR_MAX] = "";
        struct id_lock *l;
        if (!sbx_is_live(&v[i]) || !(l = id_trylock(v[i].id))) continue;
        if (rt_inspect(v[i].id, &info, err) == 0) reconcile_locked(&v[i], &info);
        id_unlock(l);
    }
}

int lc_wait_ready(const char *id, struct sbx_rec *ret, struct api_err *e)
{
    int64_t deadline = now_ms() + (cfg->ready_timeout + 5) * 1000;
    for (;;) {
        uint64_t gen = state_generation();
        if (store_sbx_get(id, ret)) return not_found(e, id);
        if (strcmp(ret->state, "Pending") || now_ms() >= deadline) return 0;
        sbx_rec_free(ret);
        state_wait(gen, deadline);
    }
}

/* ---- pause, resume, metadata, renew ------------------------------------------------------- */

static int set_paused(const char *id, bool pause, struct api_err *e)
{
    char err[RT_ERR_MAX] = "";
    struct sbx_rec rec = {0};
    struct id_lock *l = id_lock(id);
    int r = -1;
    const char *need = pause ? "Running" : "Paused";

    if (store_sbx_get(id, &rec)) {
        not_found(e, id);
    } else if (strcmp(rec.state, need)) {
        api_fail(e, 409, pause ? E_NOT_RUNNING : E_NOT_PAUSED,
                 "sandbox '%.100s' is %s; %s needs it %s", id, rec.state,
                 pause ? "pause" : "resume", need);
    } else if ((r = pause ? rt_pause(id, err) : rt_resume(id, err)) != 0) {
        rt_fail(e, r, pause ? E_PAUSE_FAILED : E_RESUME_FAILED,
                pause ? "cannot pause the sandbox" : "cannot resume the sandbox", err);
        r = -1;
    } else {
        store_sbx_set_state(id, pause ? "Paused" : "Running", pause ? "paused" : "resumed",
                            pause ? "paused by request" : "resumed by request");
        log_info("sandbox %s %s", id, pause ? "paused" : "resumed");
    }
    if (rec.id[0]) sbx_rec_free(&rec);
    id_unlock(l);
    state_changed();
    return r;
}

int lc_pause(const char *id, struct api_err *e)
{
    return set_paused(id, true, e);
}

int lc_resume(const char *id, struct api_err *e)
{
    return set_paused(id, false, e);
}

int lc_patch_metadata(const char *id, const json_t *patch, struct sbx_rec *ret, struct api_err *e)
{
    struct id_lock *l = id_lock(id);
    int r = -1;
    memset(ret, 0, sizeof(*ret));
    if (store_sbx_get(id, ret)) {
        not_found(e, id);
    } else if (metadata_merge(ret->metadata, patch, e) == 0) {
        r = store_sbx_set_metadata(id, ret->metadata)
                ? api_fail(e, 500, E_GENERAL, "cannot store the metadata")
                : 0;
    }
    if (r && ret->id[0]) sbx_rec_free(ret);
    id_unlock(l);
    return r;
}

int lc_renew(const char *id, int64_t expires_ms, struct api_err *e)
{
    struct sbx_rec rec;
    struct id_lock *l = id_lock(id);
    int r = -1;
    if (store_sbx_get(id, &rec)) {
        id_unlock(l);
        return not_found(e, id);
    }
    if (!rec.expires_ms)
        api_fail(e, 409, E_INVALID_EXPIRATION,
                 "sandbox '%.100s' has no timeout (manual cleanup); it cannot be renewed", id);
    else if (!sbx_is_live(&rec) && strcmp(rec.state, "Pending"))
        api_fail(e, 409, E_NOT_RUNNING, "sandbox '%.100s' is %s", id, rec.state);
    else if (expires_ms <= now_ms())
        api_fail(e, 400, E_INVALID_EXPIRATION, "expiresAt must be in the future");
    else if (cfg->max_timeout && expires_ms - now_ms() > cfg->max_timeout * 1000)
        api_fail(e, 400, E_INVALID_EXPIRATION, "expiresAt is more than %llds away (max_timeout)",
                 (long long)cfg->max_timeout);
    else if (store_sbx_set_expiry(id, expires_ms))
        api_fail(e, 500, E_GENERAL, "cannot store the expiry");
    else
        r = 0;
    sbx_rec_free(&rec);
    id_unlock(l);
    if (r == 0) expiry_kick();
    return r;
}
