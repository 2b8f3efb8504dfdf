/* runc, as the native runtime uses it: one --root (STATE/runc) per state dir. */
#ifndef SANDBOXD_RUNTIME_RUNC_H
#define SANDBOXD_RUNTIME_RUNC_H
#include "runtime.h"

void runc_set_root(const char *root);
/* runc run -d: stdio of the container (and runc's own messages) go to log_fd; the host pid of
 * its init is written to pid_file. */
int runc_run(const char *id, const char *bundle, const char *pid_file, int log_fd, char *err);
/* The container's state: -ENOENT when runc does not know it. Read from runc's state.json
 * (runtime_runc_state.c), or with `runc state` when that file is not understood. */
int runc_state(const char *id, enum rt_state *ret_state, int *ret_pid, char *err);
int runc_state_fast(const char *id, enum rt_state *ret_state, int *ret_pid);
const char *runc_root_dir(void);
int runc_pause(const char *id, char *err);
int runc_resume(const char *id, char *err);
/* runc delete --force (kills every process of the container first); unknown id = 0. */
int runc_delete(const char *id, char *err);
/* Calls fn for each container id runc knows under the root. */
int runc_list(int (*fn)(const char *id, void *arg), void *arg, char *err);
#endif
