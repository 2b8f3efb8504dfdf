/* Directory read-ahead for tree walks (see files_prefetch.h). */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "files_cache.h"
#include "files_prefetch.h"

struct job {
    struct sbx_execd x;
    char sb[SBX_NAME_MAX + 1]; /* the sandbox name: a cache key */
    char *path;
    uint64_t hash; /* of sb and path: duplicate checks compare this first */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
static struct job queue[PREFETCH_QUEUE];
static size_t qhead, qlen;
static uint64_t busy[PREFETCH_THREADS]; /* hashes of the jobs being fetched, 0: none */
static pthread_t threads[PREFETCH_THREADS];
static int nthreads;
static bool stopping;

static uint64_t hash_of(const char *sb, const char *path)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const char *p = sb; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ '\0') * 1099511628211ull;
    for (const char *p = path; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h ? h : 1;
}

/* Queued or being fetched? Called with the lock held. */
static bool pending(uint64_t h, const char *sb, const char *path)
{
    for (int i = 0; i < PREFETCH_THREADS; i++)
        if (busy[i] == h)
            return true;
    for (size_t i = 0; i < qlen; i++) {
        const struct job *j = &queue[(qhead + i) % PREFETCH_QUEUE];
        if (j->hash == h && !strcmp(j->path, path) && !strcmp(j->sb, sb))
            return true;
    }
    return false;
}

static int stop_at_once(void *arg, const char *name, const struct stat *st)
{
    (void)arg, (void)name, (void)st;
    return 1; /* only whether the listing is there matters */
}

static bool cached(const char *sb, const char *path)
{
    return fcache_fill_dir(sb, path, stop_at_once, NULL) == 1;
}

static void *worker(void *arg)
{
    int me = (int)(intptr_t)arg;
    pthread_mutex_lock(&lock);
    for (;;) {
        while (!qlen && !stopping)
            pthread_cond_wait(&work, &lock);
        if (stopping)
            break;
        struct job j = queue[qhead];
        qhead = (qhead + 1) % PREFETCH_QUEUE;
        qlen--;
        busy[me] = j.hash;
        pthread_mutex_unlock(&lock);
        if (!cached(j.sb, j.path)) {
            uint64_t g = fcache_gen();
            struct sbx_dirlist l = {0};
            if (sbx_files_list(&j.x, j.path, &l) == 0)
                fcache_put_dir(j.sb, j.path, &l, g);
            else
                sbx_dirlist_free(&l);
        }
        free(j.path);
        pthread_mutex_lock(&lock);
        busy[me] = 0;
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

/* Called with the lock held. False: dropped (queue full, or stopping). */
static bool enqueue(const struct sbx_execd *x, const char *sb, char *path)
{
    uint64_t h = hash_of(sb, path);
    bool dropped = stopping || qlen == PREFETCH_QUEUE;
    if (dropped || pending(h, sb, path)) {
        free(path);
        return !dropped;
    }
    struct job *j = &queue[(qhead + qlen) % PREFETCH_QUEUE];
    j->x = *x;
    snprintf(j->sb, sizeof j->sb, "%s", sb);
    j->path = path;
    j->hash = h;
    qlen++;
    if (nthreads < PREFETCH_THREADS &&
        pthread_create(&threads[nthreads], NULL, worker, (void *)(intptr_t)nthreads) == 0)
        nthreads++;
    pthread_cond_signal(&work);
    return true;
}

struct subdirs {
    const char *dir;
    char *paths[PREFETCH_PER_LIST];
    size_t n;
};

/* Collects the subdirectories of a cached listing (runs under the cache's lock: no calls). */
static int collect(void *arg, const char *name, const struct stat *st)
{
    struct subdirs *s = arg;
    if (!S_ISDIR(st->st_mode) || s->n == PREFETCH_PER_LIST)
        return 0;
    size_t dl = strlen(s->dir), nl = strlen(name);
    bool root = !strcmp(s->dir, "/");
    if (dl + nl + 2 > SBX_PATH_MAX)
        return 0;
    char *p = malloc(dl + nl + 2);
    if (!p)
        return 0;
    snprintf(p, dl + nl + 2, "%s/%s", root ? "" : s->dir, name);
    s->paths[s->n++] = p;
    return 0;
}

/* True when every subdirectory is cached, pending or queued now. */
static bool queue_subdirs(const struct files_target *t, struct subdirs *s)
{
    size_t k = 0;
    bool all = s->n < PREFETCH_PER_LIST;
    for (size_t i = 0; i < s->n; i++) { /* the cache lookups outside our lock */
        if (cached(t->sandbox, s->paths[i]))
            free(s->paths[i]);
        else
            s->paths[k++] = s->paths[i];
    }
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < k; i++)
        all &= enqueue(t->x, t->sandbox, s->paths[i]);
    pthread_mutex_unlock(&lock);
    return all;
}

/* Queues the subdirectories of the cached listing of dir, once per listing: the listings of a
 * walked directory's 100 children would otherwise each scan its 100 siblings again (a warm
 * ls -lR of 10,000 entries did 10,000 allocations and lookups for nothing). A listing whose
 * subdirectories did not all fit in the queue is scanned again by the next one. */
static void queue_listing(const struct files_target *t, const char *dir)
{
    if (fcache_dir_walked(t->sandbox, dir) != 0)
        return;
    struct subdirs sd = {.dir = dir};
    if (fcache_fill_dir(t->sandbox, dir, collect, &sd) == 1 && queue_subdirs(t, &sd))
        fcache_dir_set_walked(t->sandbox, dir);
}

void prefetch_after_list(const struct files_target *t)
{
    if (!strcmp(t->path, "/"))
        return;
    char parent[SBX_PATH_MAX];
    fcache_parent(parent, sizeof parent, t->path);
    if (fcache_dir_walked(t->sandbox, parent) < 0)
        return; /* the parent was not just listed: no walk (or no caching) */
    queue_listing(t, parent);
    queue_listing(t, t->path);
}

void prefetch_stop(void)
{
    pthread_mutex_lock(&lock);
    stopping = true;
    pthread_cond_broadcast(&work);
    int n = nthreads;
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
    pthread_mutex_lock(&lock);
    for (; qlen; qlen--, qhead = (qhead + 1) % PREFETCH_QUEUE)
        free(queue[qhead].path);
    nthreads = 0;
    pthread_mutex_unlock(&lock);
}
