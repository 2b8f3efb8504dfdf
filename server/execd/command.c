/* Command registry and lifecycle (spawning is in spawn.c, the I/O pump in command_io.c). */
#include "command.h"
#include "execd.h"
#include "reaper.h"
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct command **reg; /* oldest first, g_cfg.max_records slots */
static int reg_n, running_n;

/* The list's change sequence: each record carries the sequence of its last change (creation,
 * end) and the last EVICT_RING evictions are remembered with theirs, so a client holding the
 * list as of sequence S asks only for what changed after S (command_list_delta_json). The
 * epoch tells this execd's sequences from another's (a restart). */
#define EVICT_RING 128
static atomic_uint_fast64_t list_seq;
static char list_epoch[33];
static struct {
    uint64_t seq;
    char id[33];
} evicted[EVICT_RING];      /* under reg_mu */
static uint64_t evict_n;    /* evictions so far */
static uint64_t evict_lost; /* the sequence of the newest eviction no longer in the ring */

static void new_id(char out[33]);

int commands_init(void)
{
    new_id(list_epoch);
    reg = calloc((size_t)g_cfg.max_records, sizeof(*reg));
    return reg ? 0 : -ENOMEM;
}

static uint64_t next_seq(void)
{
    return (uint64_t)atomic_fetch_add(&list_seq, 1) + 1;
}

/* Caller holds reg_mu. */
static void remember_eviction(const struct command *c)
{
    unsigned slot = (unsigned)(evict_n++ % EVICT_RING);
    if (evict_n > EVICT_RING) evict_lost = evicted[slot].seq;
    evicted[slot].seq = next_seq();
    memcpy(evicted[slot].id, c->id, sizeof(evicted[slot].id));
}

static void command_free(struct command *c)
{
    for (int i = 0; i < CS_OUTPUT; i++)
        spool_close(&c->sp[i]);
    outmap_close(&c->out);
    if (c->exec_fd >= 0) { /* no I/O thread ever ran: the child may still read its job */
        char err[128];
        exec_checked(c, NULL, err, sizeof(err));
    }
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c->content);
    free(c->error);
    free(c);
}

void command_put(struct command *c)
{
    if (!c) return;
    pthread_mutex_lock(&reg_mu);
    bool last = --c->refs == 0;
    pthread_mutex_unlock(&reg_mu);
    if (last) command_free(c);
}

struct command *command_find(const char *id)
{
    struct command *found = NULL;
    pthread_mutex_lock(&reg_mu);
    for (int i = 0; i < reg_n; i++) {
        if (strcmp(reg[i]->id, id) == 0) {
            found = reg[i];
            found->refs++;
            break;
        }
    }
    pthread_mutex_unlock(&reg_mu);
    return found;
}

