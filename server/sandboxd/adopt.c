/* Restart adoption: make the records and the host agree after sandboxd was killed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle.h"
#include "locks.h"
#include "log.h"
#include "runtime.h"
#include "util.h"

/* Implemented in lifecycle.c; exposed here only. */
void lc_adopt_one(struct sbx_rec *rec);

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
        lc_adopt_one(&v[i]);
    sbx_rec_free_all(v, n);
    if (rt_list(forget_orphan, NULL, err)) log_warn("cannot list the runtime's sandboxes: %s", err);
    fail_interrupted_snapshots();
}
