/* Attributes, content and listings of the generated nodes (see nodes.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cmdwatch.h"
#include "files.h"
#include "nodes.h"
#include "sessions.h"
#include <stdarg.h>

#define STREAM_BLKSIZE (1 << 20) /* st_blksize of command output: what cat reads at once */

#define INFO_AGE 0.5 /* seconds a sandbox's JSON serves stat and small reads */
#define CMDS_AGE 0.3

static char *dupn(const char *s, size_t *len)
{
    *len = strlen(s);
    return strdup(s);
}

static char *printed(size_t *len, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *printed(size_t *len, const char *fmt, ...)
{
    char *s;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    *len = (size_t)n;
    return s;
}

static json_t *field(json_t *o, const char *a, const char *b)
{
    json_t *v = json_object_get(o, a);
    return b ? json_object_get(v, b) : v;
}

int node_command(struct sfs_sandbox *s, long num, char id[SBX_ID_MAX], json_t **rec)
{
    json_t *r = NULL;
    int rc = sbx_command(s, num, CMDS_AGE, &r, NULL); /* our own starts update it */
    const char *cid = rc ? NULL : json_string_value(json_object_get(r, "id"));
    if (!rc && !cid)
        rc = -ENOENT;
    if (cid)
        snprintf(id, SBX_ID_MAX, "%s", cid);
    if (cid && rec)
        *rec = json_incref(r);
    json_decref(r);
    return rc;
}

/* env: the sandbox's requested environment when the server reports it. */
static char *env_text(json_t *info, size_t *len)
{
    json_t *env = json_object_get(info, "env");
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    const char *k;
    json_t *v;
    json_object_foreach(env, k, v) if (json_is_string(v))
        fprintf(f, "%s=%s\n", k, json_string_value(v));
    fclose(f);
    *len = n;
    return out;
}

static int metrics_text(struct sfs_sandbox *s, char **buf, size_t *len)
{
    struct sbx_execd x;
    char url[512];
    int rc = sbx_execd(s, &x);
    if (!rc)
        rc = sbx_execd_url(&x, url, sizeof url, "/metrics");
    if (rc)
        return rc;
    struct sbx_req req = {.url = url};
    sbx_execd_headers(&x, &req, NULL);
    struct sbx_buf b;
    rc = sbx_http_errno(sbx_http(&req, &b, NULL));
    if (!rc) {
        *buf = printed(len, "%s\n", b.data ? b.data : "{}");
        rc = *buf ? 0 : -ENOMEM;
    }
    sbx_buf_free(&b);
    return rc;
}

static int latest_cmd_text(struct sfs_sandbox *s, char **buf, size_t *len)
{
    char id[SBX_ID_MAX];
    json_t *rec = NULL;
    int rc = node_command(s, 0, id, &rec);
    if (rc == -ENOENT)
        return (*buf = dupn("", len)) ? 0 : -ENOMEM;
    if (rc)
        return rc;
    const char *c = json_string_value(json_object_get(rec, "content"));
    *buf = printed(len, "%s\n", c ? c : "");
    json_decref(rec);
    return *buf ? 0 : -ENOMEM;
}

static int sandbox_file(struct sfs_sandbox *s, const char *file, char **buf, size_t *len)
{
    if (!strcmp(file, "ctl"))
        return (*buf = dupn("", len)) ? 0 : -ENOMEM;
    if (!strcmp(file, "metrics"))
        return metrics_text(s, buf, len);
    if (!strcmp(file, "cmd"))
        return latest_cmd_text(s, buf, len);
    json_t *info;
    int rc = sbx_info(s, &info, INFO_AGE);
    if (rc)
        return rc;
    const char *v = NULL;
    if (!strcmp(file, "id"))
        v = s->id;
    else if (!strcmp(file, "status"))
        v = json_string_value(field(info, "status", "state"));
    else if (!strcmp(file, "image"))
        v = json_string_value(field(info, "image", "uri"));
    else if (!strcmp(file, "expires"))
        v = json_string_value(field(info, "expiresAt", NULL));
    if (!strcmp(file, "info"))
        *buf = json_dumps(info, JSON_INDENT(2) | JSON_SORT_KEYS), *len = strlen(*buf);
    else if (!strcmp(file, "env"))
        *buf = env_text(info, len);
    else
        *buf = printed(len, "%s\n", v ? v : !strcmp(file, "expires") ? "none" : "");
    if (!strcmp(file, "info") && *buf) {
        char *nl = printed(len, "%s\n", *buf);
        free(*buf);
        *buf = nl;
    }
    json_decref(info);
    return *buf ? 0 : -ENOMEM;
}

static int command_file(struct sfs_sandbox *s, const struct node *n, char **buf, size_t *len)
{
    char id[SBX_ID_MAX];
    json_t *rec;
    int rc = node_command(s, n->num, id, &rec);
    if (rc)
        return rc;
    const char *content = json_string_value(json_object_get(rec, "content"));
    json_t *code = json_object_get(rec, "exit_code");
    if (!strcmp(n->file, "cmd"))
        *buf = printed(len, "%s\n", content ? content : "");
    else if (!strcmp(n->file, "status"))
        *buf = json_is_true(json_object_get(rec, "running"))
                   ? printed(len, "running\n")
                   : printed(len, "exited %lld\n", (long long)json_integer_value(code));
    else
        *buf = dupn("", len);
    json_decref(rec);
    return *buf ? 0 : -ENOMEM;
}

static int metadata_value(struct sfs_sandbox *s, const char *key, char **buf, size_t *len)
{
    json_t *info;
    int rc = sbx_info(s, &info, INFO_AGE);
    if (rc)
        return rc;
    const char *v = json_string_value(field(info, "metadata", key));
    *buf = v ? printed(len, "%s\n", v) : NULL;
    json_decref(info);
    return v ? (*buf ? 0 : -ENOMEM) : -ENOENT;
}

static int snapshot_file(const struct node *n, char **buf, size_t *len)
{
    char path[384];
    snprintf(path, sizeof path, "/snapshots/%s", n->name);
    json_t *snap;
    int rc = sbx_lc_call(&sfs_cfg.server, "GET", path, NULL, &snap, NULL);
    if (rc)
        return rc;
    if (!strcmp(n->file, "info")) {
        char *j = json_dumps(snap, JSON_INDENT(2) | JSON_SORT_KEYS);
        *buf = j ? printed(len, "%s\n", j) : NULL;
        free(j);
    } else {
        const char *v = !strcmp(n->file, "id") ? json_string_value(field(snap, "id", NULL))
                                               : json_string_value(field(snap, "status", "state"));
        *buf = printed(len, "%s\n", v ? v : "");
    }
    json_decref(snap);
    return *buf ? 0 : -ENOMEM;
}

int node_content(const struct node *n, char **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    if (n->kind == N_LOG)
        return (*buf = sfs_log_dump(len)) ? 0 : -ENOMEM;
    if (n->kind == N_SNAPSHOT_FILE)
        return snapshot_file(n, buf, len);
    struct sfs_sandbox *s = sbx_get(n->sbx);
    if (!s)
        return sbx_missing();
    int rc;
    switch (n->kind) {
    case N_SBX_FILE:
        rc = sandbox_file(s, n->file, buf, len);
        break;
    case N_COMMAND_FILE:
        rc = command_file(s, n, buf, len);
        break;
    case N_METADATA_KEY:
        rc = metadata_value(s, n->name, buf, len);
        break;
    case N_ENDPOINT:
        rc = endpoint_text(s, n->num, n->curl, buf, len);
        break;
    default:
        rc = -EINVAL;
    }
    sbx_put(s);
    return rc;
}

/* --- attributes ------------------------------------------------------------------------------ */

static int content_attr(const struct node *n, mode_t mode, struct stat *st)
{
    char *buf;
    size_t len;
    int rc = node_content(n, &buf, &len);
    if (!rc)
        sfs_fill_stat(st, mode, (off_t)len, 0);
    free(buf);
    return rc;
}

static const char *stream_key(const char *file)
{
    return !strcmp(file, "stdout")   ? "stdout_bytes"
           : !strcmp(file, "stderr") ? "stderr_bytes"
                                     : "output_bytes";
}

static int stream_attr(struct sfs_sandbox *s, const struct node *n, struct stat *st)
{
    char id[SBX_ID_MAX];
    json_t *rec;
    long num = n->num;
    int rc = node_command(s, num, id, &rec);
    if (rc == -ENOENT && num == 0) { /* no command yet: empty files */
        sfs_fill_stat(st, S_IFREG | 0444, 0, 0);
        return 0;
    }
    if (rc)
        return rc;
    bool running = json_is_true(json_object_get(rec, "running"));
    if (running && num > 0)
        cmdwatch_seen(id, num);
    off_t size;
    if (!strcmp(n->file, "exit"))
        size = running ? 0
                       : snprintf(NULL, 0, "%lld\n",
                                  (long long)json_integer_value(json_object_get(rec, "exit_code")));
    else
        size = (off_t)json_integer_value(json_object_get(rec, stream_key(n->file)));
    time_t t = running ? time(NULL) : sfs_json_time(json_object_get(rec, "finished_at"));
    sfs_fill_stat(st, S_IFREG | 0444, size, t);
    /* Output: cat and dd's defaults read this much, so fewer requests. Not exit: its few bytes
     * need no 1 MiB buffer, which cat would fault in and the kernel pin for each read. */
    if (strcmp(n->file, "exit"))
        st->st_blksize = STREAM_BLKSIZE;
    json_decref(rec);
    return 0;
}

static int sandbox_attr(struct sfs_sandbox *s, const struct node *n, struct stat *st)
{
    json_t *info;
    char id[SBX_ID_MAX];
    switch (n->kind) {
    case N_SBX:
        if (sbx_info(s, &info, 5.0))
            return -ENOENT;
        sfs_fill_stat(st, S_IFDIR | 0755, 0, sfs_json_time(json_object_get(info, "createdAt")));
        json_decref(info);
        return 0;
    case N_SBX_FILE:
        if (!strcmp(n->file, "metrics")) /* asks execd: sized 0, read with direct I/O */
            return sfs_fill_stat(st, S_IFREG | 0444, 0, 0), 0;
        if (!strcmp(n->file, "cmd")) /* the latest command: sized 0 (asking a paused execd hangs) */
            return sfs_fill_stat(st, S_IFREG | 0644, 0, 0), 0;
        if (!strcmp(n->file, "ctl"))
            return sfs_fill_stat(st, S_IFREG | 0200, 0, 0), 0;
        return content_attr(n, !strcmp(n->file, "expires") || !strcmp(n->file, "cmd")
                                   ? S_IFREG | 0644
                                   : S_IFREG | 0444,
                            st);
    case N_STREAM:
        return stream_attr(s, n, st);
    case N_FILES_LINK:
        return sfs_fill_stat(st, S_IFLNK | 0777, (off_t)(strlen(n->sbx) + 10), 0), 0;
    case N_METADATA_KEY:
        return content_attr(n, S_IFREG | 0644, st);
    case N_COMMAND:
        if (node_command(s, n->num, id, NULL))
            return -ENOENT;
        return sfs_fill_stat(st, S_IFDIR | 0755, 0, 0), 0;
    case N_COMMAND_FILE:
        if (!strcmp(n->file, "ctl"))
            return node_command(s, n->num, id, NULL) ? -ENOENT : (sfs_fill_stat(st, S_IFREG | 0200, 0, 0), 0);
        if (!strcmp(n->file, "status") && node_command(s, n->num, id, NULL) == 0)
            cmdwatch_seen(id, n->num);
        return content_attr(n, S_IFREG | 0444, st);
    case N_SESSION:
    case N_SESSION_FILE:
        return session_getattr(s, n, st);
    case N_ENDPOINT:
        return content_attr(n, S_IFREG | 0444, st);
    default:
        return sfs_fill_stat(st, S_IFDIR | 0755, 0, 0), 0;
    }
}

static int snapshot_attr(const struct node *n, struct stat *st)
{
    char path[384];
    snprintf(path, sizeof path, "/snapshots/%s", n->name);
    json_t *snap;
    int rc = sbx_lc_call(&sfs_cfg.server, "GET", path, NULL, &snap, NULL);
    if (rc)
        return rc;
    sfs_fill_stat(st, S_IFDIR | 0755, 0, sfs_json_time(json_object_get(snap, "createdAt")));
    json_decref(snap);
    return 0;
}

int node_getattr(const struct node *n, struct stat *st)
{
    switch (n->kind) {
    case N_ROOT:
    case N_TEMPLATES:
    case N_SNAPSHOTS:
    case N_FILES_ROOT:
        sfs_fill_stat(st, S_IFDIR | 0755, 0, 0);
        return 0;
    case N_LOG: {
        size_t len;
        free(sfs_log_dump(&len));
        sfs_fill_stat(st, S_IFREG | 0444, (off_t)len, time(NULL));
        return 0;
    }
    case N_SNAPSHOT:
        return snapshot_attr(n, st);
    case N_SNAPSHOT_FILE:
        return content_attr(n, S_IFREG | 0444, st);
    default:
        break;
    }
    struct sfs_sandbox *s = sbx_get(n->sbx);
    if (!s)
        return sbx_missing();
    int rc = sandbox_attr(s, n, st);
    sbx_put(s);
    return rc;
}

/* --- listings -------------------------------------------------------------------------------- */

struct lister {
    void *buf;
    fuse_fill_dir_t fill;
};

static void add(const char *name, void *arg)
{
    struct lister *l = arg;
    l->fill(l->buf, name, NULL, 0, 0);
}

static void add_list(struct lister *l, const char *const *names)
{
    for (; *names; names++)
        add(*names, l);
}

static int list_snapshots(struct lister *l)
{
    json_t *ans;
    int rc = sbx_lc_call(&sfs_cfg.server, "GET", "/snapshots?pageSize=200", NULL, &ans, NULL);
    if (rc)
        return rc;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(ans, "items"), i, it)
    {
        const char *id = json_string_value(json_object_get(it, "id"));
        if (sbx_id_ok(id, SFS_NAME_MAX))
            add(id, l);
    }
    json_decref(ans);
    return 0;
}