static void new_id(char out[33])
{
    unsigned char b[16];
    if (getrandom(b, sizeof(b), 0) != sizeof(b)) {
        int64_t t = now_ns();
        memcpy(b, &t, 8);
        memcpy(b + 8, &out, 8);
    }
    b[6] = (b[6] & 0x0f) | 0x40; /* a UUIDv4 without dashes, as upstream */
    b[8] = (b[8] & 0x3f) | 0x80;
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Drops the oldest finished record when the registry is full. Caller holds reg_mu. */
static bool make_room(void)
{
    if (reg_n < g_cfg.max_records) return true;
    for (int i = 0; i < reg_n; i++) {
        struct command *c = reg[i];
        pthread_mutex_lock(&c->mu);
        bool done = !c->running;
        pthread_mutex_unlock(&c->mu);
        if (!done) continue;
        memmove(reg + i, reg + i + 1, (size_t)(reg_n - i - 1) * sizeof(*reg));
        reg_n--;
        remember_eviction(c);
        if (--c->refs == 0) command_free(c);
        return true;
    }
    return false;
}

static struct command *command_new(const struct cmd_spec *spec)
{
    struct command *c = calloc(1, sizeof(*c));
    if (!c) return NULL;
    new_id(c->id);
    c->content = strdup(spec->command ? spec->command : "");
    c->kind = spec->kind;
    c->running = true;
    c->efd = c->out_fd = c->err_fd = c->exec_fd = -1;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    for (int i = 0; i < CS_OUTPUT; i++)
        spool_init(&c->sp[i], g_cfg.spool_cap);
    outmap_init(&c->out, g_cfg.spool_cap);
    c->started_ns = now_ns();
    c->started_mono = mono_ms();
    if (spec->timeout_ms > 0) c->deadline_mono = c->started_mono + spec->timeout_ms;
    return c;
}

/* Registers a new record: the registry's reference plus the caller's. */
static int registry_add(struct command *c, char *err, size_t errsz)
{
    pthread_mutex_lock(&reg_mu);
    if (running_n >= g_cfg.max_running || !make_room()) {
        pthread_mutex_unlock(&reg_mu);
        snprintf(err, errsz, "too many concurrent commands (limit %d)", g_cfg.max_running);
        return -EAGAIN;
    }
    reg[reg_n++] = c;
    running_n++;
    c->refs = 2;
    c->seq = next_seq();
    pthread_mutex_unlock(&reg_mu);
    return 0;
}

int spawn_command(struct command *c, const struct cmd_spec *spec, char *err, size_t errsz);
int command_io_start(struct command *c);

int command_start(const struct cmd_spec *spec, struct command **ret, char *err, size_t errsz)
{
    struct command *c = command_new(spec);
    if (!c) {
        snprintf(err, errsz, "cannot create output spool in '%s'", g_cfg.spool_dir);
        return -EIO;
    }
    int r = registry_add(c, err, errsz);
    if (r < 0) {
        command_free(c);
        return r;
    }
    spawn_command(c, spec, err, errsz); /* failures finish the record with ->error */
    if (!spec->defer_io) command_start_io(c);
    *ret = c;
    return 0;
}

void command_start_io(struct command *c)
{
    c->refs++; /* the I/O thread's */
    if (command_io_start(c) < 0) command_put(c);
}

/* Called by the I/O thread once the command exited and its pipes are drained. */
void command_finished(struct command *c)
{
    pthread_mutex_lock(&c->mu);
    c->running = false;
    c->seq = next_seq(); /* with the end, under mu: a list that sees the new seq sees the end */
    c->finished_ns = now_ns();
    int st = c->wait_status;
    if (c->error) {
        c->exit_code = -1;
    } else if (WIFSIGNALED(st)) {
        c->term_sig = WTERMSIG(st);
        c->exit_code = 128 + c->term_sig;
    } else {
        c->exit_code = WEXITSTATUS(st);
    }
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_mutex_lock(&reg_mu);
    running_n--;
    pthread_mutex_unlock(&reg_mu);
}

bool commands_on_exit(pid_t pid, int status)
{
    struct command *found = NULL;
    pthread_mutex_lock(&reg_mu);
    for (int i = 0; i < reg_n && !found; i++) {
        struct command *c = reg[i];
        pthread_mutex_lock(&c->mu);
        if (c->pid == pid && !c->exited) {
            c->exited = true;
            c->wait_status = status;
            found = c;
        }
        pthread_mutex_unlock(&c->mu);
    }
    if (found) {
        uint64_t one = 1;
        ssize_t w = write(found->efd, &one, sizeof(one));
        (void)w;
    }
    pthread_mutex_unlock(&reg_mu);
    return found != NULL;
}

int command_signal(struct command *c, int sig)
{
    pthread_mutex_lock(&c->mu);
    bool alive = c->running && !c->exited && c->pid > 0;
    pid_t pid = c->pid;
    pthread_mutex_unlock(&c->mu);
    if (!alive) return -ESRCH;
    if (kill(-pid, sig) < 0 && kill(pid, sig) < 0) return -errno;
    return 0;
}

void commands_kill_all(int sig)
{
    pthread_mutex_lock(&reg_mu);
    for (int i = 0; i < reg_n; i++)
        command_signal(reg[i], sig);
    pthread_mutex_unlock(&reg_mu);
}

void command_snap(struct command *c, struct cmd_snap *snap)
{
    pthread_mutex_lock(&c->mu);
    for (int i = 0; i < CS_OUTPUT; i++) {
        snap->len[i] = c->sp[i].len;
        snap->truncated[i] = c->sp[i].truncated;
    }
    outmap_view(&c->out, &snap->out);
    snap->len[CS_OUTPUT] = c->out.len;
    snap->truncated[CS_OUTPUT] = c->out.failed || snap->truncated[0] || snap->truncated[1];
    snap->running = c->running;
    pthread_mutex_unlock(&c->mu);
}

static bool grown(struct command *c, const uint64_t want[CS_N])
{
    for (int i = 0; i < CS_N; i++) {
        uint64_t len = i == CS_OUTPUT ? c->out.len : c->sp[i].len;
        if (want[i] != UINT64_MAX && len > want[i]) return true;
    }
    return false;
}

void command_wait(struct command *c, const uint64_t want[CS_N], int64_t deadline,
                  struct cmd_snap *snap)
{
    pthread_mutex_lock(&c->mu);
    while (c->running && !grown(c, want)) {
        if (!deadline) {
            pthread_cond_wait(&c->cv, &c->mu);
            continue;
        }
        int64_t left = deadline - mono_ms();
        if (left <= 0) break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += left / 1000;
        ts.tv_nsec += (left % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&c->cv, &c->mu, &ts);
    }
    pthread_mutex_unlock(&c->mu);
    command_snap(c, snap);
}

int command_range(struct command *c, const struct cmd_snap *snap, int stream, uint64_t off,
                  struct cmd_range *r)
{
    if (off >= snap->len[stream]) return -ERANGE;
    if (stream != CS_OUTPUT) {
        *r = (struct cmd_range){c->sp[stream].fd, stream, off, snap->len[stream] - off};
        return 0;
    }
    struct outmap_seg seg;
    int e = outmap_find(&snap->out, off, &seg);
    if (e < 0) return e;
    *r = (struct cmd_range){c->sp[seg.stream].fd, seg.stream, seg.off, seg.n};
    return 0;
}

void command_follow(struct command *c, int stream, int d)
{
    pthread_mutex_lock(&c->mu);
    for (int i = 0; i < CS_OUTPUT; i++) {
        if (stream != i && stream != CS_OUTPUT) continue;
        c->followers[i] += d;
        /* the last follower of a finished command: what it kept cached goes too (the I/O
         * thread, done with the spools, no longer does it) */
        if (!c->followers[i] && !c->running) spool_settle(&c->sp[i], g_cfg.spool_cache, UINT64_MAX);
    }
    pthread_mutex_unlock(&c->mu);
}

void command_sent(struct command *c, int spool, uint64_t off)
{
    pthread_mutex_lock(&c->mu);
    if (off > c->sent[spool]) c->sent[spool] = off;
    pthread_mutex_unlock(&c->mu);
}

ssize_t command_read(struct command *c, int stream, uint64_t off, void *buf, size_t n)
{
    struct cmd_snap snap;
    struct cmd_range rg;
    command_snap(c, &snap);
    if (command_range(c, &snap, stream, off, &rg) < 0) return 0;
    if (n > rg.n) n = (size_t)rg.n;
    ssize_t r;
    do
        r = pread(rg.fd, buf, n, (off_t)rg.off);
    while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : r;
}

/* The record as JSON; NULL when since > 0 and it neither changed after since nor runs. */
static json_t *command_json_since(struct command *c, bool ext, uint64_t since)
{
    char ts[64];
    pthread_mutex_lock(&c->mu);
    if (since && !c->running && c->seq <= since) {
        pthread_mutex_unlock(&c->mu);
        return NULL;
    }
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(c->id));
    json_object_set_new(o, "content", jstr(c->content));
    json_object_set_new(o, "running", json_boolean(c->running));
    if (!c->running) json_object_set_new(o, "exit_code", json_integer(c->exit_code));
    if (c->error) json_object_set_new(o, "error", jstr(c->error));
    fmt_rfc3339nano(c->started_ns, ts, sizeof(ts));
    json_object_set_new(o, "started_at", json_string(ts));
    if (!c->running) {
        fmt_rfc3339nano(c->finished_ns, ts, sizeof(ts));
        json_object_set_new(o, "finished_at", json_string(ts));
    }
    if (ext) {
        json_object_set_new(o, "background", json_boolean(c->kind == CMD_BACKGROUND));
        json_object_set_new(o, "stdout_bytes", json_integer((json_int_t)c->sp[CS_STDOUT].len));
        json_object_set_new(o, "stderr_bytes", json_integer((json_int_t)c->sp[CS_STDERR].len));
        json_object_set_new(o, "output_bytes", json_integer((json_int_t)c->out.len));
    }
    pthread_mutex_unlock(&c->mu);
    return o;
}

