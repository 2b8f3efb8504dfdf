/* Command output streams (see stream.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include "cmdwatch.h"
#include "stream.h"

#define WAIT_SLICE_MS 100 /* blocked reads re-check for a FUSE interrupt this often */
#define EXIT_WAIT_S 30    /* one status-wait request waits this long for a command's end */
#define FILL_WAIT_US 1000 /* a short read of a running stream waits this long for more bytes */
#define PIPE_BYTES (1u << 20) /* a piped stream's pipe (pipe-max-size by default) */

struct stream {
    struct sbx_execd x;
    char id[SBX_ID_MAX];
    char which[8];
    bool nonblock, exit_only;
    pthread_mutex_t lock;
    pthread_mutex_t restart; /* one stop-and-start of the producer at a time */
    pthread_mutex_t reading; /* one read of this open file at a time: two readers at different
                              * offsets would otherwise restart the stream for each other */
    pthread_cond_t more;  /* bytes arrived or the stream ended */
    pthread_cond_t space; /* the reader consumed bytes */
    char *win;            /* bytes [base, base + len) of the stream, at win + head */
    int64_t base;
    size_t head, len;
    /* Piped (raw output over plain HTTP): the window is this pipe instead, [base, base + len)
     * in it, filled by splice from the socket and emptied into the FUSE reply: no copy. */
    int pipe[2];
    size_t pipe_cap;
    int stop_fd; /* piped: wakes the producer's waits on the socket or the pipe */
    /* Piped, to wake each side only when it can do a batch: the producer sleeps until len is at
     * most wake_below (SIZE_MAX: not asleep), the reader until len reaches wake_at. */
    size_t wake_below, wake_at;
    bool pipe_full; /* the producer waits: the pipe took no more (all its buffers used) */
    bool ended, stop, thread;
    int err;
    pthread_t th;
    char exit_text[16];
    json_t *final; /* exit streams: the status record that carried the exit code */
    struct cmdwatch *watch; /* exit streams of a watched command: its watch answers */
};

/* Waits on cv for at most one slice; -EINTR when the FUSE request was interrupted. */
static int wait_slice(pthread_cond_t *cv, pthread_mutex_t *m)
{
    struct timespec ts = sfs_deadline_in(WAIT_SLICE_MS * 1000L);
    pthread_cond_timedwait(cv, m, &ts);
    return fuse_get_context() && fuse_interrupted() ? -EINTR : 0;
}

static int on_data(const char *p, size_t n, void *arg)
{
    struct stream *st = arg;
    pthread_mutex_lock(&st->lock);
    while (!st->stop && n) {
        if (st->exit_only) { /* exit readers only wait for the end */
            n = 0;
            break;
        }
        size_t room = STREAM_WINDOW - st->len;
        if (!room) {
            pthread_cond_wait(&st->space, &st->lock);
            continue;
        }
        size_t k = n < room ? n : room;
        if (st->head + st->len + k > STREAM_WINDOW) { /* compact: amortised, rarely */
            memmove(st->win, st->win + st->head, st->len);
            st->head = 0;
        }
        memcpy(st->win + st->head + st->len, p, k);
        st->len += k;
        p += k;
        n -= k;
        pthread_cond_broadcast(&st->more);
    }
    int stop = st->stop;
    pthread_mutex_unlock(&st->lock);
    return stop;
}

/* Piped: the room the pipe has; 0 once the stream is stopped. A full pipe (by bytes, or full:
 * by buffers) is waited on until the reader took half of it. */
static size_t pipe_room(void *arg, bool full)
{
    struct stream *st = arg;
    pthread_mutex_lock(&st->lock);
    if (full || st->len >= st->pipe_cap) {
        st->wake_below = (full ? st->len : st->pipe_cap) / 2;
        st->pipe_full = true;
        pthread_cond_broadcast(&st->more); /* a reader waiting for a fuller pipe: take it now */
        while (!st->stop && st->len > st->wake_below)
            pthread_cond_wait(&st->space, &st->lock);
        st->wake_below = SIZE_MAX;
        st->pipe_full = false;
    }
    size_t room = st->stop ? 0 : st->pipe_cap - st->len;
    pthread_mutex_unlock(&st->lock);
    return room;
}

static void pipe_moved(size_t n, void *arg)
{
    struct stream *st = arg;
    pthread_mutex_lock(&st->lock);
    st->len += n;
    if (st->len >= st->wake_at)
        pthread_cond_broadcast(&st->more);
    pthread_mutex_unlock(&st->lock);
}

/* Piped: moves k bytes from the pipe's head into buf, or (buf NULL) into the pipe fd. Called
 * with st->lock held. */
