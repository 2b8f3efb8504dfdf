/* Commands started through this mount, for servers whose execd cannot list commands (no
 * command-list extension, e.g. upstream's). Kept in CACHE_DIR/sandboxfs-registry/ID.commands, one
 * JSON object per line, so that a remount finds them again. */
#ifndef SFS_REGISTRY_H
#define SFS_REGISTRY_H
#include "sandboxfs.h"

#define REGISTRY_MAX 4096 /* commands remembered per sandbox */

int registry_add(struct sfs_sandbox *s, const char *id, const char *command);
/* The same shape as execd's /command/list (oldest first), statuses asked of execd for the
 * commands not known from s's cached list to have ended. */
int registry_list(struct sfs_sandbox *s, const struct sbx_execd *x, json_t **list);

#endif
