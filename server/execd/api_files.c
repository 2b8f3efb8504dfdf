/* Routes under /files: info, delete, mv, permissions, search, replace, download, and the
 * write-at / truncate / symlink / times extensions. Upload is in api_upload.c. */
#include "api.h"
#include "textbuf.h"
#include "fsutil.h"
#include "reqparse.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SEARCH_MAX 100000
#define REPLACE_MAX_FILE (256u << 20)

/* Gets the index-th "path" query value, resolved. 1 found, 0 absent, <0 answered. */
static int query_path(struct conn *c, const char *key, int index, char *raw, char *abs)
{
    int r = http_query_get_nth(c->req.query, key, index, raw, PATH_BUF);
    if (r == -ENOENT) return 0;
    if (r < 0 || !*raw) {
        respond_error(c, 400, "INVALID_REQUEST_BODY", "invalid query parameter '%s'", key);
        return -EINVAL;
    }
    r = resolve_path(raw, abs, PATH_BUF);
    if (r < 0) {
        respond_errno(c, r, "invalid path", raw);
        return r;
    }
    return 1;
}

/* The single required path parameter; <= 0 means answered. */
static int one_path(struct conn *c, char *raw, char *abs)
{
    int r = query_path(c, "path", 0, raw, abs);
    if (r == 0) respond_error(c, 400, "MISSING_QUERY", "missing query parameter 'path'");
    return r;
}

/* One member of an answer keyed by the paths as asked: "<raw>":FileInfo. */
static void put_info_member(struct textbuf *b, const char *raw, const char *abs,
                            const struct stat *st)
{
    tb_jstr(b, raw);
    tb_putc(b, ':');
    fileinfo_put(b, abs, st);
}

/* {"<path as asked>": FileInfo, ...}; a path asked twice is answered once (JSON keys are
 * unique: `seen` holds the ones written). */
int api_files_info(struct conn *c, const struct route_args *a)
{
    char raw[PATH_BUF] = "", abs[PATH_BUF];
    struct textbuf b = {0};
    json_t *seen = json_object();
    size_t n = 0;
    bool answered = false;
    int rc = 0;
    if (!seen) b.err = -ENOMEM;
    for (int i = 0; seen; i++) {
        struct stat st;
        int r = query_path(c, "path", i, raw, abs);
        answered = r < 0;
        if (r <= 0) break;
        if (json_object_get(seen, raw)) continue;
        if (lstat(abs, &st) < 0) {
            rc = respond_errno(c, -errno, "cannot stat", raw);
            answered = true;
            break;
        }
        json_object_set_new(seen, raw, json_true());
        tb_putc(&b, n++ ? ',' : '{');
        put_info_member(&b, raw, abs, &st);
    }
    json_decref(seen);
    if (answered) {
        tb_free(&b);
        return rc;
    }
    tb_puts(&b, n ? "}" : "{}");
    return respond_text_json(c, 200, &b, "cannot stat", raw);
}

int api_files_delete(struct conn *c, const struct route_args *a)
{
    char raw[PATH_BUF], abs[PATH_BUF];
    for (int i = 0;; i++) {
        int r = query_path(c, "path", i, raw, abs);
        if (r < 0) return 0;
        if (r == 0) break;
        struct stat st;
        if (lstat(abs, &st) == 0 && S_ISDIR(st.st_mode))
            return respond_error(c, 500, "RUNTIME_ERROR", "path is a directory: %s", raw);
        if (unlink(abs) < 0 && errno != ENOENT)
            return respond_errno(c, -errno, "cannot delete", raw);
    }
    return respond_empty(c);
}

static int mv_one(struct conn *c, const struct mv_req *m)
{
    char src[PATH_BUF], dst[PATH_BUF];
    int r = resolve_path(m->src, src, sizeof(src));
    if (r == 0) r = resolve_path(m->dest, dst, sizeof(dst));
    if (r < 0) return respond_errno(c, r, "invalid path", m->src), -1;
    struct stat st;
    if (lstat(src, &st) < 0) return respond_errno(c, -errno, "cannot move", m->src), -1;
    if (!m->overwrite && lstat(dst, &st) == 0)
        return respond_error(c, 500, "RUNTIME_ERROR", "destination already exists: %s", m->dest),
               -1;
    if ((r = mkdir_parent_of(dst)) < 0)
        return respond_errno(c, r, "cannot create parent of", m->dest), -1;
    if (rename(src, dst) < 0) return respond_errno(c, -errno, "cannot move", m->src), -1;
    return 0;
}

