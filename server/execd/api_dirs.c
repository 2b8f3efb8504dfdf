/* Routes under /directories: list (depth), create (mkdir -p + perms), delete (rm -rf). */
#include "api.h"
#include "fsutil.h"
#include "textbuf.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_MAX 200000

int perms_map(struct conn *c, json_t *j, bool mkdirs);

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A listing being written: "[" before the first entry, "," before the others. */
struct listing {
    struct textbuf b;
    size_t n;
};

static void list_add(struct listing *l, const char *path, const struct stat *st)
{
    tb_putc(&l->b, l->n++ ? ',' : '[');
    fileinfo_put(&l->b, path, st);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The names in dir but "." and "..", sorted: 0, -ENOMEM (nothing returned), or -errno of
 * opendir. */
static int read_names(const char *dir, char ***ret, size_t *ret_n)
{
    DIR *d = opendir(dir);
    if (!d) return -errno;
    size_t n = 0, cap = 64;
    char **names = malloc(cap * sizeof(char *));
    int r = names ? 0 : -ENOMEM;
    for (struct dirent *e; r == 0 && (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (n == cap) {
            char **more = realloc(names, 2 * cap * sizeof(char *));
            if (!more) {
                r = -ENOMEM;
                break;
            }
            names = more;
            cap *= 2;
        }
        if (!(names[n] = strdup(e->d_name))) {
            r = -ENOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (r) {
        if (names) free_names(names, n);
        return r;
    }
    qsort(names, n, sizeof(char *), cmp_str);
    *ret = names;
    *ret_n = n;
    return 0;
}

/* Appends the children of dir (sorted), each followed by its own children down to depth. A
 * directory that cannot be opened adds nothing; no memory fails the whole listing (no listing
 * rather than part of one). */
static void list_dir(const char *dir, int depth, struct listing *out)
{
    char **names = NULL;
    size_t n = 0;
    int r = read_names(dir, &names, &n);
    if (r == -ENOMEM) out->b.err = r;
    if (r) return;
    for (size_t i = 0; i < n && !out->b.err; i++) {
        char path[PATH_BUF];
        struct stat st;
        int len = snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") ? dir : "", names[i]);
        if (len < (int)sizeof(path) && out->n < LIST_MAX && lstat(path, &st) == 0) {
            list_add(out, path, &st);
            if (S_ISDIR(st.st_mode) && depth > 1) list_dir(path, depth - 1, out);
        }
    }
    free_names(names, n);
}

int api_dirs_list(struct conn *c, const struct route_args *a)
{
    char raw[PATH_BUF], abs[PATH_BUF];
    int r = http_query_get(c->req.query, "path", raw, sizeof(raw));
    if (r == -ENOENT || (r == 0 && !*raw))
        return respond_error(c, 400, "MISSING_QUERY", "missing query parameter 'path'");
    if (r < 0 || (r = resolve_path(raw, abs, sizeof(abs))) < 0)
        return respond_error(c, 400, "INVALID_REQUEST_BODY", "invalid path");
    int64_t depth;
    if (query_int64(c, "depth", 1, &depth) < 0 || depth < 0)
        return respond_error(c, 400, "INVALID_PARAMETER", "depth must be a non-negative integer");
    if (depth > 64) depth = 64;
    struct stat st;
    if (lstat(abs, &st) < 0) return respond_errno(c, -errno, "cannot list", raw);
    if (!S_ISDIR(st.st_mode))
        return respond_error(c, 400, "INVALID_REQUEST_BODY", "path is not a directory: %s", raw);
    struct listing out = {0};
    if (depth > 0) list_dir(abs, (int)depth, &out);
    tb_puts(&out.b, out.n ? "]" : "[]");
    return respond_text_json(c, 200, &out.b, "cannot list", raw);
}

int api_dirs_create(struct conn *c, const struct route_args *a)
{
    json_t *j = read_json_body(c, false);
    if (!j) return 0;
    int r = perms_map(c, j, true);
    json_decref(j);
    return r;
}

int api_dirs_delete(struct conn *c, const struct route_args *a)
{
    char raw[PATH_BUF], abs[PATH_BUF];
    int any = 0;
    for (int i = 0;; i++) {
        int r = http_query_get_nth(c->req.query, "path", i, raw, sizeof(raw));
        if (r == -ENOENT) break;
        if (r < 0 || !*raw || resolve_path(raw, abs, sizeof(abs)) < 0)
            return respond_error(c, 400, "INVALID_REQUEST_BODY", "invalid path");
        if (!strcmp(abs, "/"))
            return respond_error(c, 400, "INVALID_REQUEST_BODY", "refusing to delete '/'");
        if ((r = remove_tree(abs)) < 0) return respond_errno(c, r, "cannot delete", raw);
        any = 1;
    }
    if (!any) return respond_error(c, 400, "MISSING_QUERY", "missing query parameter 'path'");
    return respond_empty(c);
}
