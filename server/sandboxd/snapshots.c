/* Snapshot operations: capture (asynchronous, serialised with the source sandbox's other
 * operations) and delete. Restore is part of lc_create. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle.h"
#include "locks.h"
#include "log.h"
#include "runtime.h"
#include "util.h"

struct snap_job {
    char sandbox_id[RT_ID_MAX];
    char snap_id[RT_ID_MAX];
};

static void *snapshot_worker(void *arg)
{
    struct snap_job *j = arg;
    char err[RT_ERR_MAX] = "";
    struct id_lock *l = id_lock(j->sandbox_id);
    struct id_lock *sl = id_lock(j->snap_id);
    int r = rt_snapshot(j->sandbox_id, j->snap_id, err);
    if (r == 0) {
        store_snap_set_state(j->snap_id, "Ready", "snapshot_ready", "snapshot is ready");
        log_info("snapshot %s of sandbox %s is ready", j->snap_id, j->sandbox_id);
    } else {
        char msg[MESSAGE_MAX];
        snprintf(msg, sizeof(msg), "cannot capture the sandbox: %s", err[0] ? err : strerror(-r));
        store_snap_set_state(j->snap_id, "Failed", "snapshot_capture_failed", msg);
        log_warn("snapshot %s of sandbox %s failed: %s", j->snap_id, j->sandbox_id, msg);
    }
    id_unlock(sl);
    id_unlock(l);
    free(j);
    return NULL;
}

static int start_worker(const char *sandbox_id, const char *snap_id)
{
    struct snap_job *j = calloc(1, sizeof(*j));
    pthread_t th;
    int r;
    if (!j) return -ENOMEM;
    snprintf(j->sandbox_id, sizeof(j->sandbox_id), "%s", sandbox_id);
    snprintf(j->snap_id, sizeof(j->snap_id), "%s", snap_id);
    r = pthread_create(&th, NULL, snapshot_worker, j);
    if (r) {
        free(j);
        return -r;
    }
    pthread_detach(th);
    return 0;
}

static int new_snap_record(const struct sbx_rec *src, const char *name, struct snap_rec *snap,
                           struct api_err *e)
{
    memset(snap, 0, sizeof(*snap));
    if (uuid4(snap->id)) return api_fail(e, 500, E_GENERAL, "cannot get random bytes");
    snprintf(snap->sandbox_id, sizeof(snap->sandbox_id), "%s", src->id);
    snap->name = name ? strdup(name) : NULL;
    snprintf(snap->state, sizeof(snap->state), "Creating");
    snprintf(snap->reason, sizeof(snap->reason), "snapshot_accepted");
    snprintf(snap->message, sizeof(snap->message), "capturing the sandbox's filesystem");
    snap->created_ms = snap->transition_ms = now_ms();
    snap->image = src->image ? strdup(src->image) : NULL;
    snap->entrypoint = json_deep_copy(src->entrypoint);
    return 0;
}

int lc_snapshot(const char *id, const char *name, struct snap_rec *ret, struct api_err *e)
{
    struct sbx_rec src = {0};
    struct id_lock *l = id_lock(id);
    int r = -1;
    memset(ret, 0, sizeof(*ret));
    if (store_sbx_get(id, &src))
        api_fail(e, 404, E_NOT_FOUND, "sandbox '%.100s' not found", id);
    else if (strcmp(src.state, "Running"))
        api_fail(e, 409, E_SNAP_SOURCE_STATE, "sandbox '%.100s' is %s; a snapshot needs it Running",
                 id, src.state);
    else if (new_snap_record(&src, name, ret, e) == 0) {
        if (store_snap_insert(ret))
            api_fail(e, 500, E_GENERAL, "cannot store the snapshot record");
        else
            r = 0;
    }
    sbx_rec_free(&src);
    id_unlock(l);
    if (r == 0 && start_worker(id, ret->id) != 0) {
        store_snap_set_state(ret->id, "Failed", "snapshot_capture_failed", "cannot start thread");
        r = api_fail(e, 500, E_GENERAL, "cannot start the snapshot");
    }
    if (r) snap_rec_free(ret);
    return r;
}

int lc_snapshot_delete(const char *snap_id, struct api_err *e)
{
    char err[RT_ERR_MAX] = "";
    struct snap_rec snap;
    struct id_lock *l = id_lock(snap_id);
    int r = -1;
    if (store_snap_get(snap_id, &snap)) {
        api_fail(e, 404, E_SNAP_NOT_FOUND, "snapshot '%.100s' not found", snap_id);
        id_unlock(l);
        return -1;
    }
    if (!strcmp(snap.state, "Creating"))
        api_fail(e, 409, E_SNAP_DELETE_CONFLICT, "snapshot '%.100s' is still being created",
                 snap_id);
    else if ((r = rt_snapshot_delete(snap_id, err)) != 0)
        r = api_fail(e, 500, E_GENERAL, "cannot delete the snapshot: %s",
                     err[0] ? err : strerror(-r));
    else
        r = store_snap_delete(snap_id) ? api_fail(e, 500, E_GENERAL, "cannot delete the record")
                                       : 0;
    snap_rec_free(&snap);
    id_unlock(l);
    if (r == 0) log_info("snapshot %s deleted", snap_id);
    return r;
}
