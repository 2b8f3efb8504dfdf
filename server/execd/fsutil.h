/* File helpers for the file routes: path resolution, owner names, FileInfo, glob, multipart. */
#ifndef EXECD_FSUTIL_H
#define EXECD_FSUTIL_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define PATH_BUF 4096

/* Literal path -> clean absolute path: no $VAR expansion; "~" and "~/x" use $HOME (or the
 * passwd home of execd's uid). -EINVAL for an empty path, -ENAMETOOLONG. */
int resolve_path(const char *in, char *out, size_t outsz);

/* Names from /etc/passwd and /etc/group (no NSS: execd is static). Numeric strings when
 * unknown. Lookups accept names or numbers; -ENOENT when unknown. */
void uid_name(uid_t uid, char *out, size_t outsz);
void gid_name(gid_t gid, char *out, size_t outsz);
int name_uid(const char *name, uid_t *ret);
int name_gid(const char *name, gid_t *ret);
int home_dir(char *out, size_t outsz);

/* FileInfo object of an lstat()ed path, with execd's extension fields, appended to b as JSON
 * text (every answer that carries FileInfo: listings, search, info, write-at, times). */
struct textbuf;
void fileinfo_put(struct textbuf *b, const char *abspath, const struct stat *st);

/* chown (to owner/group, or to execd's uid/gid when neither is given, as upstream), then
 * chmod when has_mode, so setuid/setgid bits survive. Negative errno; *ret_what names the
 * failed step. */
int apply_perms(const char *path, const char *owner, const char *group, bool has_mode, mode_t mode,
                const char **ret_what);

int mkdir_parents(const char *path, mode_t mode); /* mkdir -p of path itself */
int mkdir_parent_of(const char *path);            /* mkdir -p of dirname(path) */
int remove_tree(const char *path);                /* rm -rf; a missing path is fine */

/* Doublestar glob on one name: * ? [..] {a,b} and ** (same as * within a name). */
bool glob_match(const char *pattern, const char *name);

/* multipart/form-data */
struct mp_part {
    const char *name, *filename; /* NUL-terminated copies in the caller's strbuf */
    const char *data;            /* points into the body */
    size_t len;
};
/* Extracts the boundary from a Content-Type value. */
int multipart_boundary(const char *ctype, char *out, size_t outsz);
/* Splits body into at most max parts. strbuf holds names (strsz bytes). 0 or -EINVAL. */
int multipart_parse(const char *body, size_t len, const char *boundary, struct mp_part *parts,
                    int max, int *ret_n, char *strbuf, size_t strsz);

#endif
