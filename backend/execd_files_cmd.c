/* File operations execd has no route for, run as short foreground commands (POST /command):
 * statfs (`stat -f`), utimens (`touch -h`), and fallbacks for servers without our extensions. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "execd_files.h"

#define CMD_TIMEOUT_MS 60000
#define CMD_MAX (SBX_PATH_MAX * 8 + 256)

int sbx_sh_quote(char *dst, size_t cap, const char *s)
{
    size_t n = 0;
    if (cap < 3) return -ENAMETOOLONG;
    dst[n++] = '\'';
    for (; *s; s++) {
        const char *piece = *s == '\'' ? "'\\''" : NULL;
        size_t k = piece ? 4 : 1;
        if (n + k + 2 > cap) return -ENAMETOOLONG;
        memcpy(dst + n, piece ? piece : s, k);
        n += k;
    }
    dst[n++] = '\'';
    dst[n] = 0;
    return 0;
}

struct sh_result {
    char *out, *err;
    size_t out_cap, err_cap, out_len, err_len;
    int exit; /* -1 until known */
};

static void append(char *dst, size_t cap, size_t *len, const char *text)
{
    size_t n = strlen(text);
    if (*len + 1 >= cap) return;
    if (n > cap - 1 - *len) n = cap - 1 - *len;
    memcpy(dst + *len, text, n);
    *len += n;
    if (*len + 1 < cap && !(n == 1 && text[0] == '\n')) /* upstream sends a blank line as "\n" */
        dst[(*len)++] = '\n';
    dst[*len] = 0;
}

/* One event line: raw JSON (upstream framing) or "data: JSON". */
static void sh_event(const char *line, size_t len, struct sh_result *res)
{
    json_t *ev;
    const char *type, *text;
    if (len >= 5 && strncmp(line, "data:", 5) == 0) line += 5, len -= 5;
    ev = json_loadb(line, len, 0, NULL);
    type = json_string_value(json_object_get(ev, "type"));
    text = json_string_value(json_object_get(ev, "text"));
    if (type && text && strcmp(type, "stdout") == 0)
        append(res->out, res->out_cap, &res->out_len, text);
    else if (type && text && strcmp(type, "stderr") == 0)
        append(res->err, res->err_cap, &res->err_len, text);
    else if (type && strcmp(type, "execution_complete") == 0)
        res->exit = 0;
    else if (type && strcmp(type, "error") == 0) {
        const char *ev_value =
            json_string_value(json_object_get(json_object_get(ev, "error"), "evalue"));
        res->exit = ev_value ? atoi(ev_value) : 1;
        if (res->exit < 0) res->exit = 128 + 9; /* upstream reports a signal death as -1 */
    }
    json_decref(ev);
}

static void sh_parse(const char *p, size_t len, struct sh_result *res)
{
    const char *end = p + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        if (n > 0 && p[0] == '{')
            sh_event(p, n, res);
        else if (n > 5 && strncmp(p, "data:", 5) == 0)
            sh_event(p, n, res);
        p += n + 1;
    }
}

static void add_header(struct sbx_req *req, const char *h)
{
    for (int i = 0; i < SBX_HDR_MAX - 1; i++)
        if (!req->headers[i]) {
            req->headers[i] = h;
            req->headers[i + 1] = NULL;
            return;
        }
}

static int sh_run(const struct sbx_execd *x, const char *cmd, struct sh_result *res)
{
    char url[512];
    struct sbx_buf out = {0};
    struct sbx_req req = {
        .method = "POST", .url = url, .body_fd = -1, .timeout_ms = CMD_TIMEOUT_MS + 5000};
    json_t *doc = json_object();
    char *body;
    int r;
    json_object_set_new(doc, "command", json_string_nocheck(cmd));
    json_object_set_new(doc, "timeout", json_integer(CMD_TIMEOUT_MS));
    body = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    r = body ? sbx_execd_url(x, url, sizeof url, "/command") : -ENOMEM;
    if (r == 0) {
        req.body = body;
        req.body_len = strlen(body);
        sbx_execd_headers(x, &req, "Content-Type: application/json");
        add_header(&req, "Accept: text/event-stream");
        r = sbx_http(&req, &out, NULL);
        r = r >= 200 && r < 300 ? 0 : r < 0 ? r : sbx_http_errno(r);
    }
    if (r == 0) sh_parse(out.data ? out.data : "", out.len, res);
    if (r == 0 && res->exit < 0) r = -EIO; /* the stream ended without an outcome */
    sbx_buf_free(&out);
    free(body);
    return r ? r : res->exit;
}

int sbx_files_sh(const struct sbx_execd *x, const char *cmd, char *out, size_t cap)
{
    char err[256] = "";
    struct sh_result res = {
        .out = out, .out_cap = cap, .err = err, .err_cap = sizeof err, .exit = -1};
    if (cap) out[0] = 0;
    return sh_run(x, cmd, &res);
}

