/* Command watchers on a pool of long-lived threads (see cmdwatch.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cmdwatch.h"
#include "files.h"
#include "notify.h"
#include "stream.h"

#define WAIT_SLICE_MS 100 /* a waiting reader checks for a FUSE interrupt this often */

struct cmdwatch {
    char name[SFS_NAME_MAX];
    char id[SBX_ID_MAX];
    struct sbx_execd x;
    bool done, listed;
    bool active; /* a watcher is on it: its end will come */
    long seen;   /* > 0: commands/seen/ was looked up (cmdwatch_seen) */
    int rc, code;
    json_t *final;
    struct sbx_cmd_held *held; /* the start's open stream, until a watcher takes it */
    int refs;
    struct cmdwatch *lnext; /* in the list of watches, while listed */
    struct cmdwatch *qnext; /* in the queue, until a watcher takes it */
};

/* One lock for the list, the queue and the pool; one condition for watchers (work) and one
 * for readers (ends): few and short critical sections. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t ended = PTHREAD_COND_INITIALIZER;
static struct cmdwatch *watches;          /* running commands being watched */
static struct cmdwatch *qhead, **qtail = &qhead;
static pthread_t threads[CMDWATCH_THREADS_MAX];
static int nthreads, idle;
static bool stopping;

static void put_locked(struct cmdwatch *w)
{
    if (--w->refs)
        return;
    json_decref(w->final);
    free(w);
}

void cmdwatch_put(struct cmdwatch *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&lock);
    put_locked(w);
    pthread_mutex_unlock(&lock);
}

static void unlist(struct cmdwatch *w)
{
    for (struct cmdwatch **p = &watches; *p; p = &(*p)->lnext)
        if (*p == w) {
            *p = w->lnext;
            w->listed = false;
            return;
        }
}

void cmdwatch_seen(const char *id, long num)
{
    pthread_mutex_lock(&lock);
    for (struct cmdwatch *w = watches; w; w = w->lnext)
        if (!strcmp(w->id, id)) {
            w->seen = num;
            break;
        }
    pthread_mutex_unlock(&lock);
}

struct cmdwatch *cmdwatch_find(const char *id)
{
    pthread_mutex_lock(&lock);
    struct cmdwatch *w = watches;
    while (w && strcmp(w->id, id))
        w = w->lnext;
    if (w && !w->active)
        w = NULL; /* still queued (every watcher busy): the reader asks for itself */
    if (w)
        w->refs++;
    pthread_mutex_unlock(&lock);
    return w;
}

static int stop_asked(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    bool s = stopping;
    pthread_mutex_unlock(&lock);
    return s;
}

/* The end of a command. File caches go first (a reader of exit then sees the command's changes
 * under files/), then readers wake, then the cached list and inotify; the watch stays listed
 * until the list shows the end, so a reader always finds one or the other. */
static void finish(struct cmdwatch *w, int rc, int code, json_t *final)
{
    if (rc == 0)
        files_forget(w->name);
    pthread_mutex_lock(&lock);
    w->done = true;
    w->rc = rc;
    w->code = code;
    w->final = final;
    pthread_cond_broadcast(&ended);
    pthread_mutex_unlock(&lock);
    if (rc == 0) {
        struct sfs_sandbox *s = sbx_get(w->name);
        if (s) {
            sbx_commands_ended(s, w->id, final);
            sbx_put(s);
        }
        char path[SFS_NAME_MAX + 64];
        snprintf(path, sizeof path, "/%s/exit", w->name);
        notify_touch(path);
        snprintf(path, sizeof path, "/%s/stdout", w->name);
        notify_touch(path);
        pthread_mutex_lock(&lock);
        long seen = w->seen;
        pthread_mutex_unlock(&lock);
        for (int i = 0; seen > 0 && i < 2; i++) {
            snprintf(path, sizeof path, "/%s/commands/%ld/%s", w->name, seen, i ? "status" : "exit");
            notify_touch(path);
        }
    }
    pthread_mutex_lock(&lock);
    unlist(w);
    put_locked(w);
    pthread_mutex_unlock(&lock);
}

static void *watcher(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    for (;;) {
        while (!qhead && !stopping)
            pthread_cond_wait(&work, &lock);
        if (stopping)
            break;
        struct cmdwatch *w = qhead;
        qhead = w->qnext;
        if (!qhead)
            qtail = &qhead;
        w->active = true;
        idle--;
        pthread_mutex_unlock(&lock);
        int code = -1;
        json_t *final = NULL;
        struct sbx_cmd_held *held = w->held;
        w->held = NULL;
        int rc = stream_wait_exit(&w->x, w->id, held, stop_asked, NULL, &code, &final);
        finish(w, rc, code, final);
        pthread_mutex_lock(&lock);
        idle++;
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

/* Called with the lock held: a free watcher, or a new one while under the cap. */
static void wake_watcher(void)
{
    if (idle == 0 && nthreads < CMDWATCH_THREADS_MAX) {
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setstacksize(&a, 256 * 1024);
        if (pthread_create(&threads[nthreads], &a, watcher, NULL) == 0) {
            nthreads++;
            idle++;
        }
        pthread_attr_destroy(&a);
    }
    pthread_cond_signal(&work);
}

void cmdwatch_start(struct sfs_sandbox *s, const char *id, struct sbx_cmd_held *held)
{
    struct cmdwatch *w = calloc(1, sizeof *w);
    if (!w || sbx_execd(s, &w->x)) {
        sbx_cmd_held_free(held);
        free(w);
        return;
    }
    w->held = held;
    snprintf(w->name, sizeof w->name, "%s", s->name);
    snprintf(w->id, sizeof w->id, "%s", id);
    w->refs = 1; /* the watcher's, dropped by finish() */
    pthread_mutex_lock(&lock);
    if (stopping) {
        pthread_mutex_unlock(&lock);
        sbx_cmd_held_free(w->held);
        free(w);
        return;
    }
    w->listed = true;
    w->lnext = watches;
    watches = w;
    *qtail = w;
    qtail = &w->qnext;
    wake_watcher();
    pthread_mutex_unlock(&lock);
}

int cmdwatch_wait(struct cmdwatch *w, bool nonblock, int *code, json_t **final)
{
    int rc = 0;
    pthread_mutex_lock(&lock);
    while (!w->done && !rc) {
        if (nonblock) {
            rc = -EAGAIN;
            break;
        }
        struct timespec ts = sfs_deadline_in(WAIT_SLICE_MS * 1000L);
        pthread_cond_timedwait(&ended, &lock, &ts);
        if (!w->done && fuse_get_context() && fuse_interrupted())
            rc = -EINTR;
    }
    if (!rc && w->done) {
        rc = w->rc;
        *code = w->code;
        if (final)
            *final = json_incref(w->final);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

void cmdwatch_stop(void)
{
    pthread_mutex_lock(&lock);
    stopping = true;
    pthread_cond_broadcast(&work);
    int n = nthreads;
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < n; i++) /* a busy watcher notices within a second (stop_asked) */
        pthread_join(threads[i], NULL);
    pthread_mutex_lock(&lock);
    nthreads = idle = 0;
    while (qhead) { /* never taken: end them for any reader */
        struct cmdwatch *w = qhead;
        qhead = w->qnext;
        w->done = true;
        w->rc = -ENOTCONN;
        sbx_cmd_held_free(w->held);
        w->held = NULL;
        unlist(w);
        put_locked(w);
    }
    pthread_cond_broadcast(&ended);
    qtail = &qhead;
    pthread_mutex_unlock(&lock);
}
