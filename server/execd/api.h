/* Route handlers (one file per area: api_command.c, session.c, api_files.c, api_dirs.c,
 * metrics.c, proxy.c). */
#ifndef EXECD_API_H
#define EXECD_API_H
#include "execd.h"

int api_ping(struct conn *c, const struct route_args *a);
int api_pty_unsupported(struct conn *c, const struct route_args *a);

int api_command_run(struct conn *c, const struct route_args *a);
int api_command_interrupt(struct conn *c, const struct route_args *a);
int api_command_status(struct conn *c, const struct route_args *a);
int api_command_logs(struct conn *c, const struct route_args *a);
int api_command_list(struct conn *c, const struct route_args *a);
int api_command_raw(struct conn *c, const struct route_args *a);
int api_code_run(struct conn *c, const struct route_args *a);
int api_code_unsupported(struct conn *c, const struct route_args *a);
int api_code_interrupt(struct conn *c, const struct route_args *a);

int api_session_create(struct conn *c, const struct route_args *a);
int api_session_run(struct conn *c, const struct route_args *a);
int api_session_delete(struct conn *c, const struct route_args *a);
/* 0 when a session with this id existed and was deleted, else -ENOENT. */
int session_delete(const char *id);

int api_files_info(struct conn *c, const struct route_args *a);
int api_files_delete(struct conn *c, const struct route_args *a);
int api_files_mv(struct conn *c, const struct route_args *a);
int api_files_permissions(struct conn *c, const struct route_args *a);
int api_files_search(struct conn *c, const struct route_args *a);
int api_files_replace(struct conn *c, const struct route_args *a);
int api_files_upload(struct conn *c, const struct route_args *a);
int api_files_download(struct conn *c, const struct route_args *a);
/* 416 {"code":"UNKNOWN","message":message}, its Content-Range giving total as the size. */
int respond_unsatisfiable(struct conn *c, uint64_t total, const char *message);
/* Files whose size says nothing of their content (procfs, sysfs, ...: download_unsized.c). */
bool fd_unsized(int fd);
/* Answers a download of such a file (raw: the path as asked; extra: headers to add). */
int download_unsized(struct conn *c, int fd, const char *raw, const char *range, const char *extra);
int api_files_write(struct conn *c, const struct route_args *a);
int api_files_truncate(struct conn *c, const struct route_args *a);
int api_files_symlink(struct conn *c, const struct route_args *a);
int api_files_times(struct conn *c, const struct route_args *a);
int api_dirs_list(struct conn *c, const struct route_args *a);
int api_dirs_create(struct conn *c, const struct route_args *a);
int api_dirs_delete(struct conn *c, const struct route_args *a);

int api_metrics(struct conn *c, const struct route_args *a);
int api_metrics_watch(struct conn *c, const struct route_args *a);
int metrics_start(void);

int api_proxy(struct conn *c, const struct route_args *a);

#endif