/* A failed command's stderr → errno (coreutils messages carry strerror text). */
static int sh_errno(const char *err)
{
    static const struct {
        const char *text;
        int err;
    } texts[] = {
        {"No such file", ENOENT}, {"Permission denied", EACCES}, {"not permitted", EPERM},
        {"Read-only", EROFS},     {"File exists", EEXIST},       {"Not a directory", ENOTDIR},
        {"No space", ENOSPC},     {"Is a directory", EISDIR},    {"Invalid argument", EINVAL},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (strcasestr(err, texts[i].text)) return -texts[i].err;
    return -EIO;
}

/* Runs cmd; 0 when it exits 0, else the errno its stderr suggests. */
static int sh_check(const struct sbx_execd *x, const char *cmd, char *out, size_t cap)
{
    char err[512] = "";
    struct sh_result res = {
        .out = out, .out_cap = cap, .err = err, .err_cap = sizeof err, .exit = -1};
    int r;
    out[0] = 0;
    r = sh_run(x, cmd, &res);
    return r < 0 ? r : r == 0 ? 0 : sh_errno(err);
}

int sbx_files_sh_argv(const struct sbx_execd *x, const char *const *argv)
{
    char *cmd = malloc(CMD_MAX), out[64];
    size_t n = 0;
    int r = cmd ? 0 : -ENOMEM;
    for (; r == 0 && *argv; argv++) {
        r = sbx_sh_quote(cmd + n, CMD_MAX - n - 1, *argv);
        n += r ? 0 : strlen(cmd + n);
        cmd[n++] = ' ';
        cmd[n] = 0;
    }
    if (r == 0) r = sh_check(x, cmd, out, sizeof out);
    free(cmd);
    return r;
}

int sbx_files_statfs(const struct sbx_execd *x, const char *path, struct statvfs *ret)
{
    char q[SBX_PATH_MAX * 4 + 3], cmd[sizeof q + 64], out[512];
    unsigned long long bsize, frsize, blocks, bfree, bavail, files, ffree, namemax;
    int r = sbx_sh_quote(q, sizeof q, path);
    if (r) return r;
    snprintf(cmd, sizeof cmd, "stat -f -c '%%s %%S %%b %%f %%a %%c %%d %%l' -- %s", q);
    r = sh_check(x, cmd, out, sizeof out);
    if (r) return r;
    if (sscanf(out, "%llu %llu %llu %llu %llu %llu %llu %llu", &bsize, &frsize, &blocks, &bfree,
               &bavail, &files, &ffree, &namemax) != 8)
        return -EIO;
    memset(ret, 0, sizeof *ret);
    ret->f_bsize = bsize;
    ret->f_frsize = frsize ? frsize : bsize;
    ret->f_blocks = blocks;
    ret->f_bfree = bfree;
    ret->f_bavail = bavail;
    ret->f_files = files;
    ret->f_ffree = ffree;
    ret->f_favail = ffree;
    ret->f_namemax = namemax;
    return 0;
}

/* " -a -d @S.N" style arguments for one of atime (which 'a') / mtime ('m'). */
static void touch_arg(char *dst, size_t cap, char which, const struct timespec *ts)
{
    if (ts->tv_nsec == UTIME_NOW)
        snprintf(dst, cap, "-%c", which);
    else
        snprintf(dst, cap, "-%c -d @%jd.%09ld", which, (intmax_t)ts->tv_sec, ts->tv_nsec);
}

int sbx_files_utimens(const struct sbx_execd *x, const char *path, const struct timespec tv[2],
                      struct sbx_fileinfo *info)
{
    char q[SBX_PATH_MAX * 4 + 3], a[64], m[64], cmd[sizeof q * 4 + 512], out[64];
    size_t n = 0;
    int r = sbx_files_times(x, path, tv, info);
    if (r != -EOPNOTSUPP) return r;
    if (info) info->st.st_mode = 0;
    r = sbx_sh_quote(q, sizeof q, path);
    if (r) return r;
    touch_arg(a, sizeof a, 'a', &tv[0]);
    touch_arg(m, sizeof m, 'm', &tv[1]);
    /* -c: never create; -h: the link itself, as utimensat(AT_SYMLINK_NOFOLLOW) on our inode */
    /* touch -c ignores a missing file silently: report it like utimensat would */
    n += (size_t)snprintf(cmd + n, sizeof cmd - n,
                          "{ [ -e %s ] || [ -L %s ] || { echo 'No such file' >&2; exit 1; }; } && ",
                          q, q);
    if (tv[0].tv_nsec != UTIME_OMIT)
        n += (size_t)snprintf(cmd + n, sizeof cmd - n, "touch -c -h %s -- %s && ", a, q);
    if (tv[1].tv_nsec != UTIME_OMIT)
        n += (size_t)snprintf(cmd + n, sizeof cmd - n, "touch -c -h %s -- %s && ", m, q);
    if (tv[0].tv_nsec == UTIME_OMIT && tv[1].tv_nsec == UTIME_OMIT) return 0;
    cmd[n - 4] = 0; /* drop the last " && " */
    return sh_check(x, cmd, out, sizeof out);
}
