/* Per-command I/O thread: pipes -> spools, timeout enforcement, completion. */
#include "command.h"
#include "execd.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#define IO_CHUNK (256 * 1024)     /* bytes per read into the buffer (no splice) */
#define SPLICE_CHUNK (1024 * 1024) /* bytes per splice into a spool: a full grown pipe */
#define FULL_PIPE (64 * 1024)      /* a read this large found the pipe full: a fast writer */
#define BIG_PIPE (1 << 20)         /* its pipe then grows to this (pipe-max-size by default) */
#define DRAIN_MAX (64u << 20) /* after exit, bytes still read from pipes held by descendants */

void command_finished(struct command *c);

/* n bytes of a stream arrived, stored of them at `at` of its spool: maps them into the output
 * and publishes both. */
static void publish_stored(struct command *c, int stream, uint64_t at, size_t stored, size_t n)
{
    struct spool *sp = &c->sp[stream];
    struct outmap_rec rec;
    int prep = stored ? outmap_prepare(&c->out, g_cfg.spool_dir, stream, at, &rec) : -1;
    pthread_mutex_lock(&c->mu);
    sp->len += stored;
    if (stored < n) sp->truncated = true;
    outmap_publish(&c->out, prep, &rec, stored);
    pthread_cond_broadcast(&c->cv);
    uint64_t keep = c->followers[stream] ? c->sent[stream] : UINT64_MAX;
    pthread_mutex_unlock(&c->mu);
    spool_settle(sp, g_cfg.spool_cache, keep);
}

/* Appends bytes read from a pipe to one stream's spool, then publishes. */
static void publish(struct command *c, int stream, const char *buf, size_t n)
{
    uint64_t at = c->sp[stream].len; /* only this thread changes it */
    ssize_t a = spool_append(&c->sp[stream], g_cfg.spool_dir, at, buf, n);
    publish_stored(c, stream, at, a > 0 ? (size_t)a : 0, n);
}

/* A batch that filled the pipe shows a fast writer: a larger pipe wakes us less often. */
static void grow_if_full(struct command *c, int fd, int stream, size_t got)
{
    if (got < FULL_PIPE || c->pipe_grown[stream]) return;
    fcntl(fd, F_SETPIPE_SZ, BIG_PIPE); /* best effort */
    c->pipe_grown[stream] = true;
}

/* Moves pipe bytes straight into the spool (splice). 1: some moved, 0: EOF (closes *fd),
 * -EAGAIN: nothing there, < 0 otherwise: the caller reads them instead. */
static int pump_splice(struct command *c, int *fd, int stream)
{
    uint64_t at = c->sp[stream].len;
    ssize_t r = spool_splice(&c->sp[stream], g_cfg.spool_dir, at, *fd, SPLICE_CHUNK);
    if (r > 0) {
        grow_if_full(c, *fd, stream, (size_t)r);
        publish_stored(c, stream, at, (size_t)r, (size_t)r);
        return 1;
    }
    if (r == 0) {
        close(*fd);
        *fd = -1;
        return 0;
    }
    return r == -EINTR ? -EAGAIN : (int)r;
}

/* Moves one batch from *fd to its spool (spliced once the spool exists and while its filesystem
 * allows it, else read and written: a quiet command opens no spool); closes it at EOF. */
static void pump(struct command *c, int *fd, int stream, char *buf)
{
    if (!c->no_splice && c->sp[stream].fd >= 0) { /* the first bytes open it: read them */
        int s = pump_splice(c, fd, stream);
        if (s >= 0 || s == -EAGAIN) return;
        c->no_splice = true; /* e.g. EINVAL: this filesystem cannot; ENOSPC: full or capped */
    }
    ssize_t r = read(*fd, buf, IO_CHUNK);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (r <= 0) {
        close(*fd);
        *fd = -1;
        return;
    }
    grow_if_full(c, *fd, stream, (size_t)r);
    publish(c, stream, buf, (size_t)r);
}

