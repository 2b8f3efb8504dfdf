/* Sessions: each sessions/S is one execd bash session; each write to its cmd is one run whose
 * events (stdout and stderr lines, then the exit) are kept in memory. stderr has events of its
 * own with execd's session-stderr extension; upstream merges it into stdout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "notify.h"
#include "sessions.h"

struct sfs_run {
    int refs;
    pthread_mutex_t lock;
    pthread_cond_t cv;
    struct sbx_execd x;
    char sid[64];
    char *cmd;
    struct run_buf {
        char *p;
        size_t len, cap;
    } out, errs; /* stdout, stderr */
    bool started, done;
    int code, err;
    time_t end;
    char exit_path[SFS_NAME_MAX + 320]; /* "/NAME/sessions/S/exit": touched at the end */
};

static void run_free(struct sfs_run *r)
{
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->cv);
    free(r->cmd);
    free(r->out.p);
    free(r->errs.p);
    free(r);
}

void run_put(struct sfs_run *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    int last = --r->refs == 0;
    pthread_mutex_unlock(&r->lock);
    if (last)
        run_free(r);
}

static void append(struct run_buf *b, const char *text)
{
    size_t n = strlen(text);
    if (!strcmp(text, "\n")) /* execd sends an empty line as "\n" */
        n = 0;
    if (b->len + n + 1 > RUN_OUTPUT_MAX)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, text, n);
    b->len += n;
    b->p[b->len++] = '\n';
}

static int on_event(json_t *ev, void *arg)
{
    struct sfs_run *r = arg;
    const char *type = json_string_value(json_object_get(ev, "type"));
    const char *text = json_string_value(json_object_get(ev, "text"));
    if (!type)
        return 0;
    pthread_mutex_lock(&r->lock);
    if (!strcmp(type, "init")) {
        r->started = true;
    } else if (!strcmp(type, "stdout") && text) {
        append(&r->out, text);
    } else if (!strcmp(type, "stderr") && text) {
        append(&r->errs, text);
    } else if (!strcmp(type, "execution_complete")) {
        r->done = true;
    } else if (!strcmp(type, "error")) {
        const char *v = json_string_value(json_object_get(json_object_get(ev, "error"), "evalue"));
        r->code = v ? atoi(v) : 1;
        r->done = true;
    }
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->lock);
    return 0;
}

static void *run_thread(void *arg)
{
    struct sfs_run *r = arg;
    int rc = sbx_session_run(&r->x, r->sid, r->cmd, on_event, r);
    pthread_mutex_lock(&r->lock);
    if (!r->done) {
        r->err = rc ? rc : -EIO;
        r->done = true;
    }
    r->started = true;
    r->end = time(NULL);
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->lock);
    notify_touch(r->exit_path); /* an inotify watch on the session's exit wakes */
    run_put(r);
    return NULL;
}

static struct sfs_session *find(struct sfs_sandbox *s, const char *name)
{
    for (struct sfs_session *se = s->sessions; se; se = se->next)
        if (!strcmp(se->name, name))
            return se;
    return NULL;
}

/* Sessions are remembered in the sandbox's metadata (SESSION_KEY + name = execd's session id),
 * so another mount, or this one after a restart, finds them again. */
static void adopt(struct sfs_sandbox *s)
{
    json_t *info;
    if (sbx_info(s, &info, 1.0))
        return;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(info, "metadata"), k, v)
    {
        const char *name = k + strlen(SESSION_KEY);
        const char *sid = json_string_value(v);
        if (strncmp(k, SESSION_KEY, strlen(SESSION_KEY)) || !sid || strlen(sid) >= 64 ||
            !sfs_valid_name(name))
            continue;
        pthread_mutex_lock(&s->lock);
        struct sfs_session *se = find(s, name) ? NULL : calloc(1, sizeof *se);
        if (se) {
            snprintf(se->name, sizeof se->name, "%s", name);
            snprintf(se->sid, sizeof se->sid, "%s", sid);
            se->next = s->sessions;
            s->sessions = se;
        }
        pthread_mutex_unlock(&s->lock);
    }
    json_decref(info);
}

static void remember(struct sfs_sandbox *s, const char *name, const char *sid)
{
    char key[SFS_NAME_MAX + sizeof SESSION_KEY];
    snprintf(key, sizeof key, SESSION_KEY "%s", name);
    if (sbx_metadata_set(s, key, sid))
        sfs_log("%s: session %s works but will not be found after a remount", s->name, name);
}

