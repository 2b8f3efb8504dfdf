/* Making, deleting and steering sandboxes: mkdir/rmdir, ctl verbs, expires, metadata. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "notify.h"
#include "sandboxfs.h"

#define CREATING_MAX 32

static pthread_mutex_t creating_lock = PTHREAD_MUTEX_INITIALIZER;
static char creating[CREATING_MAX][SFS_NAME_MAX];

/* Claims NAME for a mkdir in progress; -EEXIST if another mkdir holds it. */
static int claim(const char *name)
{
    int rc = -EAGAIN;
    pthread_mutex_lock(&creating_lock);
    for (int i = 0; i < CREATING_MAX; i++)
        if (!strcmp(creating[i], name)) {
            rc = -EEXIST;
            break;
        }
    for (int i = 0; i < CREATING_MAX && rc == -EAGAIN; i++)
        if (!creating[i][0]) {
            snprintf(creating[i], SFS_NAME_MAX, "%s", name);
            rc = 0;
        }
    pthread_mutex_unlock(&creating_lock);
    return rc;
}

static void unclaim(const char *name)
{
    pthread_mutex_lock(&creating_lock);
    for (int i = 0; i < CREATING_MAX; i++)
        if (!strcmp(creating[i], name))
            creating[i][0] = '\0';
    pthread_mutex_unlock(&creating_lock);
}

static json_t *create_body(const char *name, const struct sfs_template *t, const char *used)
{
    json_t *b = json_object();
    if (t->snapshot[0])
        json_object_set_new(b, "snapshotId", json_string(t->snapshot));
    else
        json_object_set_new(b, "image", json_pack("{s:s}", "uri", t->image));
    json_object_set_new(b, "entrypoint", t->entrypoint ? json_incref(t->entrypoint)
                                                       : json_pack("[sss]", "tail", "-f",
                                                                   "/dev/null"));
    if (t->env)
        json_object_set(b, "env", t->env);
    json_t *lim = json_object();
    if (t->cpu[0])
        json_object_set_new(lim, "cpu", json_string(t->cpu));
    if (t->memory[0])
        json_object_set_new(lim, "memory", json_string(t->memory));
    if (t->pids) {
        char p[32];
        snprintf(p, sizeof p, "%ld", t->pids);
        json_object_set_new(lim, "pids", json_string(p));
    }
    json_object_set_new(b, "resourceLimits", lim);
    json_object_set_new(b, "timeout", t->timeout ? json_integer(t->timeout) : json_null());
    json_object_set_new(b, "metadata", json_pack("{s:s, s:s}", "name", name, "sandboxfs-template",
                                                 used[0] == '(' ? "builtin" : used));
    return b;
}

static const char *state_of(json_t *info)
{
    const char *st = json_string_value(json_object_get(json_object_get(info, "status"), "state"));
    return st ? st : "Unknown";
}

/* Waits (bounded backoff against the published API, which has no wait call) until the sandbox is
 * Running and its execd answers. */
static int wait_ready(const char *name, const char *id, char **why)
{
    double deadline = sfs_now() + sfs_cfg.ready_timeout;
    useconds_t delay = 2000;
    char path[192];
    snprintf(path, sizeof path, "/sandboxes/%s", id);
    for (;;) {
        json_t *info;
        int rc = sbx_lc_call(&sfs_cfg.server, "GET", path, NULL, &info, why);
        if (rc)
            return rc;
        const char *st = state_of(info);
        int running = !strcmp(st, "Running");
        if (!running && strcmp(st, "Pending")) {
            const char *m = json_string_value(
                json_object_get(json_object_get(info, "status"), "message"));
            if (asprintf(why, "sandbox is %s: %s", st, m ? m : "") < 0)
                *why = NULL;
            json_decref(info);
            return -EIO;
        }
        json_decref(info);
        if (running) {
            struct sbx_execd x;
            if (sbx_lc_execd(&sfs_cfg.server, id, &x, NULL) == 0)
                return 0;
        }
        if (sfs_now() > deadline) {
            if (asprintf(why, "not ready after %d s (ready_timeout)", sfs_cfg.ready_timeout) < 0)
                *why = NULL;
            return -ETIMEDOUT;
        }
        usleep(delay);
        delay = delay < 50000 ? delay * 2 : 50000;
        (void)name;
    }
}