int api_files_mv(struct conn *c, const struct route_args *a)
{
    json_t *j = read_json_body(c, false);
    if (!j) return 0;
    const char *err = "body must be an array of {\"src\",\"dest\"}";
    struct mv_req m;
    size_t i;
    json_t *v;
    int bad = !json_is_array(j);
    if (!bad) json_array_foreach(j, i, v) bad = bad || mv_req_parse(v, &m, &err) < 0;
    if (bad) {
        json_decref(j);
        return respond_error(c, 400, "INVALID_REQUEST_BODY", "%s", err);
    }
    json_array_foreach(j, i, v)
    {
        mv_req_parse(v, &m, &err);
        if (mv_one(c, &m) < 0) {
            json_decref(j);
            return 0;
        }
    }
    json_decref(j);
    return respond_empty(c);
}

/* Shared by /files/permissions and /directories: {"<path>": {owner,group,mode}}. */
int perms_map(struct conn *c, json_t *j, bool mkdirs)
{
    const char *k, *err = "body must be an object of path -> {owner?, group?, mode?}";
    json_t *v;
    struct perm_req p;
    int bad = !json_is_object(j);
    if (!bad) json_object_foreach(j, k, v) bad = bad || perm_req_parse(v, &p, &err) < 0 || !*k;
    if (bad) return respond_error(c, 400, "INVALID_REQUEST_BODY", "%s", err);
    json_object_foreach(j, k, v)
    {
        char abs[PATH_BUF];
        const char *what = "invalid path";
        perm_req_parse(v, &p, &err);
        int r = resolve_path(k, abs, sizeof(abs));
        if (r == 0 && mkdirs) {
            what = "cannot create directory";
            r = mkdir_parents(abs, p.has_mode ? p.mode : 0755);
        }
        if (r == 0) r = apply_perms(abs, p.owner, p.group, p.has_mode, p.mode, &what);
        if (r < 0) return respond_errno(c, r, what, k);
    }
    return respond_empty(c);
}

int api_files_permissions(struct conn *c, const struct route_args *a)
{
    json_t *j = read_json_body(c, false);
    if (!j) return 0;
    int r = perms_map(c, j, false);
    json_decref(j);
    return r;
}

/* nftw has no user pointer: the search state is per thread. */
static __thread struct {
    const char *pattern;
    struct textbuf out;
    size_t n;
} search;

static int search_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    if (flag == FTW_D || flag == FTW_DNR || flag == FTW_DP) return 0;
    if (glob_match(search.pattern, p + f->base)) {
        tb_putc(&search.out, search.n ? ',' : '[');
        fileinfo_put(&search.out, p, st);
        if (++search.n >= SEARCH_MAX || search.out.err) return 1;
    }
    return 0;
}

int api_files_search(struct conn *c, const struct route_args *a)
{
    char raw[PATH_BUF], abs[PATH_BUF], pattern[1024];
    if (one_path(c, raw, abs) <= 0) return 0;
    int r = http_query_get(c->req.query, "pattern", pattern, sizeof(pattern));
    if (r == -ENOENT || (r == 0 && !*pattern))
        strcpy(pattern, "**");
    else if (r < 0)
        return respond_error(c, 400, "INVALID_REQUEST_BODY", "invalid pattern");
    struct stat st;
    if (lstat(abs, &st) < 0) return respond_errno(c, -errno, "cannot search", raw);
    search.pattern = pattern;
    search.out = (struct textbuf){0};
    search.n = 0;
    nftw(abs, search_one, 32, FTW_PHYS);
    tb_puts(&search.out, search.n ? "]" : "[]");
    return respond_text_json(c, 200, &search.out, "cannot search", raw);
}

