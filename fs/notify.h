/* Change notification. The kernel emits no inotify events for changes a FUSE daemon learns of by
 * itself, but it does for VFS operations on the mount. So one notifier thread performs such
 * operations on our own mount (utimensat → IN_ATTRIB, mkdir → IN_CREATE, rmdir → IN_DELETE),
 * and the operations recognise their own requests and only confirm them. Never from inside a
 * request handler: requests only queue work for the thread. */
#ifndef SFS_NOTIFY_H
#define SFS_NOTIFY_H
#include <stdbool.h>
#include "sandboxfs.h"

#define NOTIFY_POLL_SECONDS 2 /* how often the server's listing is compared for changes */

void notify_start(void);
void notify_stop(void);
/* Is the current FUSE request the notifier's own? */
bool notify_is_self(void);
/* A sandbox that just vanished, kept so the notifier's rmdir can find it. */
bool notify_is_ghost(const char *name);
/* A sandbox that just appeared: the notifier's lookup must miss it so that its mkdir reaches
 * us; notify_born() ends that once the mkdir arrived. */
bool notify_is_birth(const char *name);
void notify_born(const char *name);
/* Queues a utimensat on a mount path ("/box/status"). */
void notify_touch(const char *path);

#endif