/* After the exit: takes what is already in the pipes without waiting for descendants. */
static void drain(struct command *c, char *buf)
{
    int *fds[2] = {&c->out_fd, &c->err_fd};
    size_t total = 0;
    for (int i = 0; i < 2; i++) {
        if (*fds[i] < 0) continue;
        fcntl(*fds[i], F_SETFL, O_NONBLOCK);
        for (;;) {
            ssize_t r = read(*fds[i], buf, IO_CHUNK);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            publish(c, i == 0 ? CS_STDOUT : CS_STDERR, buf, (size_t)r);
            total += (size_t)r;
            if (total > DRAIN_MAX) break;
        }
        close(*fds[i]);
        *fds[i] = -1;
    }
}

static bool has_exited(struct command *c)
{
    pthread_mutex_lock(&c->mu);
    bool e = c->exited;
    pthread_mutex_unlock(&c->mu);
    return e;
}

static void io_loop(struct command *c, char *buf)
{
    for (;;) {
        struct pollfd p[3] = {{.fd = c->out_fd, .events = POLLIN},
                              {.fd = c->err_fd, .events = POLLIN},
                              {.fd = c->efd, .events = POLLIN}};
        int timeout = -1;
        if (c->deadline_mono) {
            int64_t left = c->deadline_mono - mono_ms();
            timeout = left < 0 ? 0 : left > 86400000 ? 86400000 : (int)left;
        }
        int n = poll(p, 3, timeout);
        if (n < 0 && errno == EINTR) continue;
        if (n == 0 && c->deadline_mono) { /* timeout: kill the whole group, as upstream */
            command_signal(c, SIGKILL);
            c->deadline_mono = 0;
            continue;
        }
        if (p[2].revents && has_exited(c)) break;
        if (p[0].revents) pump(c, &c->out_fd, CS_STDOUT, buf);
        if (p[1].revents) pump(c, &c->err_fd, CS_STDERR, buf);
    }
    drain(c, buf);
}

/* One command's I/O, from its start to its record's completion, with the thread's buffer. */
static void io_run(struct command *c, char *buf)
{
    char err[256];
    exec_checked(c, NULL, err, sizeof err);
    if (buf && c->efd >= 0 && c->pid > 0)
        io_loop(c, buf);
    else if (buf)
        drain(c, buf);
    if (c->pid <= 0) {
        pthread_mutex_lock(&c->mu);
        c->exited = true;
        c->wait_status = 127 << 8;
        pthread_mutex_unlock(&c->mu);
    }
    if (c->efd >= 0) close(c->efd);
    c->efd = -1;
    command_finished(c);
    command_put(c);
}

/* I/O threads outlive their command: up to IO_IDLE_MAX wait for the next one, so a short
 * command costs no thread creation and no buffer allocation. Commands handed to waiting
 * threads queue here (one waiting thread per queued command, never more commands). */
#define IO_IDLE_MAX 8
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cv = PTHREAD_COND_INITIALIZER;
static struct command *pool_queue[IO_IDLE_MAX];
static int pool_idle, pool_queued;

static void *io_main(void *arg)
{
    struct command *c = arg;
    char *buf = malloc(IO_CHUNK);
    for (;;) {
        io_run(c, buf);
        pthread_mutex_lock(&pool_mu);
        if (pool_idle >= IO_IDLE_MAX) {
            pthread_mutex_unlock(&pool_mu);
            break;
        }
        pool_idle++;
        while (!pool_queued)
            pthread_cond_wait(&pool_cv, &pool_mu);
        c = pool_queue[--pool_queued];
        pool_idle--;
        pthread_mutex_unlock(&pool_mu);
    }
    free(buf);
    return NULL;
}

/* Hands c to a waiting I/O thread: true, or false when none waits. */
static bool pool_hand(struct command *c)
{
    pthread_mutex_lock(&pool_mu);
    bool handed = pool_idle > pool_queued;
    if (handed) {
        pool_queue[pool_queued++] = c;
        pthread_cond_signal(&pool_cv);
    }
    pthread_mutex_unlock(&pool_mu);
    return handed;
}

int command_io_start(struct command *c)
{
    if (pool_hand(c)) return 0;
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, 128 * 1024);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    int r = pthread_create(&t, &at, io_main, c);
    pthread_attr_destroy(&at);
    if (r) { /* no thread: finish now, the output is lost */
        command_signal(c, SIGKILL);
        command_finished(c);
        return -r;
    }
    return 0;
}
