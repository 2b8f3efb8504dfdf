/* sessions/S: persistent shell sessions (execd's session API) and endpoints/PORT. */
#ifndef SFS_SESSIONS_H
#define SFS_SESSIONS_H
#include "nodes.h"

#define SESSION_KEY "sandboxfs-session." /* metadata key prefix remembering a session's id */
#define RUN_OUTPUT_MAX (64u << 20) /* a session run's output kept in memory; beyond it, dropped */

int session_getattr(struct sfs_sandbox *s, const struct node *n, struct stat *st);
int session_readdir(struct sfs_sandbox *s, const struct node *n, void *buf, fuse_fill_dir_t fill);
int session_mkdir(struct sfs_sandbox *s, const char *name);
int session_rmdir(struct sfs_sandbox *s, const char *name);
/* Runs text in session name; returns once the run started. */
int session_run(struct sfs_sandbox *s, const char *name, const char *text);
/* The latest run of a session (a reference), or NULL. */
struct sfs_run *session_last_run(struct sfs_sandbox *s, const char *name);
/* what: "cmd", "stdout" or "exit"; blocks like command streams. */
int run_read(struct sfs_run *r, const char *what, bool nonblock, char *buf, size_t size, off_t off);
void run_put(struct sfs_run *r);

/* endpoints/PORT: "URL\n", or a curl config (url + headers) for PORT.curl. */
int endpoint_text(struct sfs_sandbox *s, long port, bool curl, char **buf, size_t *len);

#endif
