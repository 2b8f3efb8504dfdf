/* Command watchers: every command started through the mount is watched until it ends, on a pool
 * of long-lived threads (each keeps its connections to execd open, so a watch costs one
 * status-wait request and no new thread or connection; with start-wait, not even that: the
 * start's own stream stays open and tells the end). When a command ends its watcher updates
 * the sandbox's command list, drops file caches and touches the exit files (inotify).
 *
 * Readers of a watched command's exit subscribe to its watch instead of asking execd again. */
#ifndef SFS_CMDWATCH_H
#define SFS_CMDWATCH_H
#include <stdbool.h>
#include "sandboxfs.h"

#define CMDWATCH_THREADS_MAX 128 /* past this, watches queue until a watcher is free */

struct cmdwatch;

/* Watches command id of sandbox s (just started); held (NULL, or its start's open stream, which
 * the watch takes) tells its end without another request. */
void cmdwatch_start(struct sfs_sandbox *s, const char *id, struct sbx_cmd_held *held);
/* The watch of command id (referenced), or NULL when no watcher is on it (yet, or any more). */
struct cmdwatch *cmdwatch_find(const char *id);
void cmdwatch_put(struct cmdwatch *w);
/* The kernel looked up a file of commands/num/ of command id: if it is watched, its end also
 * touches that directory's exit and status (so an inotify watch on them wakes), as it always
 * does the latest command's top-level exit and stdout. */
void cmdwatch_seen(const char *id, long num);
/* Waits for the end: 0 and the exit code (and, when final is non-NULL, execd's last status
 * record, owned by the caller); -EAGAIN when nonblock and still running; -EINTR when the FUSE
 * request was interrupted; or the error that ended the watch. */
int cmdwatch_wait(struct cmdwatch *w, bool nonblock, int *code, json_t **final);
/* At unmount: stops the watchers (an idle one within a second) and joins them. */
void cmdwatch_stop(void);

#endif
