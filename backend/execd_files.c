/* execd file API client: info, list, ranged read, write-at, upload, delete, mkdir, rmdir, mv,
 * permissions, truncate, symlink. JSON bodies are built with jansson (correct escaping). */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "execd_files.h"

#define URL_MAX (SBX_PATH_MAX * 3 + 512)

/* The files boundary's one mapping: HTTP status plus the error text that execd (upstream: Go's
 * error strings, which carry strerror) puts in the body → negative errno. */
static int files_errno(int status, const struct sbx_buf *body)
{
    static const struct {
        const char *text;
        int err;
    } texts[] = {
        {"no such file", ENOENT},
        {"not found", ENOENT},
        {"file exists", EEXIST},
        {"already exists", EEXIST},
        {"permission denied", EACCES},
        {"operation not permitted", EPERM},
        {"not a directory", ENOTDIR},
        {"is a directory", EISDIR},
        {"directory not empty", ENOTEMPTY},
        {"no space left", ENOSPC},
        {"read-only file system", EROFS},
        {"file name too long", ENAMETOOLONG},
        {"invalid cross-device", EXDEV},
        {"too many levels of symbolic", ELOOP},
        {"disk quota", EDQUOT},
    };
    if (status < 0 || (status >= 200 && status < 300)) return status < 0 ? status : 0;
    if (status == 404) return -ENOENT;
    for (size_t i = 0; body && body->data && i < sizeof texts / sizeof texts[0]; i++)
        if (strcasestr(body->data, texts[i].text)) return -texts[i].err;
    return sbx_http_errno(status);
}

static int call(const struct sbx_execd *x, const char *method, const char *url, const char *hdr,
                const char *body, size_t blen, struct sbx_buf *out)
{
    struct sbx_req req = {
        .method = method, .url = url, .body = body, .body_len = blen, .body_fd = -1};
    struct sbx_buf tmp = {0};
    int st;
    sbx_execd_headers(x, &req, hdr);
    st = sbx_http(&req, out ? out : &tmp, NULL);
    if (!out) {
        int r = files_errno(st, &tmp);
        sbx_buf_free(&tmp);
        return r;
    }
    return st;
}

/* call(), keeping no body: 0 or a negative errno. */
static int call_simple(const struct sbx_execd *x, const char *method, const char *url,
                       const char *hdr, const char *body, size_t blen)
{
    return call(x, method, url, hdr, body, blen, NULL);
}

/* The FileInfo of path in an answer keyed by the paths as asked ({"<path>": FileInfo}, as
 * /files/info and our execd's answers to changes are): 0, or -EINVAL with ret untouched. */
static int answer_info(const struct sbx_buf *out, const char *path, struct sbx_fileinfo *ret)
{
    json_t *doc = json_loadb(out->data, out->len, 0, NULL);
    int r = sbx_fileinfo_from_json(json_object_get(doc, path), ret);
    json_decref(doc);
    return r;
}

/* call() for a change that our execd answers with the path's FileInfo ({"<path>": FileInfo}):
 * fills info when given and the answer has it; else info->st.st_mode is 0. */
static int call_info(const struct sbx_execd *x, const char *method, const char *url,
                     const char *hdr, const char *body, size_t blen, const char *path,
                     struct sbx_fileinfo *info)
{
    struct sbx_buf out = {0};
    int r;
    if (info) info->st.st_mode = 0;
    r = files_errno(call(x, method, url, hdr, body, blen, &out), &out);
    if (r == 0 && info && out.len && answer_info(&out, path, info)) info->st.st_mode = 0;
    sbx_buf_free(&out);
    return r;
}

static int url_path(const struct sbx_execd *x, char *url, const char *route, const char *path,
                    const char *extra)
{
    char enc[SBX_PATH_MAX * 3 + 1];
    int r = sbx_urlenc(enc, sizeof enc, path);
    if (r) return r;
    return sbx_execd_url(x, url, URL_MAX, "%s?path=%s%s", route, enc, extra ? extra : "");
}

/* POSTs a JSON document (consumed); info (may be NULL) as in call_info for path. */
static int post_json_info(const struct sbx_execd *x, const char *route, json_t *doc,
                          const char *path, struct sbx_fileinfo *info)
{
    char url[URL_MAX];
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    int r = text ? sbx_execd_url(x, url, sizeof url, "%s", route) : -ENOMEM;
    if (r == 0)
        r = call_info(x, "POST", url, "Content-Type: application/json", text, strlen(text), path,
                      info);
    free(text);
    json_decref(doc);
    return r;
}

static int post_json(const struct sbx_execd *x, const char *route, json_t *doc)
{
    return post_json_info(x, route, doc, NULL, NULL);
}