/* Replaces every occurrence; returns the count or negative errno. */
static int64_t replace_in_file(const char *path, const struct replace_req *rq)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct stat st;
    int e = fstat(fd, &st) < 0                        ? errno
            : !S_ISREG(st.st_mode)                    ? EISDIR
            : (uint64_t)st.st_size > REPLACE_MAX_FILE ? EFBIG
                                                      : 0;
    if (e) {
        close(fd);
        return -e;
    }
    size_t len = (size_t)st.st_size;
    char *in = malloc(len + 1);
    ssize_t got = in ? pread(fd, in, len, 0) : -1;
    if (got != (ssize_t)len) {
        free(in);
        close(fd);
        return -EIO;
    }
    int64_t count = 0;
    for (const char *p = in; (p = memmem(p, len - (size_t)(p - in), rq->old_s, rq->old_len));
         p += rq->old_len)
        count++;
    if (count) {
        size_t olen = len + (size_t)count * rq->new_len - (size_t)count * rq->old_len, o = 0;
        char *out = malloc(olen + 1);
        const char *p = in, *end = in + len;
        for (const char *h; (h = memmem(p, (size_t)(end - p), rq->old_s, rq->old_len));
             p = h + rq->old_len) {
            memcpy(out + o, p, (size_t)(h - p));
            o += (size_t)(h - p);
            memcpy(out + o, rq->new_s, rq->new_len);
            o += rq->new_len;
        }
        memcpy(out + o, p, (size_t)(end - p));
        if (pwrite(fd, out, olen, 0) != (ssize_t)olen || ftruncate(fd, (off_t)olen) < 0)
            count = -EIO;
        free(out);
    }
    free(in);
    close(fd);
    return count;
}

int api_files_replace(struct conn *c, const struct route_args *a)
{
    json_t *j = read_json_body(c, false);
    if (!j) return 0;
    const char *k, *err = "body must be an object of path -> {old, new}";
    json_t *v, *res = json_object();
    struct replace_req rq;
    int bad = !json_is_object(j);
    if (!bad) json_object_foreach(j, k, v) bad = bad || replace_req_parse(v, &rq, &err) < 0;
    if (bad) {
        json_decref(j);
        json_decref(res);
        return respond_error(c, 400, "INVALID_REQUEST_BODY", "%s", err);
    }
    json_object_foreach(j, k, v)
    {
        char abs[PATH_BUF];
        replace_req_parse(v, &rq, &err);
        int64_t n = resolve_path(k, abs, sizeof(abs));
        if (n == 0) n = replace_in_file(abs, &rq);
        if (n < 0) {
            json_decref(j);
            json_decref(res);
            return respond_errno(c, (int)n, "cannot replace in", k);
        }
        json_object_set_new(res, k, json_pack("{s:I}", "replacedCount", (json_int_t)n));
    }
    json_decref(j);
    if (query_bool(c, "verbose")) return respond_json(c, 200, res);
    json_decref(res);
    return respond_empty(c);
}

static void content_disposition(const char *abs, char *out, size_t outsz)
{
    const char *base = strrchr(abs, '/');
    base = base ? base + 1 : abs;
    bool ascii = true;
    for (const char *p = base; *p; p++)
        ascii = ascii && (unsigned char)*p < 128 && *p != '"' && *p != '\\';
    if (ascii) {
        snprintf(out, outsz, "Content-Disposition: attachment; filename=\"%s\"\r\n", base);
        return;
    }
    char enc[256 * 3 + 1]; /* a name is at most 255 bytes */
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)base; *p && o + 4 < sizeof(enc); p++) {
        if (isalnum(*p) || strchr("-._~", *p))
            enc[o++] = (char)*p;
        else
            o += (size_t)snprintf(enc + o, 4, "%%%02X", *p);
    }
    enc[o] = 0;
    snprintf(out, outsz,
             "Content-Disposition: attachment; filename=\"%s\"; filename*=UTF-8''%s\r\n", enc, enc);
}

/* offset/limit: lines offset..offset+limit-1 (1-based), each with "\n", as text/plain. */
static int download_lines(struct conn *c, int fd, int64_t offset, int64_t limit)
{
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return respond_error(c, 500, "RUNTIME_ERROR", "cannot read file");
    }
    int r = conn_begin(c, 200, "text/plain", NULL, -1);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int64_t no = 0, sent = 0;
    while (r == 0 && sent < limit && (n = getline(&line, &cap, f)) >= 0) {
        if (++no < offset) continue;
        if (n > 0 && line[n - 1] == '\n') n--;
        line[n] = '\n';
        r = conn_write(c, line, (size_t)n + 1);
        sent++;
    }
    free(line);
    fclose(f);
    return r == 0 ? conn_end(c) : r;
}

