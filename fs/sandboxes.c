/* The table of sandboxes: what the server lists, under their "name" metadata (else their id),
 * plus what this mount remembers about each (execd address, latest command, sessions). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "command_merge.h"
#include "registry.h"
#include "sessions.h"

#define TABLE_MAX 4096
#define KNOWN_AGE 5
#define MISS_REFRESH 0.2 /* an unknown name re-lists at most this often (seconds) */

static pthread_mutex_t tab_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t refresh_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sfs_sandbox *tab[TABLE_MAX];
static size_t ntab;
static double listed_at = -1e9;
static int list_error; /* the last listing's error (0 when it worked) */

int sbx_table_init(void)
{
    return 0;
}

static struct sfs_sandbox *sandbox_new(const char *name, const char *id)
{
    struct sfs_sandbox *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->id, sizeof s->id, "%s", id);
    s->refs = 1;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->cmds_fetch, NULL);
    s->ports = json_object();
    return s;
}

static void sandbox_free(struct sfs_sandbox *s)
{
    json_decref(s->info);
    json_decref(s->cmds);
    json_decref(s->ports);
    for (struct sfs_session *n, *se = s->sessions; se; se = n) {
        n = se->next;
        run_put(se->last);
        free(se);
    }
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->cmds_fetch);
    free(s);
}

void sbx_put(struct sfs_sandbox *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&tab_lock);
    int last = --s->refs == 0;
    pthread_mutex_unlock(&tab_lock);
    if (last)
        sandbox_free(s);
}

/* Index of the sandbox with this name or id in the table, or -1 (tab_lock held). */
static int find(const char *key, bool by_id)
{
    for (size_t i = 0; i < ntab; i++)
        if (!strcmp(by_id ? tab[i]->id : tab[i]->name, key))
            return (int)i;
    return -1;
}

static void remove_at(size_t i)
{
    struct sfs_sandbox *s = tab[i];
    s->gone = true;
    tab[i] = tab[--ntab];
    if (--s->refs == 0)
        sandbox_free(s);
}

/* The name a listed sandbox appears under: its "name" metadata if valid, else its id. */
static const char *display_name(json_t *item, const char *id)
{
    const char *n = json_string_value(json_object_get(json_object_get(item, "metadata"), "name"));
    return n && sfs_valid_name(n) ? n : id;
}

static void merge_item(json_t *item, bool *seen, double asked_at)
{
    const char *id = json_string_value(json_object_get(item, "id"));
    /* the id may become the name (so under SFS_NAME_MAX) and goes into URL paths: one '/' would
     * fail the kernel's whole readdir, "../x" would be a path. Such a sandbox is not listed. */
    if (!sbx_id_ok(id, SFS_NAME_MAX))
        return;
    const char *name = display_name(item, id);
    int i = find(id, true);
    if (i < 0) {
        if (find(name, false) >= 0)
            name = id; /* two sandboxes claim one name: the later shows by id */
        if (ntab >= TABLE_MAX || find(name, false) >= 0)
            return;
        struct sfs_sandbox *s = sandbox_new(name, id);
        if (!s)
            return;
        i = (int)ntab;
        tab[ntab++] = s;
    }
    struct sfs_sandbox *s = tab[i];
    pthread_mutex_lock(&s->lock);
    if (asked_at > s->inval_at && asked_at > s->info_at) { /* else what we hold is newer */
        json_decref(s->info);
        s->info = json_incref(item);
        s->info_at = asked_at;
    }
    pthread_mutex_unlock(&s->lock);
    seen[i] = true;
}

static int refresh(void)
{
    json_t *items;
    char *msg = NULL;
    double asked_at = sfs_now();
    int rc = sbx_lc_list(&sfs_cfg.server, &items, &msg);
    if (rc != list_error && rc) /* once per outage, not at every retry */
        sfs_log("listing sandboxes: %s", msg ? msg : strerror(-rc));
    else if (rc != list_error)
        sfs_log("the server answers again");
    list_error = rc;
    free(msg);
    if (rc)
        return rc;
    static bool seen[TABLE_MAX];
    pthread_mutex_lock(&tab_lock);
    memset(seen, 0, sizeof seen);
    size_t k;
    json_t *item;
    json_array_foreach(items, k, item) merge_item(item, seen, asked_at);
    for (size_t i = ntab; i-- > 0;)
        if (!seen[i])
            remove_at(i);
    listed_at = sfs_now();
    pthread_mutex_unlock(&tab_lock);
    json_decref(items);
    return 0;
}