int session_mkdir(struct sfs_sandbox *s, const char *name)
{
    if (!sfs_valid_name(name))
        return -EINVAL;
    adopt(s);
    pthread_mutex_lock(&s->lock);
    bool exists = find(s, name) != NULL;
    pthread_mutex_unlock(&s->lock);
    if (exists)
        return -EEXIST;
    struct sbx_execd x;
    struct sfs_session *se = calloc(1, sizeof *se);
    int rc = se ? sbx_execd(s, &x) : -ENOMEM;
    if (!rc)
        rc = sbx_session_create(&x, se->sid);
    if (rc) {
        sfs_log("%s: mkdir sessions/%s: %s", s->name, name, strerror(-rc));
        free(se);
        return rc;
    }
    snprintf(se->name, sizeof se->name, "%s", name);
    pthread_mutex_lock(&s->lock);
    se->next = s->sessions;
    s->sessions = se;
    pthread_mutex_unlock(&s->lock);
    remember(s, name, se->sid);
    return 0;
}

int session_rmdir(struct sfs_sandbox *s, const char *name)
{
    adopt(s);
    pthread_mutex_lock(&s->lock);
    struct sfs_session **pp = &s->sessions, *se = NULL;
    for (; *pp; pp = &(*pp)->next)
        if (!strcmp((*pp)->name, name)) {
            se = *pp;
            *pp = se->next;
            break;
        }
    pthread_mutex_unlock(&s->lock);
    if (!se)
        return -ENOENT;
    struct sbx_execd x;
    if (sbx_execd(s, &x) == 0)
        sbx_session_delete(&x, se->sid);
    remember(s, name, NULL);
    run_put(se->last);
    free(se);
    return 0;
}

int session_run(struct sfs_sandbox *s, const char *name, const char *text)
{
    struct sfs_run *r = calloc(1, sizeof *r);
    if (!r)
        return -ENOMEM;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cv, NULL);
    r->refs = 2; /* the session and the thread */
    r->cmd = strdup(text);
    snprintf(r->exit_path, sizeof r->exit_path, "/%s/sessions/%s/exit", s->name, name);
    int rc = r->cmd ? sbx_execd(s, &r->x) : -ENOMEM;
    adopt(s);
    pthread_mutex_lock(&s->lock);
    struct sfs_session *se = find(s, name);
    if (!se)
        rc = -ENOENT;
    else
        snprintf(r->sid, sizeof r->sid, "%s", se->sid);
    pthread_mutex_unlock(&s->lock);
    pthread_t th;
    if (!rc && pthread_create(&th, NULL, run_thread, r))
        rc = -EAGAIN;
    if (rc) {
        run_free(r);
        return rc;
    }
    pthread_detach(th);
    pthread_mutex_lock(&r->lock);
    while (!r->started)
        pthread_cond_wait(&r->cv, &r->lock);
    rc = r->done && r->err ? r->err : 0;
    pthread_mutex_unlock(&r->lock);
    pthread_mutex_lock(&s->lock);
    se = find(s, name);
    struct sfs_run *old = se ? se->last : NULL;
    if (se)
        se->last = r;
    pthread_mutex_unlock(&s->lock);
    run_put(se ? old : r);
    return rc;
}

struct sfs_run *session_last_run(struct sfs_sandbox *s, const char *name)
{
    pthread_mutex_lock(&s->lock);
    struct sfs_session *se = find(s, name);
    struct sfs_run *r = se ? se->last : NULL;
    if (r) {
        pthread_mutex_lock(&r->lock);
        r->refs++;
        pthread_mutex_unlock(&r->lock);
    }
    pthread_mutex_unlock(&s->lock);
    return r;
}

static int wait_done(struct sfs_run *r, bool nonblock)
{
    while (!r->done) {
        if (nonblock)
            return -EAGAIN;
        struct timespec ts = sfs_deadline_in(100 * 1000L);
        pthread_cond_timedwait(&r->cv, &r->lock, &ts);
        if (fuse_get_context() && fuse_interrupted())
            return -EINTR;
    }
    return 0;
}

static int copy_out(const char *src, size_t len, char *buf, size_t size, off_t off)
{
    if ((size_t)off >= len)
        return 0;
    size_t k = len - (size_t)off < size ? len - (size_t)off : size;
    memcpy(buf, src + off, k);
    return (int)k;
}

