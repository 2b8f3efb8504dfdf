/* The notifier thread (see notify.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "notify.h"

#define QUEUE_MAX 256
#define GHOSTS_MAX 64

enum job_kind { J_TOUCH, J_MKDIR, J_RMDIR };
struct job {
    enum job_kind kind;
    char path[SFS_NAME_MAX * 2 + 64];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct job queue[QUEUE_MAX];
static size_t qhead, qlen;
static char ghosts[GHOSTS_MAX][SFS_NAME_MAX]; /* vanished: the notifier's lookup still finds them */
static char births[GHOSTS_MAX][SFS_NAME_MAX]; /* appeared: the notifier's lookup does not yet */
static pid_t self_tid;
static bool stopping, started;
static pthread_t thread;
static json_t *last_states; /* {name: state} as of the last comparison */

bool notify_is_self(void)
{
    struct fuse_context *c = fuse_get_context();
    /* Only the notifier thread touches our own mount; the kernel reports its thread or process id. */
    return c && self_tid && (c->pid == self_tid || c->pid == getpid());
}

static bool in_set(char (*set)[SFS_NAME_MAX], const char *name)
{
    bool found = false;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < GHOSTS_MAX && !found; i++)
        found = !strcmp(set[i], name);
    pthread_mutex_unlock(&lock);
    return found;
}

static void set_in(char (*set)[SFS_NAME_MAX], const char *name, bool on)
{
    pthread_mutex_lock(&lock);
    for (int i = 0; i < GHOSTS_MAX; i++) {
        if (on && !set[i][0]) {
            snprintf(set[i], SFS_NAME_MAX, "%s", name);
            break;
        }
        if (!on && !strcmp(set[i], name))
            set[i][0] = '\0';
    }
    pthread_mutex_unlock(&lock);
}

bool notify_is_ghost(const char *name)
{
    return in_set(ghosts, name);
}

bool notify_is_birth(const char *name)
{
    return in_set(births, name);
}

void notify_born(const char *name)
{
    set_in(births, name, false);
}

static void set_ghost(const char *name, bool on)
{
    set_in(ghosts, name, on);
}

static void push(enum job_kind kind, const char *path)
{
    pthread_mutex_lock(&lock);
    if (qlen < QUEUE_MAX && started) {
        struct job *j = &queue[(qhead + qlen++) % QUEUE_MAX];
        j->kind = kind;
        snprintf(j->path, sizeof j->path, "%s", path);
        pthread_cond_signal(&wake);
    }
    pthread_mutex_unlock(&lock);
}

void notify_touch(const char *path)
{
    push(J_TOUCH, path);
}

static void perform(const struct job *j)
{
    char full[sizeof sfs_cfg.mountpoint + sizeof j->path];
    snprintf(full, sizeof full, "%s%s", sfs_cfg.mountpoint, j->path);
    switch (j->kind) {
    case J_TOUCH:
        utimensat(AT_FDCWD, full, NULL, 0);
        break;
    case J_MKDIR:
        mkdir(full, 0755);
        set_in(births, j->path + 1, false);
        break;
    case J_RMDIR:
        rmdir(full);
        set_ghost(j->path + 1, false);
        break;
    }
}

/* Compares the server's listing with the last one and queues the events that tell the change. */
static void state_of(const char *name, void *arg)
{
    struct sfs_sandbox *s = sbx_get(name);
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    const char *st =
        json_string_value(json_object_get(json_object_get(s->info, "status"), "state"));
    json_object_set_new(arg, name, json_string(st ? st : "Unknown"));
    pthread_mutex_unlock(&s->lock);
    sbx_put(s);
}

static void compare(void)
{
    json_t *now = json_object();
    sbx_refresh();
    sbx_names(state_of, now);
    const char *name;
    json_t *v;
    char path[SFS_NAME_MAX + 16];
    if (last_states) {
        json_object_foreach(now, name, v)
        {
            json_t *was = json_object_get(last_states, name);
            snprintf(path, sizeof path, "/%s", name);
            if (!was) {
                set_in(births, name, true);
                push(J_MKDIR, path);
            }
            else if (!json_equal(was, v)) {
                snprintf(path, sizeof path, "/%s/status", name);
                push(J_TOUCH, path);
            }
        }
        json_object_foreach(last_states, name, v) if (!json_object_get(now, name))
        {
            snprintf(path, sizeof path, "/%s", name);
            set_ghost(name, true);
            push(J_RMDIR, path);
        }
    }
    json_decref(last_states);
    last_states = now;
}

static void *run(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    self_tid = (pid_t)syscall(SYS_gettid);
    double next = sfs_now();
    while (!stopping) {
        if (qlen) {
            struct job j = queue[qhead];
            qhead = (qhead + 1) % QUEUE_MAX;
            qlen--;
            pthread_mutex_unlock(&lock);
            perform(&j);
            pthread_mutex_lock(&lock);
            continue;
        }
        if (sfs_now() >= next) {
            pthread_mutex_unlock(&lock);
            compare();
            pthread_mutex_lock(&lock);
            next = sfs_now() + NOTIFY_POLL_SECONDS;
            continue;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += NOTIFY_POLL_SECONDS;
        pthread_cond_timedwait(&wake, &lock, &ts);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

void notify_start(void)
{
    pthread_mutex_lock(&lock);
    started = pthread_create(&thread, NULL, run, NULL) == 0;
    pthread_mutex_unlock(&lock);
}

void notify_stop(void)
{
    pthread_mutex_lock(&lock);
    stopping = true;
    pthread_cond_signal(&wake);
    bool was = started;
    started = false;
    pthread_mutex_unlock(&lock);
    if (was)
        pthread_join(thread, NULL);
    json_decref(last_states);
    last_states = NULL;
}