/* Re-lists when the listing is older than max_age (one refresh at a time). */
static int refresh_if_older(double max_age)
{
    pthread_mutex_lock(&refresh_lock);
    int rc = 0;
    if (sfs_now() - listed_at > max_age)
        rc = refresh();
    pthread_mutex_unlock(&refresh_lock);
    return rc;
}

static struct sfs_sandbox *lookup(const char *name)
{
    pthread_mutex_lock(&tab_lock);
    int i = find(name, false);
    struct sfs_sandbox *s = i >= 0 ? tab[i] : NULL;
    if (s)
        s->refs++;
    pthread_mutex_unlock(&tab_lock);
    return s;
}

struct sfs_sandbox *sbx_get(const char *name)
{
    /* A name the table knows is served from a listing up to KNOWN_AGE times older (the notifier
     * re-lists every 2 s, and a sandbox removed meanwhile answers 404 to whatever is asked of
     * it); an unknown name always looks at a fresh listing. */
    struct sfs_sandbox *s = lookup(name);
    double max_age = s ? sfs_cfg.list_ttl * KNOWN_AGE : sfs_cfg.list_ttl;
    sbx_put(s);
    refresh_if_older(max_age);
    s = lookup(name);
    if (!s && refresh_if_older(MISS_REFRESH) == 0)
        s = lookup(name);
    return s;
}

int sbx_names(void (*fn)(const char *name, void *arg), void *arg)
{
    int rc = refresh_if_older(sfs_cfg.list_ttl);
    pthread_mutex_lock(&tab_lock);
    size_t n = ntab;
    char (*names)[SFS_NAME_MAX] = malloc((n ? n : 1) * SFS_NAME_MAX);
    for (size_t i = 0; names && i < n; i++)
        memcpy(names[i], tab[i]->name, SFS_NAME_MAX);
    pthread_mutex_unlock(&tab_lock);
    if (!names)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) /* without the lock: fn may look sandboxes up */
        fn(names[i], arg);
    free(names);
    return rc;
}

void sbx_invalidate(struct sfs_sandbox *s)
{
    pthread_mutex_lock(&s->lock);
    s->info_at = -1e9;
    s->cmds_at = -1e9;
    s->inval_at = s->cmds_inval_at = sfs_now();
    pthread_mutex_unlock(&s->lock);
}

int sbx_execd(struct sfs_sandbox *s, struct sbx_execd *x)
{
    pthread_mutex_lock(&s->lock);
    bool ok = s->x_ok;
    if (ok)
        *x = s->x;
    pthread_mutex_unlock(&s->lock);
    if (ok)
        return 0;
    char *msg = NULL;
    int rc = sbx_lc_execd(&sfs_cfg.server, s->id, x, &msg);
    if (rc) {
        sfs_log("%s: cannot reach its execd: %s", s->name, msg ? msg : strerror(-rc));
        free(msg);
        return rc == -ENOENT ? -ENOENT : -ENOTCONN;
    }
    free(msg);
    pthread_mutex_lock(&s->lock);
    s->x = *x;
    s->x_ok = true;
    pthread_mutex_unlock(&s->lock);
    return 0;
}

