/* Sandbox lifecycle: the operations behind the API and the expiry timer, each serialised per
 * sandbox id (one runtime call at a time per id, as runtime.h requires), with the record in
 * the store updated after the runtime call succeeded.
 *
 * States: Pending (created, waiting for execd's /ping) -> Running <-> Paused; Failed or
 * Terminated (with a reason) when the sandbox died or never became ready. Delete and expiry
 * remove the sandbox and its record. All functions return 0 or -1 with e filled. */
#ifndef SANDBOXD_LIFECYCLE_H
#define SANDBOXD_LIFECYCLE_H
#include <stdbool.h>
#include <stdint.h>

#include "apierr.h"
#include "config.h"
#include "store.h"
#include "validate.h"

void lc_init(const struct sd_config *cfg);

/* Creates the sandbox (runtime create is synchronous, readiness is not): ret is Pending. */
int lc_create(const struct create_req *req, struct sbx_rec *ret, struct api_err *e);
int lc_delete(const char *id, struct api_err *e);
/* Reads a record; refresh asks the runtime whether a Running/Paused sandbox still lives. */
int lc_get(const char *id, bool refresh, struct sbx_rec *ret, struct api_err *e);
/* Refreshes the Running/Paused records of a list with the runtime (skipping ids that an
 * operation holds), so that a list shows sandboxes that died as Failed/Terminated. */
void lc_refresh_all(struct sbx_rec *v, size_t n);
/* Waits (up to the ready timeout) until the sandbox left Pending, then reads it. */
int lc_wait_ready(const char *id, struct sbx_rec *ret, struct api_err *e);
int lc_pause(const char *id, struct api_err *e);
int lc_resume(const char *id, struct api_err *e);
int lc_patch_metadata(const char *id, const json_t *patch, struct sbx_rec *ret, struct api_err *e);
int lc_renew(const char *id, int64_t expires_ms, struct api_err *e);
int lc_snapshot(const char *id, const char *name, struct snap_rec *ret, struct api_err *e);
int lc_snapshot_delete(const char *snap_id, struct api_err *e);

/* Expiry: deletes the sandbox if its deadline passed (a renew may have moved it). 0 if done or
 * not due, -errno when the runtime failed. */
int lc_expire(const char *id);

/* After a restart: re-adopts running sandboxes, cleans up expired ones and orphans, marks dead
 * ones Failed/Terminated, restarts readiness checks of Pending ones. */
void lc_adopt_all(void);
#endif