static int pipe_take(struct stream *st, char *buf, int fd, size_t k)
{
    ssize_t m = buf ? read(st->pipe[0], buf, k)
                    : splice(st->pipe[0], NULL, fd, NULL, k, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (m < 0)
        return -errno;
    st->base += m;
    st->len -= (size_t)m;
    if (st->len <= st->wake_below)
        pthread_cond_broadcast(&st->space);
    return (int)m;
}

/* Piped: drops n bytes at the pipe's head (a reader skipped them). Called with st->lock held. */
static int pipe_skip(struct stream *st, size_t n)
{
    char scrap[4096];
    while (n) {
        int m = pipe_take(st, scrap, -1, n < sizeof scrap ? n : sizeof scrap);
        if (m <= 0)
            return m < 0 ? m : -EIO;
        n -= (size_t)m;
    }
    return 0;
}

static int still_wanted(void *arg)
{
    struct stream *st = arg;
    pthread_mutex_lock(&st->lock);
    int stop = st->stop;
    pthread_mutex_unlock(&st->lock);
    return stop;
}

/* The exit code in a status record: 0 when the command ended, -EAGAIN while it runs. */
static int status_exit(json_t *status, int *code)
{
    json_t *c = json_object_get(status, "exit_code");
    if (json_is_integer(c)) {
        *code = (int)json_integer_value(c);
        return 0;
    }
    return json_is_true(json_object_get(status, "running")) ? -EAGAIN : -EIO;
}

/* The command ended with code: its exit text, and the status record that told it (owned). */
static void set_exit(struct stream *st, int code, json_t *final)
{
    snprintf(st->exit_text, sizeof st->exit_text, "%d\n", code);
    json_decref(st->final);
    st->final = final;
}

/* Takes a status record: 0 and the exit text when the command ended, -EAGAIN while it runs. */
static int take_status(struct stream *st, json_t *status)
{
    int code, rc = status_exit(status, &code);
    if (!rc)
        set_exit(st, code, json_incref(status));
    json_decref(status);
    return rc;
}

/* The answer rc of a request for a status record (the caller's, taken): when it succeeded, 0 and
 * the exit code (and a reference in *final when asked for), or status_exit's answer. */
static int take_end(int rc, json_t *status, int *code, json_t **final)
{
    if (!rc)
        rc = status_exit(status, code);
    if (!rc && final)
        *final = json_incref(status);
    json_decref(status);
    return rc;
}

/* With status-wait, in the calling thread (whose connections are reused). */
static int wait_exit_here(const struct sbx_execd *x, const char *id, int (*stop)(void *),
                          void *arg, int *code, json_t **final)
{
    for (;;) {
        if (stop && stop(arg))
            return -ECANCELED;
        json_t *status = NULL;
        int rc = sbx_cmd_wait(x, id, EXIT_WAIT_S, stop, arg, &status);
        rc = take_end(rc, status, code, final);
        if (rc != -EAGAIN)
            return rc;
    }
}

static int fetch_exit(struct stream *st)
{
    json_t *status;
    int rc = sbx_cmd_status(&st->x, st->id, &status);
    return rc ? rc : take_status(st, status);
}

/* With the status-wait extension: one request that answers at the command's end. */
static int wait_exit(struct stream *st)
{
    int code;
    json_t *final = NULL;
    int rc = wait_exit_here(&st->x, st->id, still_wanted, st, &code, &final);
    if (!rc)
        set_exit(st, code, final);
    return rc;
}

static bool command_running(struct stream *st)
{
    json_t *status;
    if (sbx_cmd_status(&st->x, st->id, &status))
        return false;
    bool running = json_is_true(json_object_get(status, "running"));
    json_decref(status);
    return running;
}

/* Without the raw-output extension: upstream's /logs (background commands' combined output)
 * asked again with a growing pause (20 ms to 0.5 s) while the command runs: the published API
 * has no way to wait for output. stderr is not separate there, so it reads empty. */
static int follow_logs(struct stream *st, int64_t from)
{
    useconds_t pause = 20000;
    bool stderr_only = !strcmp(st->which, "stderr") && !st->exit_only;
    for (;;) {
        if (still_wanted(st))
            return -ECANCELED;
        bool running = command_running(st);
        struct sbx_buf b = {0};
        int64_t next = from;
        int rc = stderr_only ? 0 : sbx_cmd_logs(&st->x, st->id, from, &b, &next);
        if (!rc && b.len && on_data(b.data, b.len, st))
            rc = -ECANCELED;
        sbx_buf_free(&b);
        if (rc || !running)
            return rc;
        pause = next > from ? 20000 : pause < 500000 ? pause * 2 : 500000;
        from = next;
        usleep(pause);
    }
}

static void *producer(void *arg)
{
    struct stream *st = arg;
    int64_t from = st->base + (int64_t)st->len;
    const char *which = st->exit_only ? "output" : st->which;
    int rc;
    if (st->exit_only && st->x.ext & SBX_EXT_STATUS_WAIT) {
        rc = wait_exit(st);
    } else if (st->pipe[0] >= 0) {
        struct sbx_splice sp = {.pipe_fd = st->pipe[1], .stop_fd = st->stop_fd,
                                .room = pipe_room, .moved = pipe_moved, .arg = st};
        rc = sbx_cmd_splice(&st->x, st->id, which, from, &sp);
    } else {
        rc = st->x.ext & SBX_EXT_RAW_OUTPUT
                 ? sbx_cmd_stream(&st->x, st->id, which, from, 1, NULL, on_data, still_wanted, st)
                 : follow_logs(st, from);
        if (!rc && st->exit_only)
            rc = fetch_exit(st);
    }
    pthread_mutex_lock(&st->lock);
    if (!st->stop) {
        st->ended = true;
        st->err = rc == -ECANCELED ? 0 : rc;
    }
    pthread_cond_broadcast(&st->more);
    pthread_mutex_unlock(&st->lock);
    return NULL;
}

static void stop_producer(struct stream *st)
{
    if (!st->thread)
        return;
    pthread_mutex_lock(&st->lock);
    st->stop = true;
    pthread_cond_broadcast(&st->space);
    pthread_mutex_unlock(&st->lock);
    uint64_t one = 1;
    if (st->stop_fd >= 0 && write(st->stop_fd, &one, sizeof one) < 0)
        sfs_log("stream: cannot wake its follower: %s", strerror(errno));
    pthread_join(st->th, NULL); /* an idle curl follower notices within a second (alive) */
    st->thread = false;
    st->stop = false;
    if (st->stop_fd >= 0 && read(st->stop_fd, &one, sizeof one) < 0 && errno != EAGAIN)
        sfs_log("stream: cannot reset its stop event: %s", strerror(errno));
}

static int start_producer(struct stream *st, int64_t at)
{
    pthread_mutex_lock(&st->restart);
    stop_producer(st);
    pthread_mutex_lock(&st->lock); /* readers see the old position or the new one, never a mix */
    if (st->pipe[0] >= 0)
        sfs_drain(st->pipe[0]); /* the pipe's bytes belonged to the old position */
    st->base = at;
    st->head = st->len = 0;
    st->ended = false;
    st->err = 0;
    pthread_mutex_unlock(&st->lock);
    int rc = pthread_create(&st->th, NULL, producer, st) ? -EAGAIN : 0;
    st->thread = rc == 0;
    pthread_mutex_unlock(&st->restart);
    return rc;
}

static void close_pipe(struct stream *st)
{
    for (int i = 0; i < 2; i++)
        if (st->pipe[i] >= 0)
            close(st->pipe[i]);
    if (st->stop_fd >= 0)
        close(st->stop_fd);
    st->pipe[0] = st->pipe[1] = st->stop_fd = -1;
}

/* Makes a piped stream's pipe and stop event; leaves st unpiped when it cannot. */
static void open_pipe(struct stream *st)
{
    st->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (st->stop_fd >= 0 && pipe2(st->pipe, O_CLOEXEC | O_NONBLOCK) == 0) {
        int cap = fcntl(st->pipe[1], F_SETPIPE_SZ, PIPE_BYTES);
        if (cap < 0)
            cap = fcntl(st->pipe[1], F_GETPIPE_SZ);
        if (cap > 0) {
            st->pipe_cap = (size_t)cap;
            return;
        }
    }
    close_pipe(st);
}

/* watched: an exit stream may wait on the command's watcher (not the watcher's own). */
static int open_stream(json_t *known, const struct sbx_execd *x, const char *id, const char *which,
                       bool nonblock, bool watched, struct stream **out)
{
    struct stream *st = calloc(1, sizeof *st);
    if (!st)
        return -ENOMEM;
    st->x = *x;
    snprintf(st->id, sizeof st->id, "%s", id);
    snprintf(st->which, sizeof st->which, "%s", which);
    st->nonblock = nonblock;
    st->exit_only = !strcmp(which, "exit");
    pthread_mutex_init(&st->lock, NULL);
    pthread_mutex_init(&st->restart, NULL);
    pthread_mutex_init(&st->reading, NULL);
    pthread_cond_init(&st->more, NULL);
    pthread_cond_init(&st->space, NULL);
    st->pipe[0] = st->pipe[1] = st->stop_fd = -1;
    st->wake_below = SIZE_MAX;
    st->wake_at = 1;
    if (!st->exit_only && sbx_cmd_can_splice(x))
        open_pipe(st);
    st->win = st->exit_only || st->pipe[0] >= 0 ? NULL : malloc(STREAM_WINDOW);
    int rc = st->exit_only || st->pipe[0] >= 0 || st->win ? 0 : -ENOMEM;
    /* A blocking exit reader with status-wait needs no first look: the wait answers at once
     * for a command that is over. */
    bool look_first = st->nonblock || !(x->ext & SBX_EXT_STATUS_WAIT);
    if (!rc && st->exit_only && json_is_false(json_object_get(known, "running")) &&
        take_status(st, json_incref(known)) == 0)
        st->ended = true; /* the cached record shows it ended: exit codes do not change */
    else if (!rc && st->exit_only && watched && (st->watch = cmdwatch_find(id)))
        ; /* started through this mount: its watcher tells the end */
    else if (!rc && st->exit_only && look_first && fetch_exit(st) == 0)
        st->ended = true; /* already over: no follower needed */
    else if (!rc)
        rc = start_producer(st, 0);
    if (rc) {
        stream_close(st);
        return rc;
    }
    *out = st;
    return 0;
}

/* A read that finds fewer bytes than it asks for while the command runs waits up to
 * FILL_WAIT_US for the rest: a fast producer then costs fewer, fuller FUSE reads, and a slow one
 * is delayed by at most that much. Called with st->lock held. */
static void fill(struct stream *st, off_t off, size_t size)
{
    struct timespec dl = sfs_deadline_in(FILL_WAIT_US);
    st->wake_at = (size_t)(off - st->base) + size;
    while (!st->ended && !st->stop && !st->pipe_full && st->len < STREAM_WINDOW &&
           st->base + (int64_t)st->len - off < (int64_t)size)
        if (pthread_cond_timedwait(&st->more, &st->lock, &dl))
            break;
    st->wake_at = 1;
}

/* Copies what the window holds at off; drops bytes before off (sequential readers free room). */
static size_t take(struct stream *st, char *buf, size_t size, off_t off)
{
    size_t skip = (size_t)(off - st->base);
    size_t k = st->len - skip < size ? st->len - skip : size;
    memcpy(buf, st->win + st->head + skip, k);
    st->head += skip;
    st->len -= skip;
    st->base = off;
    pthread_cond_broadcast(&st->space);
    return k;
}

/* The exit of a watched command, from its watch. */
static int watched_exit(struct stream *st)
{
    int code;
    json_t *final = NULL;
    int rc = cmdwatch_wait(st->watch, st->nonblock, &code, &final);
    pthread_mutex_lock(&st->lock);
    if (rc == 0 && !st->ended) {
        set_exit(st, code, final);
        st->ended = true;
    } else {
        json_decref(final);
    }
    pthread_mutex_unlock(&st->lock);
    return rc;
}

static int read_exit(struct stream *st, char *buf, size_t size, off_t off)
{
    int rc = st->watch ? watched_exit(st) : 0;
    pthread_mutex_lock(&st->lock);
    while (!st->ended && !rc)
        rc = st->nonblock ? -EAGAIN : wait_slice(&st->more, &st->lock);
    if (!rc && st->err)
        rc = st->err;
    size_t n = strlen(st->exit_text);
    if (!rc && (size_t)off < n) {
        rc = (int)((n - (size_t)off) < size ? n - (size_t)off : size);
        memcpy(buf, st->exit_text + off, (size_t)rc);
    }
    pthread_mutex_unlock(&st->lock);
    return rc;
}

/* Reads at off into buf, or (buf NULL, piped streams only) into the pipe fd. */
static int read_at(struct stream *st, char *buf, int fd, size_t size, off_t off)
{
    bool piped = st->pipe[0] >= 0;
    int rc = 0;
    pthread_mutex_lock(&st->lock);
    for (;;) {
        if (rc)
            break;
        if (piped && off > st->base && off <= st->base + (int64_t)st->len) {
            rc = pipe_skip(st, (size_t)(off - st->base)); /* a skip within the pipe */
            continue;
        }
        /* A seek, or another reader of this open file moved the position while the lock was
         * free: follow again from off. */
        if (piped ? off != st->base
                  : off < st->base || off > st->base + (int64_t)st->len + (int64_t)STREAM_WINDOW) {
            pthread_mutex_unlock(&st->lock);
            rc = start_producer(st, off);
            pthread_mutex_lock(&st->lock);
            continue;
        }
        if (off < st->base + (int64_t)st->len) {
            if (!st->nonblock)
                fill(st, off, size);
            if (piped ? off != st->base : off < st->base)
                continue; /* moved during the wait */
            rc = piped ? pipe_take(st, buf, fd, st->len < size ? st->len : size)
                       : (int)take(st, buf, size, off);
            break;
        }
        if (st->ended) {
            rc = st->err;
            break;
        }
        if (!piped && off > st->base + (int64_t)st->len && st->len == STREAM_WINDOW) {
            take(st, buf, 0, st->base + (int64_t)st->len); /* skip ahead to off */
            continue;
        }
        rc = st->nonblock ? -EAGAIN : wait_slice(&st->more, &st->lock);
    }
    pthread_mutex_unlock(&st->lock);
    return rc;
}

/* read_at with this open file's other reads kept out; the wait for them is interruptible. */
static int read_alone(struct stream *st, char *buf, int fd, size_t size, off_t off)
{
    for (;;) {
        struct timespec ts = sfs_deadline_in(WAIT_SLICE_MS * 1000L);
        int e = st->nonblock ? pthread_mutex_trylock(&st->reading)
                             : pthread_mutex_timedlock(&st->reading, &ts);
        if (e == EBUSY)
            return -EAGAIN; /* O_NONBLOCK: another read of this file waits for output */
        if (!e)
            break;
        if (e != ETIMEDOUT)
            return -e;
        if (fuse_get_context() && fuse_interrupted())
            return -EINTR;
    }
    int rc = read_at(st, buf, fd, size, off);
    pthread_mutex_unlock(&st->reading);
    return rc;
}

int stream_read(struct stream *st, char *buf, size_t size, off_t off)
{
    return st->exit_only ? read_exit(st, buf, size, off) : read_alone(st, buf, -1, size, off);
}

int stream_read_fd(struct stream *st, int fd, size_t size, off_t off)
{
    return st->exit_only || st->pipe[0] < 0 ? -EOPNOTSUPP : read_alone(st, NULL, fd, size, off);
}

void stream_close(struct stream *st)
{
    if (!st)
        return;
    stop_producer(st);
    cmdwatch_put(st->watch);
    pthread_mutex_destroy(&st->lock);
    pthread_mutex_destroy(&st->restart);
    pthread_mutex_destroy(&st->reading);
    pthread_cond_destroy(&st->more);
    pthread_cond_destroy(&st->space);
    json_decref(st->final);
    close_pipe(st);
    free(st->win);
    free(st);
}

int stream_open(json_t *known, const struct sbx_execd *x, const char *id, const char *which,
                bool nonblock, struct stream **out)
{
    return open_stream(known, x, id, which, nonblock, true, out);
}

/* The end as the start's held stream told it: -EAGAIN when it did not. */
static int held_exit(struct sbx_cmd_held *held, int (*stop)(void *), void *arg, int *code,
                     json_t **final)
{
    json_t *record = NULL;
    int rc = sbx_cmd_held_end(held, stop, arg, &record);
    return take_end(rc, record, code, final);
}

int stream_wait_exit(const struct sbx_execd *x, const char *id, struct sbx_cmd_held *held,
                     int (*stop)(void *), void *arg, int *code, json_t **final)
{
    if (held) {
        int rc = held_exit(held, stop, arg, code, final);
        if (rc == 0 || rc == -ECANCELED)
            return rc; /* else (time up, a cut stream) asked again below */
    }
    if (x->ext & SBX_EXT_STATUS_WAIT)
        return wait_exit_here(x, id, stop, arg, code, final);
    struct stream *st;
    int rc = open_stream(NULL, x, id, "exit", false, false, &st);
    if (rc)
        return rc;
    bool ended = false;
    while (!ended) { /* its producer polls execd; stop is asked between waits */
        if (stop && stop(arg)) {
            stream_close(st);
            return -ECANCELED;
        }
        pthread_mutex_lock(&st->lock);
        if (!st->ended)
            wait_slice(&st->more, &st->lock);
        ended = st->ended;
        pthread_mutex_unlock(&st->lock);
    }
    char buf[16] = "";
    rc = read_exit(st, buf, sizeof buf - 1, 0);
    if (rc > 0 && final)
        *final = json_incref(st->final);
    stream_close(st);
    if (rc > 0)
        *code = atoi(buf);
    return rc > 0 ? 0 : rc;
}
