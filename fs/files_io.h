/* files/ open-file handles: ranged reads with a per-handle read-ahead window, buffered writes
 * (contiguous runs sent with write-at, or a temporary copy uploaded whole without it).
 * files.h declares the FUSE-facing functions; this header what files.c and main.c need more. */
#ifndef SFS_FILES_IO_H
#define SFS_FILES_IO_H
#include <sys/types.h>
#include "files.h"

#define FILES_RA_MIN (128u << 10) /* first read-ahead window */
#define FILES_RA_MAX (8u << 20)   /* largest window (doubles on sequential reads) */
#define FILES_RUN_MAX (8u << 20)  /* largest buffered write run per handle */

/* Where fallback copies live (unnamed O_TMPFILE files); default $TMPDIR or /tmp. The string is
 * copied. Call at startup (e.g. with the cache_dir option). */
void files_set_spool_dir(const char *dir);
const char *files_spool_dir(void);

/* Largest size an open handle of (sb, path) has buffered but not sent yet; 0 if none. getattr
 * reports at least this, so the kernel never shrinks a file that is being written. */
off_t files_io_pending_size(const char *sb, const char *path);
/* Some file of sandbox sb is open for writing (its sizes may need files_io_pending_size). */
bool files_io_writing(const char *sb);
/* Sends what open handles of (sb, path) buffered (before utimens and the like). */
int files_io_flush_path(const char *sb, const char *path);
/* Open handles follow a rename of from (a file, or a directory and everything below it). */
void files_io_renamed(const char *sb, const char *from, const char *to);
/* Truncates on the server: truncate extension, else write-at, else `truncate -s` as a command. */
int files_io_truncate_remote(const struct sbx_execd *x, const char *path, off_t size);
/* ftruncate through an open handle (files_truncate with fi). */
int files_io_truncate_handle(struct fuse_file_info *fi, off_t size);
/* chmod: POST /files/permissions (owner/group kept as given), or `chmod 0` for mode 0, which
 * the API reads as "no change". */
int files_set_mode(const struct sbx_execd *x, const char *path, mode_t mode, const char *owner,
                   const char *group);
#endif