int sbx_info(struct sfs_sandbox *s, json_t **info, double max_age)
{
    pthread_mutex_lock(&s->lock);
    if (s->info && sfs_now() - s->info_at <= max_age) {
        *info = json_incref(s->info);
        pthread_mutex_unlock(&s->lock);
        return 0;
    }
    pthread_mutex_unlock(&s->lock);
    double asked_at = sfs_now();
    char path[192], *msg = NULL;
    snprintf(path, sizeof path, "/sandboxes/%s", s->id);
    json_t *fresh;
    int rc = sbx_lc_call(&sfs_cfg.server, "GET", path, NULL, &fresh, &msg);
    if (rc) {
        sfs_log("%s: status: %s", s->name, msg ? msg : strerror(-rc));
        free(msg);
        return rc;
    }
    pthread_mutex_lock(&s->lock);
    if (asked_at > s->inval_at) {
        json_decref(s->info);
        s->info = json_incref(fresh);
        s->info_at = asked_at;
    }
    pthread_mutex_unlock(&s->lock);
    *info = fresh;
    return 0;
}

/* A paused sandbox's execd is frozen: its answers wait for resume. */
static bool known_paused(struct sfs_sandbox *s)
{
    const char *st =
        json_string_value(json_object_get(json_object_get(s->info, "status"), "state"));
    return st && !strcmp(st, "Paused");
}

static bool commands_fresh(struct sfs_sandbox *s, double max_age)
{
    pthread_mutex_lock(&s->lock);
    bool ok = s->cmds && (sfs_now() - s->cmds_at <= max_age || known_paused(s));
    pthread_mutex_unlock(&s->lock);
    return ok;
}

static int fetch_commands(struct sfs_sandbox *s);

/* The cached list is s->cmds, changed in place under s->lock: readers take what they need under
 * it (a record is never changed: a new one takes its place). */
int sbx_command(struct sfs_sandbox *s, long num, double max_age, json_t **rec, size_t *count)
{
    int rc = 0;
    if (!commands_fresh(s, max_age)) {
        /* Concurrent lookups (stat, open, the notifier) share one request: who waited for the
         * lock finds the list the previous holder fetched. */
        pthread_mutex_lock(&s->cmds_fetch);
        rc = commands_fresh(s, max_age) ? 0 : fetch_commands(s);
        pthread_mutex_unlock(&s->cmds_fetch);
    }
    if (rc)
        return rc;
    pthread_mutex_lock(&s->lock);
    size_t n = json_array_size(s->cmds);
    json_t *r = num == 0 && n ? json_array_get(s->cmds, n - 1)
                : num > 0 && (size_t)num <= n ? json_array_get(s->cmds, (size_t)num - 1)
                                              : NULL;
    if (rec)
        *rec = json_incref(r);
    if (count)
        *count = n;
    pthread_mutex_unlock(&s->lock);
    return rec && !r ? -ENOENT : 0;
}

/* The next use asks execd for the whole list. Called with s->lock held. */
static void commands_unknown(struct sfs_sandbox *s)
{
    s->cmds_at = -1e9;
    s->cmds_seq = 0;
}

/* A whole list replaces the cached one, unless a command started or ended after it was asked
 * for (the list could lack it). Called with s->lock held. */
static void keep_full(struct sfs_sandbox *s, const struct sbx_cmd_delta *d, double asked_at)
{
    if (asked_at <= s->cmds_inval_at && s->cmds)
        return;
    s->cmds_gen++;
    if (asked_at <= s->cmds_inval_at) { /* better than none, but asked again at the next use */
        s->cmds = json_incref(d->records);
        s->cmds_local = 0;
        commands_unknown(s);
        return;
    }
    json_decref(s->cmds);
    s->cmds = json_incref(d->records);
    s->cmds_at = asked_at;
    s->cmds_seq = d->seq;
    s->cmds_local = 0;
    snprintf(s->cmds_epoch, sizeof s->cmds_epoch, "%s", d->epoch);
}

/* Called with s->lock held. */
static void apply_delta(struct sfs_sandbox *s, struct sbx_cmd_delta *d, double asked_at)
{
    size_t local = s->cmds_local;
    json_t *fresh = json_array_size(d->records) || json_array_size(d->removed)
                        ? cmd_list_merge(s->cmds, &local, d->records, d->removed)
                        : json_incref(s->cmds);
    if (!fresh)
        return; /* no memory: asked again at the next use */
    json_decref(s->cmds);
    s->cmds = fresh;
    s->cmds_gen++;
    s->cmds_local = local;
    s->cmds_at = asked_at;
    s->cmds_seq = d->seq;
}