int sbx_files_info(const struct sbx_execd *x, const char *path, struct sbx_fileinfo *ret)
{
    char url[URL_MAX];
    struct sbx_buf out = {0};
    int r = url_path(x, url, "/files/info", path, NULL);
    if (r) return r;
    r = files_errno(call(x, "GET", url, NULL, NULL, 0, &out), &out);
    if (r == 0) r = answer_info(&out, path, ret);
    sbx_buf_free(&out);
    return r;
}

int sbx_files_list(const struct sbx_execd *x, const char *path, struct sbx_dirlist *ret)
{
    char url[URL_MAX];
    struct sbx_buf out = {0};
    int r = url_path(x, url, "/directories/list", path, "&depth=1");
    if (r) return r;
    r = call(x, "GET", url, NULL, NULL, 0, &out);
    /* upstream: a root that is not a directory (or is a symlink) gives 400 */
    r = r == 400 ? -ENOTDIR : files_errno(r, &out);
    if (r == 0) r = sbx_dirlist_parse(out.data ? out.data : "", out.len, ret);
    sbx_buf_free(&out);
    return r;
}

/* Ranged read: bytes go straight into the caller's buffer. A server that ignores Range (200)
 * sends the whole file: skip to off. */
struct range_sink {
    char *buf;
    size_t size, got;
    uint64_t skip;
    long status;
};

static int range_head(long status, const struct sbx_resp_meta *m, void *arg)
{
    struct range_sink *s = arg;
    s->status = status;
    if (status != 200) s->skip = 0;
    return 0;
}

static int range_data(const char *p, size_t n, void *arg)
{
    struct range_sink *s = arg;
    size_t k;
    if (s->status != 200 && s->status != 206)
        return 0; /* error body: ignored, the status says enough */
    if (s->skip) {
        k = n < s->skip ? n : (size_t)s->skip;
        s->skip -= k;
        p += k;
        n -= k;
    }
    k = n < s->size - s->got ? n : s->size - s->got;
    memcpy(s->buf + s->got, p, k);
    s->got += k;
    return s->got == s->size && s->status == 200; /* whole file sent: stop once we have ours */
}

ssize_t sbx_files_read(const struct sbx_execd *x, const char *path, char *buf, size_t size,
                       off_t off)
{
    char url[URL_MAX], range[80];
    struct range_sink s = {.buf = buf, .size = size, .skip = (uint64_t)off};
    struct sbx_req req = {
        .url = url, .body_fd = -1, .on_head = range_head, .on_data = range_data, .arg = &s};
    int r;
    if (size == 0) return 0;
    r = url_path(x, url, "/files/download", path, NULL);
    if (r) return r;
    snprintf(range, sizeof range, "Range: bytes=%jd-%jd", (intmax_t)off,
             (intmax_t)off + (intmax_t)size - 1);
    sbx_execd_headers(x, &req, range);
    r = sbx_http(&req, NULL, NULL);
    if (r == -ECANCELED && s.status == 200) return (ssize_t)s.got;
    if (r == 416) return 0; /* starts at or past the end */
    r = files_errno(r, NULL);
    return r ? r : (ssize_t)s.got;
}

struct fd_sink {
    int fd;
    long status;
    ssize_t got;
    int err;
};

static int fd_head(long status, const struct sbx_resp_meta *m, void *arg)
{
    ((struct fd_sink *)arg)->status = status;
    return 0;
}

static int fd_data(const char *p, size_t n, void *arg)
{
    struct fd_sink *s = arg;
    if (s->status != 200) return 0;
    while (n > 0) {
        ssize_t w = write(s->fd, p, n);
        if (w < 0) {
            s->err = -errno;
            return 1;
        }
        p += w;
        n -= (size_t)w;
        s->got += w;
    }
    return 0;
}

ssize_t sbx_files_download_fd(const struct sbx_execd *x, const char *path, int fd)
{
    char url[URL_MAX];
    struct fd_sink s = {.fd = fd};
    struct sbx_req req = {.url = url,
                          .body_fd = -1,
                          .on_head = fd_head,
                          .on_data = fd_data,
                          .arg = &s,
                          .timeout_ms = -1};
    int r = url_path(x, url, "/files/download", path, NULL);
    if (r) return r;
    sbx_execd_headers(x, &req, NULL);
    r = sbx_http(&req, NULL, NULL);
    if (s.err) return s.err;
    r = files_errno(r, NULL);
    return r ? r : s.got;
}