int respond_unsatisfiable(struct conn *c, uint64_t total, const char *message)
{
    char extra[128];
    snprintf(extra, sizeof(extra), "Content-Range: bytes */%" PRIu64 "\r\n", total);
    json_t *e = json_pack("{s:s,s:s}", "code", "UNKNOWN", "message", message);
    char *s = json_dumps(e, JSON_COMPACT);
    json_decref(e);
    int r = s ? conn_respond(c, 416, "application/json; charset=utf-8", extra, s, strlen(s))
              : respond_errno(c, -ENOMEM, "cannot answer for", "a range");
    free(s);
    return r;
}

static int download_range(struct conn *c, int fd, const struct stat *st, const char *range,
                          const char *disp)
{
    uint64_t start, len, size = (uint64_t)st->st_size;
    int r = http_parse_range(range, size, &start, &len);
    if (r < 0)
        return respond_unsatisfiable(c, size, r == -ERANGE ? "range not satisfiable"
                                                           : "invalid Range header");
    char extra[PATH_BUF * 4];
    snprintf(extra, sizeof(extra),
             "%sContent-Range: bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64
             "\r\nAccept-Ranges: bytes\r\n",
             disp, start, start + len - 1, size);
    r = conn_begin(c, 206, "application/octet-stream", extra, (int64_t)len);
    return r ? r : conn_sendfile(c, fd, (off_t)start, len);
}

int api_files_download(struct conn *c, const struct route_args *a)
{
    char raw[PATH_BUF], abs[PATH_BUF];
    if (one_path(c, raw, abs) <= 0) return 0;
    int64_t offset, limit;
    if (query_int64(c, "offset", 0, &offset) < 0 || query_int64(c, "limit", 0, &limit) < 0 ||
        offset < 0 || limit < 0)
        return respond_error(c, 400, "INVALID_PARAMETER",
                             "offset and limit must be positive integers");
    int fd = open(abs, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return respond_errno(c, -errno, "cannot open", raw);
    struct stat st;
    if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
        close(fd);
        return respond_errno(c, -EISDIR, "cannot download", raw);
    }
    bool lines = offset || limit;
    if (lines && (offset < 1 || limit < 1)) {
        close(fd);
        return respond_error(c, 400, "INVALID_PARAMETER",
                             "offset (1-based) and limit must both be positive integers");
    }
    if (lines) return download_lines(c, fd, offset, limit);
    char disp[PATH_BUF * 3 + 128];
    content_disposition(abs, disp, sizeof(disp));
    const char *range = http_header_get(&c->req, "Range");
    int r;
    if (S_ISREG(st.st_mode) && fd_unsized(fd)) {
        strcat(disp, "Accept-Ranges: bytes\r\n");
        r = download_unsized(c, fd, raw, range, disp);
    } else if (range) {
        r = download_range(c, fd, &st, range, disp);
    } else {
        strcat(disp, "Accept-Ranges: bytes\r\n");
        r = conn_begin(c, 200, "application/octet-stream", disp, st.st_size);
        if (r == 0) r = conn_sendfile(c, fd, 0, (size_t)st.st_size);
    }
    close(fd);
    return r;
}

/* Streams the request body into fd at offset; returns bytes written or negative errno. */
int64_t body_to_fd(struct conn *c, int fd, uint64_t offset, uint64_t cap)
{
    char *buf = malloc(256 * 1024);
    uint64_t total = 0;
    int64_t ret = 0;
    while (buf) {
        ssize_t n = conn_body_read(c, buf, 256 * 1024);
        if (n < 0) {
            ret = -EIO;
            break;
        }
        if (n == 0) break;
        if (total + (uint64_t)n > cap) {
            ret = -EFBIG;
            break;
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t w = pwrite(fd, buf + done, (size_t)(n - done),
                               (off_t)(offset + total + (uint64_t)done));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) {
                ret = -errno;
                goto out;
            }
            done += w;
        }
        total += (uint64_t)n;
    }
out:
    free(buf);
    if (!buf) return -ENOMEM;
    return ret < 0 ? ret : (int64_t)total;
}

