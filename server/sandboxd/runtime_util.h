/* Small helpers of the native runtime: error messages, files, trees. All return 0 or -errno. */
#ifndef SANDBOXD_RUNTIME_UTIL_H
#define SANDBOXD_RUNTIME_UTIL_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Writes a message into err (RT_ERR_MAX) and returns ret (a negative errno), so that
 * `return rt_fail(err, -errno, "mkdir '%s': %m", p);` is one line. err may be NULL. */
__attribute__((format(printf, 3, 4))) int rt_fail(char *err, int ret, const char *fmt, ...);

/* snprintf into a PATH_MAX buffer; -ENAMETOOLONG when it does not fit. */
__attribute__((format(printf, 2, 3))) int rt_path(char *out, const char *fmt, ...);

int rt_mkdir_p(const char *path, mode_t mode);
/* Writes data to path atomically (path.tmp + rename), mode 0600. */
int rt_write_file(const char *path, const char *data, size_t len);
/* Reads at most cap-1 bytes of path into buf, NUL-terminated; returns the length or -errno. */
ssize_t rt_read_file(const char *path, char *buf, size_t cap);
/* Removes a tree without crossing mount points (a mount below path gives -EBUSY). Absent = 0. */
int rt_rm_rf(const char *path);
bool rt_exists(const char *path);
/* Unmounts path if it is a mount point (lazily if busy); not mounted = 0. */
int rt_umount(const char *path);
/* An id is [a-z0-9-_.], 1..RT_ID_MAX-1 bytes, not starting with '.'. */
bool rt_id_valid(const char *id);
#endif
