/* The one place that waits for children: reaps every child (and, as init, every orphan),
 * dispatching exit statuses to commands (command.c) or to the entrypoint watcher. */
#ifndef EXECD_REAPER_H
#define EXECD_REAPER_H
#include <sys/types.h>

int reaper_start(void);
/* Held from fork() until the child's pid is registered, so the reaper never sees an
 * unknown pid of ours. reaper_spawned() wakes a reaper that had no children. */
void reaper_lock(void);
void reaper_unlock(void);
void reaper_spawned(void);
/* The entrypoint: its wait status is written (as an int) to notify_fd when it exits. */
void reaper_set_entrypoint(pid_t pid, int notify_fd);

#endif