/* Our extensions answer a change with the path's attributes after it, as /files/info gives them
 * ({"<path as asked>": FileInfo}): a client needs no second request to learn them. A path gone
 * again by then gets an empty answer. */
static int respond_info(struct conn *c, const char *raw, const char *abs)
{
    struct stat st;
    struct textbuf b = {0};
    if (lstat(abs, &st) < 0) return respond_empty(c);
    tb_putc(&b, '{');
    put_info_member(&b, raw, abs, &st);
    tb_putc(&b, '}');
    return respond_text_json(c, 200, &b, "cannot stat", raw);
}

int api_files_write(struct conn *c, const struct route_args *a)
{
    char raw[PATH_BUF], abs[PATH_BUF];
    if (one_path(c, raw, abs) <= 0) return 0;
    int64_t off;
    if (query_int64(c, "offset", 0, &off) < 0 || off < 0)
        return respond_error(c, 400, "INVALID_PARAMETER", "offset must be a non-negative integer");
    if (c->req.content_length > (int64_t)g_cfg.max_body)
        return respond_error(c, 413, "INVALID_FILE", "body too large (limit %" PRIu64 ")",
                             g_cfg.max_body);
    int fd = open(abs, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return respond_errno(c, -errno, "cannot open", raw);
    int64_t n = body_to_fd(c, fd, (uint64_t)off, g_cfg.max_body);
    if (n >= 0 && query_bool(c, "truncate") && ftruncate(fd, (off_t)(off + n)) < 0) n = -errno;
    close(fd);
    if (n == -EFBIG)
        return respond_error(c, 413, "INVALID_FILE", "body too large (limit %" PRIu64 ")",
                             g_cfg.max_body);
    if (n < 0) return respond_errno(c, (int)n, "cannot write", raw);
    return respond_info(c, raw, abs);
}

int api_files_truncate(struct conn *c, const struct route_args *a)
{
    char raw[PATH_BUF], abs[PATH_BUF];
    if (one_path(c, raw, abs) <= 0) return 0;
    int64_t size;
    char v[32];
    if (http_query_get(c->req.query, "size", v, sizeof(v)) < 0)
        return respond_error(c, 400, "MISSING_QUERY", "missing query parameter 'size'");
    if (query_int64(c, "size", 0, &size) < 0 || size < 0)
        return respond_error(c, 400, "INVALID_PARAMETER", "size must be a non-negative integer");
    if (truncate(abs, size) < 0) return respond_errno(c, -errno, "cannot truncate", raw);
    return respond_empty(c);
}

int api_files_symlink(struct conn *c, const struct route_args *a)
{
    json_t *j = read_json_body(c, false);
    if (!j) return 0;
    struct symlink_req s;
    const char *err;
    char abs[PATH_BUF];
    int r;
    if (symlink_req_parse(j, &s, &err) < 0)
        r = respond_error(c, 400, "INVALID_REQUEST_BODY", "%s", err);
    else if ((r = resolve_path(s.path, abs, sizeof(abs))) < 0)
        r = respond_errno(c, r, "invalid path", s.path);
    else if (symlink(s.target, abs) < 0)
        r = errno == EEXIST
                ? respond_error(c, 500, "RUNTIME_ERROR", "path already exists: %s", s.path)
                : respond_errno(c, -errno, "cannot create symlink", s.path);
    else
        r = respond_empty(c);
    json_decref(j);
    return r;
}

/* Extension times: POST /files/times {"path", "atime"?, "mtime"?} sets the times of the path
 * itself (a symlink is not followed), as utimensat(2). */
int api_files_times(struct conn *c, const struct route_args *a)
{
    (void)a;
    json_t *j = read_json_body(c, false);
    if (!j) return 0;
    struct times_req t;
    const char *err;
    char abs[PATH_BUF];
    int r;
    if (times_req_parse(j, &t, &err) < 0)
        r = respond_error(c, 400, "INVALID_REQUEST_BODY", "%s", err);
    else if ((r = resolve_path(t.path, abs, sizeof(abs))) < 0)
        r = respond_errno(c, r, "invalid path", t.path);
    else if (utimensat(AT_FDCWD, abs, t.ts, AT_SYMLINK_NOFOLLOW) < 0)
        r = respond_errno(c, -errno, "cannot set times", t.path);
    else
        r = respond_info(c, t.path, abs);
    json_decref(j);
    return r;
}