int run_read(struct sfs_run *r, const char *what, bool nonblock, char *buf, size_t size, off_t off)
{
    int rc = 0;
    pthread_mutex_lock(&r->lock);
    if (!strcmp(what, "cmd")) {
        rc = copy_out(r->cmd, strlen(r->cmd), buf, size, off);
    } else if (!strcmp(what, "stdout") || !strcmp(what, "stderr")) {
        const struct run_buf *b = !strcmp(what, "stdout") ? &r->out : &r->errs;
        while ((size_t)off >= b->len && !r->done && !rc) {
            rc = wait_done(r, nonblock); /* woken by every event, not only the end */
            if (rc == 0 && (size_t)off < b->len)
                break;
            if (rc == 0 && !r->done)
                continue;
        }
        if (!rc)
            rc = copy_out(b->p, b->len, buf, size, off);
    } else {
        rc = wait_done(r, nonblock);
        char text[16];
        if (!rc && r->err)
            rc = r->err;
        if (!rc) {
            snprintf(text, sizeof text, "%d\n", r->code);
            rc = copy_out(text, strlen(text), buf, size, off);
        }
    }
    pthread_mutex_unlock(&r->lock);
    return rc;
}

int session_getattr(struct sfs_sandbox *s, const struct node *n, struct stat *st)
{
    adopt(s);
    pthread_mutex_lock(&s->lock);
    struct sfs_session *se = find(s, n->name);
    pthread_mutex_unlock(&s->lock);
    if (!se)
        return -ENOENT;
    if (n->kind == N_SESSION) {
        sfs_fill_stat(st, S_IFDIR | 0755, 0, time(NULL));
        return 0;
    }
    struct sfs_run *r = session_last_run(s, n->name);
    off_t size = 0;
    if (r) {
        pthread_mutex_lock(&r->lock);
        size = !strcmp(n->file, "cmd")      ? (off_t)strlen(r->cmd)
               : !strcmp(n->file, "stdout") ? (off_t)r->out.len
               : !strcmp(n->file, "stderr") ? (off_t)r->errs.len
               : r->done && !r->err         ? snprintf(NULL, 0, "%d\n", r->code)
                                            : 0;
        pthread_mutex_unlock(&r->lock);
        run_put(r);
    }
    sfs_fill_stat(st, S_IFREG | (!strcmp(n->file, "cmd") ? 0644 : 0444), size, time(NULL));
    return 0;
}

int session_readdir(struct sfs_sandbox *s, const struct node *n, void *buf, fuse_fill_dir_t fill)
{
    adopt(s);
    if (n->kind == N_SESSION) {
        pthread_mutex_lock(&s->lock);
        bool ok = find(s, n->name) != NULL;
        pthread_mutex_unlock(&s->lock);
        if (!ok)
            return -ENOENT;
        fill(buf, "cmd", NULL, 0, 0);
        fill(buf, "stdout", NULL, 0, 0);
        fill(buf, "stderr", NULL, 0, 0);
        fill(buf, "exit", NULL, 0, 0);
        return 0;
    }
    pthread_mutex_lock(&s->lock);
    for (struct sfs_session *se = s->sessions; se; se = se->next)
        fill(buf, se->name, NULL, 0, 0);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

int endpoint_text(struct sfs_sandbox *s, long port, bool curl, char **buf, size_t *len)
{
    char url[512], *msg = NULL;
    json_t *headers = NULL;
    int rc = sbx_lc_endpoint(&sfs_cfg.server, s->id, (int)port, url, sizeof url, &headers, &msg);
    if (rc) {
        sfs_log("%s: endpoint %ld: %s", s->name, port, msg ? msg : strerror(-rc));
        free(msg);
        return rc;
    }
    char key[16];
    snprintf(key, sizeof key, "%ld", port);
    pthread_mutex_lock(&s->lock);
    json_object_set_new(s->ports, key, json_string(url));
    pthread_mutex_unlock(&s->lock);
    FILE *f = open_memstream(buf, len);
    if (!curl) {
        fprintf(f, "%s\n", url);
    } else { /* a curl config: curl -K endpoints/PORT.curl [PATH...] */
        fprintf(f, "url = \"%s/\"\n", url); /* the backend let only URL characters through */
        const char *k;
        json_t *v;
        json_object_foreach(headers, k, v) if (json_is_string(v))
        {
            char line[2048], quoted[4200];
            if (sbx_header_line(line, sizeof line, k, json_string_value(v), json_string_length(v)) ||
                sbx_conf_quote(quoted, sizeof quoted, line))
                sfs_log("%s: endpoint %ld: header '%.64s' left out: not one curl can send", s->name,
                        port, k);
            else
                fprintf(f, "header = %s\n", quoted);
        }
    }
    fclose(f);
    json_decref(headers);
    return *buf ? 0 : -ENOMEM;
}
