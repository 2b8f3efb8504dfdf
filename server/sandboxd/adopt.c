/* Restart adoption: make the records and the host agree after sandboxd was killed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle.h"
#include "lifecycle_priv.h"
#include "locks.h"
#include "log.h"
#include "runtime.h"
#include "util.h"

/* Makes one record and the host agree. */
static void adopt_one(struct sbx_rec *rec)
{
    struct rt_info info = {0};
    char err[RT_ERR_MAX] = "";
    struct id_lock *l = id_lock(rec->id);
    int r;

    if (rec->expires_ms && rec->expires_ms <= now_ms()) {
        if (destroy_locked(rec->id, err) == 0)
            log_info("sandbox %s expired while sandboxd was down; deleted", rec->id);
        else
            log_err("sandbox %s expired but cannot be deleted: %s", rec->id, err);
        id_unlock(l);
        return;
    }
    if (!sbx_is_live(rec) && strcmp(rec->state, "Pending")) {
        id_unlock(l);
        return;
    }
    r = rt_inspect(rec->id, &info, err);
    if (r) {
        log_warn("sandbox %s: cannot inspect: %s", rec->id, err[0] ? err : strerror(-r));
        id_unlock(l);
        return;
    }
    if (!strcmp(rec->state, "Pending")) {
        if (info.state == RT_RUNNING) {
            if (info.execd_addr[0])
                snprintf(rec->execd_addr, sizeof(rec->execd_addr), "%s", info.execd_addr);
            store_sbx_set_addr(rec->id, rec->execd_addr);
            ready_start(rec->id, rec->execd_addr, rec->token);
        } else {
            store_sbx_set_state(rec->id, "Failed", "provision_interrupted",
                                "sandboxd stopped while the sandbox was being created");
            rt_delete(rec->id, err);
        }
    } else {
        reconcile_locked(rec, &info);
        log_info("sandbox %s adopted: %s", rec->id, rec->state);
    }
    id_unlock(l);
}

static int forget_orphan(const char *id, void *arg)
{
    struct sbx_rec rec;
    char err[RT_ERR_MAX] = "";
    (void)arg;
    if (store_sbx_get(id, &rec) == 0) {
        sbx_rec_free(&rec);
        return 0;
    }
    log_info("removing runtime sandbox %s that has no record", id);
    if (rt_delete(id, err)) log_warn("cannot remove orphan sandbox %s: %s", id, err);
    return 0;
}

static void fail_interrupted_snapshots(void)
{
    struct snap_rec *v;
    size_t n;
    char err[RT_ERR_MAX];
    if (store_snap_list(&v, &n)) return;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].state, "Creating")) continue;
        rt_snapshot_delete(v[i].id, err);
        store_snap_set_state(v[i].id, "Failed", "snapshot_interrupted",
                             "sandboxd stopped while the snapshot was being captured");
    }
    snap_rec_free_all(v, n);
}

void lc_adopt_all(void)
{
    struct sbx_rec *v;
    size_t n;
    char err[RT_ERR_MAX] = "";
    if (store_sbx_list(&v, &n)) return;
    for (size_t i = 0; i < n; i++)
        adopt_one(&v[i]);
    sbx_rec_free_all(v, n);
    if (rt_list(forget_orphan, NULL, err)) log_warn("cannot list the runtime's sandboxes: %s", err);
    fail_interrupted_snapshots();
}