static int create_claimed(const char *name)
{
    struct sfs_sandbox *old = sbx_get(name);
    if (old) {
        sbx_put(old);
        return -EEXIST;
    }
    struct sfs_template t;
    char used[SFS_NAME_MAX + 16];
    int rc = tpl_resolve(name, &t, used, sizeof used);
    if (rc) {
        sfs_log("mkdir %s: template %s is invalid", name, used);
        return -EINVAL;
    }
    json_t *body = create_body(name, &t, used), *ans = NULL;
    tpl_free(&t);
    char *why = NULL;
    rc = sbx_lc_call(&sfs_cfg.server, "POST", "/sandboxes", body, &ans, &why);
    json_decref(body);
    const char *id = json_string_value(json_object_get(ans, "id"));
    if (!rc && !sbx_id_ok(id, SFS_NAME_MAX)) {
        sfs_log("mkdir %s: the server's answer has no id usable here ('%.64s'): not touched",
                name, id ? id : "");
        json_decref(ans);
        return -EPROTO;
    }
    if (!rc)
        rc = wait_ready(name, id, &why);
    if (rc) {
        sfs_log("mkdir %s (template %s): %s", name, used, why ? why : strerror(-rc));
        if (id) {
            char path[192];
            snprintf(path, sizeof path, "/sandboxes/%s", id);
            sbx_lc_call(&sfs_cfg.server, "DELETE", path, NULL, NULL, NULL);
        }
    } else {
        sfs_log("mkdir %s: sandbox %s is running (template %s)", name, id, used);
    }
    free(why);
    json_decref(ans);
    return rc;
}

int sbx_create(const char *name)
{
    if (!sfs_valid_name(name))
        return -EINVAL;
    int rc = claim(name);
    if (rc)
        return rc;
    rc = create_claimed(name);
    if (!rc)
        sbx_refresh();
    unclaim(name);
    return rc == -EEXIST || rc == -EINVAL || rc == -ETIMEDOUT || rc == -ENOTCONN ? rc : rc ? -EIO : 0;
}

static int lc_simple(struct sfs_sandbox *s, const char *method, const char *suffix, json_t *body,
                     const char *what)
{
    char path[256], *msg = NULL;
    snprintf(path, sizeof path, "/sandboxes/%s%s", s->id, suffix);
    int rc = sbx_lc_call(&sfs_cfg.server, method, path, body, NULL, &msg);
    if (rc)
        sfs_log("%s: %s: %s", s->name, what, msg ? msg : strerror(-rc));
    free(msg);
    sbx_invalidate(s);
    if (!rc) {
        char status[SFS_NAME_MAX + 16];
        snprintf(status, sizeof status, "/%s/status", s->name);
        notify_touch(status);
    }
    return rc;
}

int sbx_delete(const char *name)
{
    struct sfs_sandbox *s = sbx_get(name);
    if (!s)
        return sbx_missing();
    int rc = lc_simple(s, "DELETE", "", NULL, "delete");
    if (!rc) {
        sfs_log("rmdir %s: sandbox %s deleted", name, s->id);
        s->gone = true;
    }
    sbx_put(s);
    sbx_refresh();
    return rc;
}

static int renew(struct sfs_sandbox *s, long seconds)
{
    char when[64];
    sfs_format_time(time(NULL) + seconds, when, sizeof when);
    json_t *b = json_pack("{s:s}", "expiresAt", when);
    int rc = lc_simple(s, "POST", "/renew-expiration", b, "renew");
    json_decref(b);
    return rc;
}

static int snapshot(struct sfs_sandbox *s, const char *name)
{
    json_t *b = json_object();
    if (*name)
        json_object_set_new(b, "name", json_string(name));
    int rc = lc_simple(s, "POST", "/snapshots", b, "snapshot");
    json_decref(b);
    return rc;
}

int sbx_ctl(struct sfs_sandbox *s, const char *text)
{
    char verb[32] = "", arg[128] = "";
    if (sscanf(text, "%31s %127[^\n]", verb, arg) < 1)
        return -EINVAL;
    if (!strcmp(verb, "pause") && !arg[0])
        return lc_simple(s, "POST", "/pause", NULL, "pause");
    if (!strcmp(verb, "resume") && !arg[0])
        return lc_simple(s, "POST", "/resume", NULL, "resume");
    if (!strcmp(verb, "kill") && !arg[0])
        return sbx_delete(s->name);
    if (!strcmp(verb, "snapshot"))
        return snapshot(s, arg);
    if (!strcmp(verb, "renew")) {
        long secs;
        if (sfs_parse_duration(arg, &secs) || secs <= 0)
            return -EINVAL;
        return renew(s, secs);
    }
    sfs_log("%s: ctl: unknown verb '%s' (pause, resume, kill, renew DURATION, snapshot [NAME])",
            s->name, verb);
    return -EINVAL;
}

int sbx_set_expires(struct sfs_sandbox *s, const char *text)
{
    long secs;
    time_t when;
    if (sfs_parse_duration(text, &secs) == 0)
        return secs > 0 ? renew(s, secs) : -EINVAL;
    if (sfs_parse_time(text, &when))
        return -EINVAL;
    return when > time(NULL) ? renew(s, (long)(when - time(NULL))) : -EINVAL;
}

int sbx_metadata_set(struct sfs_sandbox *s, const char *key, const char *value)
{
    json_t *b = json_object();
    json_object_set_new(b, key, value ? json_string(value) : json_null());
    int rc = lc_simple(s, "PATCH", "/metadata", b, "metadata");
    json_decref(b);
    return rc;
}
