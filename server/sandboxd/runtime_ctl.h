/* rtctl internals (runtime_ctl*.c): helpers beyond the plain runtime.h calls. */
#ifndef SANDBOXD_RUNTIME_CTL_H
#define SANDBOXD_RUNTIME_CTL_H
#include "runtime.h"

extern const char *ctl_runtime; /* --runtime: "native" or "docker" */

void ctl_print_info(const char *id, const struct rt_info *in);
/* rt_create; with wait, also waits until execd answers GET /ping and sets *ms to the time from
 * the call to that answer. */
int ctl_create(const struct rt_spec *s, struct rt_info *info, bool wait, double *ms, char *err);
int ctl_import(const char *name, const char *source, char *err);
int ctl_remove_image(const char *name, char *err);
int ctl_print_cgroup(const char *id, char *err);
int ctl_bench(int argc, char **argv);
int ctl_stress(int argc, char **argv);
#endif