json_t *command_status_json(struct command *c)
{
    return command_json_since(c, !g_cfg.upstream_compat, 0);
}

/* Records (sessions' runs are not listed) that changed after since, or all with since 0.
 * Caller holds reg_mu. */
static json_t *records_since(uint64_t since)
{
    json_t *a = json_array();
    for (int i = 0; i < reg_n && a; i++) {
        json_t *r = reg[i]->kind != CMD_SESSION ? command_json_since(reg[i], true, since) : NULL;
        if (r) json_array_append_new(a, r);
    }
    return a;
}

json_t *command_list_json(void)
{
    pthread_mutex_lock(&reg_mu);
    json_t *a = records_since(0);
    pthread_mutex_unlock(&reg_mu);
    return a;
}

json_t *command_list_delta_json(const char *epoch, uint64_t since)
{
    pthread_mutex_lock(&reg_mu);
    /* read before the records: a change after this point has a larger sequence and comes
     * in the next delta, one before it is in the records read below */
    uint64_t cur = (uint64_t)atomic_load(&list_seq);
    bool full = !epoch || strcmp(epoch, list_epoch) || since == 0 || since > cur ||
                since < evict_lost;
    json_t *removed = json_array();
    for (uint64_t k = evict_n > EVICT_RING ? evict_n - EVICT_RING : 0; !full && k < evict_n; k++)
        if (evicted[k % EVICT_RING].seq > since)
            json_array_append_new(removed, json_string(evicted[k % EVICT_RING].id));
    json_t *o = json_pack("{s:s, s:I, s:b, s:o, s:o}", "epoch", list_epoch, "seq", (json_int_t)cur,
                          "full", full, "records", records_since(full ? 0 : since), "removed",
                          removed);
    pthread_mutex_unlock(&reg_mu);
    return o;
}