/* Asks for what changed since the cached state (our execd), else for the whole list. */
static int fetch_commands(struct sfs_sandbox *s)
{
    double asked_at = sfs_now();
    struct sbx_execd x;
    struct sbx_cmd_delta d = {.full = true};
    char epoch[SBX_EPOCH_MAX];
    int rc = sbx_execd(s, &x);
    if (rc)
        return rc;
    pthread_mutex_lock(&s->lock);
    uint64_t since = s->cmds ? s->cmds_seq : 0;
    snprintf(epoch, sizeof epoch, "%s", s->cmds_epoch);
    pthread_mutex_unlock(&s->lock);
    rc = x.ext & SBX_EXT_COMMAND_LIST ? sbx_cmd_list_delta(&x, epoch, since, &d)
                                      : registry_list(s, &x, &d.records);
    if (rc)
        return rc;
    pthread_mutex_lock(&s->lock);
    if (d.full)
        keep_full(s, &d, asked_at);
    else if (s->cmds && s->cmds_seq == since && !strcmp(s->cmds_epoch, epoch))
        apply_delta(s, &d, asked_at);
    /* else the cached list changed base meanwhile: this answer applies to it no more */
    pthread_mutex_unlock(&s->lock);
    sbx_cmd_delta_free(&d);
    return 0;
}

uint64_t sbx_commands_gen(struct sfs_sandbox *s)
{
    pthread_mutex_lock(&s->lock);
    uint64_t gen = s->cmds_gen;
    pthread_mutex_unlock(&s->lock);
    return gen;
}

/* The index of command id in the cached list, or -1. From the newest: a command that just
 * started or ended is almost always one of the last. Called with s->lock held. */
static long commands_find(struct sfs_sandbox *s, const char *id)
{
    for (size_t i = json_array_size(s->cmds); i-- > 0;) {
        const char *rid = cmd_rec_id(json_array_get(s->cmds, i));
        if (rid && !strcmp(rid, id))
            return (long)i;
    }
    return -1;
}

void sbx_commands_started(struct sfs_sandbox *s, uint64_t gen, const char *id, const char *text)
{
    json_t *rec = json_pack("{s:s, s:s, s:b, s:b, s:i, s:i, s:i}", "id", id, "content", text,
                            "running", 1, "background", 1, "stdout_bytes", 0, "stderr_bytes", 0,
                            "output_bytes", 0);
    pthread_mutex_lock(&s->lock);
    /* An answer that came during the start may list it already (then it is not added twice). */
    if (s->cmds && s->cmds_gen != gen && commands_find(s, id) >= 0)
        ;
    else if (rec && s->cmds && !json_array_append(s->cmds, rec))
        s->cmds_local++;
    else
        commands_unknown(s);
    s->cmds_inval_at = sfs_now(); /* a listing asked for before this start is not kept */
    pthread_mutex_unlock(&s->lock);
    json_decref(rec);
}

void sbx_commands_ended(struct sfs_sandbox *s, const char *id, json_t *final)
{
    json_t *copy = final && json_object_get(final, "stdout_bytes") ? json_deep_copy(final) : NULL;
    bool set = false;
    pthread_mutex_lock(&s->lock);
    long i = copy ? commands_find(s, id) : -1;
    if (i >= 0)
        set = !json_array_set(s->cmds, (size_t)i, copy);
    if (!set)
        s->cmds_at = -1e9; /* not cached: the next use asks (the end is a change execd lists) */
    s->cmds_inval_at = sfs_now();
    pthread_mutex_unlock(&s->lock);
    json_decref(copy);
}

int sbx_refresh(void)
{
    return refresh_if_older(-1);
}

int sbx_missing(void)
{
    int rc = list_error;
    return rc == 0 || rc == -ENOENT ? -ENOENT : rc == -EACCES ? -EACCES : -ENOTCONN;
}