static int list_commands(struct sfs_sandbox *s, struct lister *l)
{
    size_t n;
    int rc = sbx_command(s, 0, CMDS_AGE, NULL, &n);
    for (size_t i = 1; !rc && i <= n; i++) {
        char num[24];
        snprintf(num, sizeof num, "%zu", i);
        add(num, l);
    }
    return rc;
}

/* A metadata key that can be a file name here (an SDK can set any): the kernel fails a whole
 * readdir on an empty name or one with '/'. */
static bool key_listable(const char *k)
{
    return *k && !strchr(k, '/') && strcmp(k, ".") && strcmp(k, "..") && strlen(k) < NODE_NAME_MAX;
}

static int list_metadata(struct sfs_sandbox *s, struct lister *l)
{
    json_t *info;
    int rc = sbx_info(s, &info, INFO_AGE);
    if (rc)
        return rc;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(info, "metadata"), k, v) if (key_listable(k)) add(k, l);
    json_decref(info);
    return 0;
}

static int list_endpoints(struct sfs_sandbox *s, struct lister *l)
{
    pthread_mutex_lock(&s->lock);
    const char *k;
    json_t *v;
    json_object_foreach(s->ports, k, v)
    {
        char curl[32];
        snprintf(curl, sizeof curl, "%s.curl", k);
        add(k, l);
        add(curl, l);
    }
    pthread_mutex_unlock(&s->lock);
    return 0;
}