int sbx_files_write_at(const struct sbx_execd *x, const char *path, const char *buf, size_t len,
                       off_t off, bool truncate, struct sbx_fileinfo *info)
{
    char url[URL_MAX], extra[64];
    int r;
    if (!(x->ext & SBX_EXT_WRITE_AT)) return -EOPNOTSUPP;
    snprintf(extra, sizeof extra, "&offset=%jd%s", (intmax_t)off, truncate ? "&truncate=1" : "");
    r = url_path(x, url, "/files/write", path, extra);
    if (r) return r;
    return call_info(x, "PUT", url, "Content-Type: application/octet-stream", buf ? buf : "", len,
                     path, info);
}

int sbx_files_delete(const struct sbx_execd *x, const char *path)
{
    char url[URL_MAX];
    int r = url_path(x, url, "/files", path, NULL);
    return r ? r : call_simple(x, "DELETE", url, NULL, NULL, 0);
}

int sbx_files_rmdir(const struct sbx_execd *x, const char *path)
{
    char url[URL_MAX];
    struct sbx_dirlist l = {0};
    /* DELETE /directories is RemoveAll: refuse here unless the directory is empty */
    int r = sbx_files_list(x, path, &l);
    if (r == 0 && l.n > 0) r = -ENOTEMPTY;
    sbx_dirlist_free(&l);
    if (r == 0) r = url_path(x, url, "/directories", path, NULL);
    return r ? r : call_simple(x, "DELETE", url, NULL, NULL, 0);
}

int sbx_files_mkdir(const struct sbx_execd *x, const char *path, mode_t mode)
{
    json_t *doc = json_object(), *item = json_object();
    json_object_set_new(item, "mode", json_integer(sbx_mode_to_digits(mode)));
    json_object_set_new_nocheck(doc, path, item);
    return post_json(x, "/directories", doc);
}

int sbx_files_mv(const struct sbx_execd *x, const char *from, const char *to, bool overwrite)
{
    json_t *doc = json_array(), *item = json_object();
    json_object_set_new(item, "src", json_string_nocheck(from));
    json_object_set_new(item, "dest", json_string_nocheck(to));
    if (overwrite) json_object_set_new(item, "overwrite", json_true());
    json_array_append_new(doc, item);
    return post_json(x, "/files/mv", doc);
}

int sbx_files_perm(const struct sbx_execd *x, const char *path, mode_t mode, const char *owner,
                   const char *group)
{
    json_t *doc = json_object(), *item = json_object();
    json_object_set_new(item, "mode", json_integer(sbx_mode_to_digits(mode)));
    if (owner && *owner) json_object_set_new(item, "owner", json_string_nocheck(owner));
    if (group && *group) json_object_set_new(item, "group", json_string_nocheck(group));
    json_object_set_new_nocheck(doc, path, item);
    return post_json(x, "/files/permissions", doc);
}

int sbx_files_truncate(const struct sbx_execd *x, const char *path, off_t size)
{
    char url[URL_MAX], extra[48];
    int r;
    if (!(x->ext & SBX_EXT_TRUNCATE)) return -EOPNOTSUPP;
    snprintf(extra, sizeof extra, "&size=%jd", (intmax_t)size);
    r = url_path(x, url, "/files/truncate", path, extra);
    return r ? r : call_simple(x, "POST", url, NULL, "", 0);
}

int sbx_files_symlink(const struct sbx_execd *x, const char *target, const char *path)
{
    json_t *doc;
    if (!(x->ext & SBX_EXT_SYMLINK)) return -EOPNOTSUPP;
    doc = json_object();
    json_object_set_new(doc, "path", json_string_nocheck(path));
    json_object_set_new(doc, "target", json_string_nocheck(target));
    return post_json(x, "/files/symlink", doc);
}

static json_t *time_json(const struct timespec *ts)
{
    if (ts->tv_nsec == UTIME_NOW) return json_string("now");
    return json_integer((json_int_t)ts->tv_sec * 1000000000 + ts->tv_nsec);
}

int sbx_files_times(const struct sbx_execd *x, const char *path, const struct timespec tv[2],
                    struct sbx_fileinfo *info)
{
    json_t *doc;
    if (!(x->ext & SBX_EXT_TIMES)) return -EOPNOTSUPP;
    for (int i = 0; i < 2; i++) /* nanoseconds in 64 bits: years 1678..2262; else touch does it */
        if (tv[i].tv_nsec != UTIME_NOW && tv[i].tv_nsec != UTIME_OMIT &&
            (tv[i].tv_sec > 9000000000 || tv[i].tv_sec < -9000000000))
            return -EOPNOTSUPP;
    doc = json_object();
    json_object_set_new(doc, "path", json_string_nocheck(path));
    if (tv[0].tv_nsec != UTIME_OMIT) json_object_set_new(doc, "atime", time_json(&tv[0]));
    if (tv[1].tv_nsec != UTIME_OMIT) json_object_set_new(doc, "mtime", time_json(&tv[1]));
    return post_json_info(x, "/files/times", doc, path, info);
}
