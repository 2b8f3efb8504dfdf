/* Internals shared by lifecycle.c, ready.c and adopt.c. */
#ifndef SANDBOXD_LIFECYCLE_PRIV_H
#define SANDBOXD_LIFECYCLE_PRIV_H
#include <stdbool.h>

#include "config.h"
#include "runtime.h"
#include "store.h"

const struct sd_config *lc_config(void);

/* Starts the readiness check of a Pending sandbox (ready.c). */
void ready_start(const char *id, const char *addr, const char *token);

/* With the id lock held: removes the sandbox from the host, then its record. */
int destroy_locked(const char *id, char err[RT_ERR_MAX]);

/* With the id lock held: brings rec (and the store) in line with what the runtime reports;
 * a dead sandbox keeps its record but is removed from the host. */
void reconcile_locked(struct sbx_rec *rec, const struct rt_info *info);

/* Running or Paused. */
bool sbx_is_live(const struct sbx_rec *rec);
#endif
