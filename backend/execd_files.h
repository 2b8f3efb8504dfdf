/* Client for execd's file API (upstream routes plus our extensions, docs/files.md).
 * Every function returns 0 (or a byte count) or a negative errno; ret_ parameters are untouched
 * on failure. Paths are absolute paths inside the sandbox, taken literally. */
#ifndef SBX_EXECD_FILES_H
#define SBX_EXECD_FILES_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include "execd.h"

#define SBX_NAME_MAX 255    /* one path component */
#define SBX_PATH_MAX 4096   /* a whole path, and a symlink target */
#define SBX_OWNER_MAX 64    /* owner / group name as execd reports it */
#define SBX_LIST_MAX 200000 /* entries of one directory listing */

/* One FileInfo object. link is "" unless the server sent link_target (extension). */
struct sbx_fileinfo {
    struct stat st;
    char owner[SBX_OWNER_MAX];
    char group[SBX_OWNER_MAX];
    char link[SBX_PATH_MAX];
};

/* A directory listing: n entries, names (no '/') and their attributes. */
struct sbx_dirent {
    char *name;
    struct stat st;
};
struct sbx_dirlist {
    struct sbx_dirent *e;
    size_t n;
};
void sbx_dirlist_free(struct sbx_dirlist *l);

/* --- pure parsers (backend/execd_fileinfo.c; no I/O, fuzzable) --- */
struct json_t;
/* FileInfo JSON object → info. -EINVAL when a required field is missing or malformed. */
int sbx_fileinfo_from_json(const struct json_t *obj, struct sbx_fileinfo *ret);
/* Same, from text (one JSON object). */
int sbx_fileinfo_parse(const char *text, size_t len, struct sbx_fileinfo *ret);
/* "/directories/list" answer (JSON array) → entries named by their path's last component. */
int sbx_dirlist_parse(const char *text, size_t len, struct sbx_dirlist *ret);
/* Upstream's mode encoding: octal digits written as a decimal number (4755 → 04755). */
int sbx_mode_from_digits(long long digits, mode_t *ret);
long long sbx_mode_to_digits(mode_t mode);
/* RFC 3339 time with optional fraction and zone → timespec. */
int sbx_time_parse(const char *s, struct timespec *ret);

/* --- the file API --- */
int sbx_files_info(const struct sbx_execd *x, const char *path, struct sbx_fileinfo *ret);
int sbx_files_list(const struct sbx_execd *x, const char *path, struct sbx_dirlist *ret);
/* Ranged download of [off, off+size) into buf; returns the bytes read (short at EOF). */
ssize_t sbx_files_read(const struct sbx_execd *x, const char *path, char *buf, size_t size,
                       off_t off);
/* Whole download into fd (from its current offset); returns the bytes written. */
ssize_t sbx_files_download_fd(const struct sbx_execd *x, const char *path, int fd);
/* Extension write-at: len bytes at off; truncate also sets the size to off+len. When info is
 * given, it gets the file's attributes after the write if the server answered with them (our
 * execd does), else its st.st_mode is 0. */
int sbx_files_write_at(const struct sbx_execd *x, const char *path, const char *buf, size_t len,
                       off_t off, bool truncate, struct sbx_fileinfo *info);
/* Whole-file upload (multipart): len bytes of fd from offset 0 become the file's content.
 * mode 0 leaves the server's default; owner/group NULL or "" let execd choose. The multipart
 * body is assembled in an unnamed temporary file in tmpdir. */
int sbx_files_upload_fd(const struct sbx_execd *x, const char *path, int fd, off_t len, mode_t mode,
                        const char *owner, const char *group, const char *tmpdir);
int sbx_files_delete(const struct sbx_execd *x, const char *path);
int sbx_files_mkdir(const struct sbx_execd *x, const char *path, mode_t mode);
int sbx_files_rmdir(const struct sbx_execd *x, const char *path);
int sbx_files_mv(const struct sbx_execd *x, const char *from, const char *to, bool overwrite);
/* POST /files/permissions: it always chowns, so owner and group must be the wanted ones. */
int sbx_files_perm(const struct sbx_execd *x, const char *path, mode_t mode, const char *owner,
                   const char *group);
int sbx_files_truncate(const struct sbx_execd *x, const char *path, off_t size);
int sbx_files_symlink(const struct sbx_execd *x, const char *target, const char *path);
/* Extension times: utimensat(AT_SYMLINK_NOFOLLOW) of path (UTIME_NOW and UTIME_OMIT too);
 * info as for sbx_files_write_at. */
int sbx_files_times(const struct sbx_execd *x, const char *path, const struct timespec tv[2],
                    struct sbx_fileinfo *info);

/* --- helpers run as commands (backend/execd_files_cmd.c) --- */
/* Runs a foreground shell command (POST /command); its stdout (lines joined by '\n', capped at
 * cap-1 bytes, NUL-terminated) goes to out. Returns the exit status (>= 0) or a negative errno. */
int sbx_files_sh(const struct sbx_execd *x, const char *cmd, char *out, size_t cap);
/* Single-quotes s for sh into dst; -ENAMETOOLONG if it does not fit. */
int sbx_sh_quote(char *dst, size_t cap, const char *s);
/* statvfs of path's filesystem, from `stat -f` in the sandbox. */
int sbx_files_statfs(const struct sbx_execd *x, const char *path, struct statvfs *ret);
/* Sets atime (tv[0]) / mtime (tv[1]) of path itself, UTIME_NOW and UTIME_OMIT honoured: with the
 * times extension (info as for sbx_files_write_at), else with touch -h as a command. */
int sbx_files_utimens(const struct sbx_execd *x, const char *path, const struct timespec tv[2],
                      struct sbx_fileinfo *info);
/* Fallbacks for servers without the extensions. */
/* Runs argv (each word shell-quoted); 0 on exit 0, else the errno its stderr suggests. */
int sbx_files_sh_argv(const struct sbx_execd *x, const char *const *argv);

#endif