static int list_sandbox_dir(const struct node *n, struct lister *l)
{
    static const char *const top[] = {"id",     "status", "info",   "image",  "env",
                                      "expires", "metrics", "ctl",   "cmd",    "stdout",
                                      "stderr", "output", "exit",   "files",  "metadata",
                                      "commands", "sessions", "endpoints", NULL};
    static const char *const cmd[] = {"cmd", "stdout", "stderr", "output", "exit", "status", "ctl",
                                      NULL};
    struct sfs_sandbox *s = sbx_get(n->sbx);
    if (!s)
        return sbx_missing();
    int rc = 0;
    switch (n->kind) {
    case N_SBX: add_list(l, top); break;
    case N_COMMAND: add_list(l, cmd); break;
    case N_COMMANDS: rc = list_commands(s, l); break;
    case N_METADATA: rc = list_metadata(s, l); break;
    case N_ENDPOINTS: rc = list_endpoints(s, l); break;
    case N_SESSIONS:
    case N_SESSION: rc = session_readdir(s, n, l->buf, l->fill); break;
    default: rc = -ENOTDIR;
    }
    sbx_put(s);
    return rc;
}

int node_readdir(const struct node *n, void *buf, fuse_fill_dir_t fill)
{
    static const char *const hidden[] = {".templates", ".snapshots", ".files", ".log", NULL};
    static const char *const snap[] = {"id", "status", "info", NULL};
    struct lister l = {buf, fill};
    add(".", &l);
    add("..", &l);
    switch (n->kind) {
    case N_ROOT:
        add_list(&l, hidden);
        return sbx_names(add, &l);
    case N_FILES_ROOT:
        return sbx_names(add, &l);
    case N_SNAPSHOTS:
        return list_snapshots(&l);
    case N_SNAPSHOT:
        add_list(&l, snap);
        return 0;
    default:
        return list_sandbox_dir(n, &l);
    }
}
