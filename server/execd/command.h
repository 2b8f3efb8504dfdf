/* Command records: spawn, output spooling, exit status, registry and followers.
 *
 * Every command (foreground, background, session run) gets two spools, stdout and stderr, and
 * an outmap that reads them as output (both, in arrival order; outmap.h). A per-command I/O
 * thread moves bytes from the pipes into the spools and wakes followers through the command's
 * condvar; the reaper thread (reaper.c) reports the exit status. A command is "running" until
 * it exited AND its pipes were drained, so a follower that sees running == false has every byte
 * available. */
#ifndef EXECD_COMMAND_H
#define EXECD_COMMAND_H
#include "outmap.h"
#include "spool.h"
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum { CS_STDOUT, CS_STDERR, CS_OUTPUT, CS_N }; /* the streams; spools: stdout and stderr */
enum cmd_kind { CMD_FOREGROUND, CMD_BACKGROUND, CMD_SESSION };
struct spawn_job; /* spawn.h */

struct command {
    char id[33];
    char *content;
    enum cmd_kind kind;
    pid_t pid;
    int64_t started_ns, finished_ns, started_mono;
    /* protected by mu */
    bool running, exited;
    int wait_status;
    int exit_code; /* 0..255, 128+N for a signal death; -1 when the spawn failed */
    int term_sig;  /* the signal that killed it, else 0 */
    char *error;   /* spawn failure text, else NULL */
    struct spool sp[CS_OUTPUT];
    struct outmap out;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* Live followers of each spool and how far the furthest has sent: the I/O thread keeps
     * the pages they are about to send cached (spool_settle). */
    int followers[CS_OUTPUT];
    uint64_t sent[CS_OUTPUT];
    /* I/O thread private */
    int efd, out_fd, err_fd;
    int exec_fd;           /* closes on the child's exec, else carries its errno; -1: checked */
    struct spawn_job *job; /* what the child reads until its exec; freed by exec_checked */
    bool no_splice;        /* the spool cannot take spliced bytes: read and write them */
    bool pipe_grown[2];    /* stdout's, stderr's pipe was made larger (a fast writer) */
    int64_t deadline_mono; /* 0: no timeout */
    int refs;              /* protected by the registry lock */
    uint64_t seq;          /* the list's change sequence at its creation, then at its end (mu) */
};

struct cmd_spec {
    const char *command;     /* shell text for "sh -c", shown in lists */
    const char *const *argv; /* when set, run this argv instead of the shell */
    const char *cwd;         /* NULL: execd's cwd */
    enum cmd_kind kind;
    json_t *envs;       /* {"K":"V"} or NULL */
    int64_t timeout_ms; /* 0: none */
    bool has_uid, has_gid;
    uid_t uid;
    gid_t gid;
    bool merge_stderr; /* stderr into the stdout pipe (sessions) */
    bool defer_io;     /* the caller starts the I/O thread (command_start_io), e.g. after
                          answering: a background start then answers sooner */
};

struct cmd_snap {
    uint64_t len[CS_N];
    bool truncated[CS_N];
    bool running;
    struct outmap_view out;
};

/* Where bytes of a stream are stored: n bytes at off of fd. */
struct cmd_range {
    int fd, spool; /* spool: CS_STDOUT or CS_STDERR */
    uint64_t off, n;
};

int commands_init(void);
/* Starts a command; *ret holds a reference. -EAGAIN: too many commands (limit in err).
 * A failed exec still creates a finished record with ->error set. */
int command_start(const struct cmd_spec *spec, struct command **ret, char *err, size_t errsz);
/* Starts the I/O thread of a command started with defer_io (exactly once). */
void command_start_io(struct command *c);
/* Waits for the child's exec; a failure becomes the command's error. path: for the message
 * (NULL: the shell, looked up only then). */
void exec_checked(struct command *c, const char *path, char *err, size_t errsz);
struct command *command_find(const char *id); /* referenced, or NULL */
void command_put(struct command *c);
/* Signals the process group. -ESRCH when it is no longer running. */
int command_signal(struct command *c, int sig);
/* Waits until a stream grows past want[i] (UINT64_MAX: ignored), the command finishes or
 * the monotonic deadline (ms, 0: none) passes; fills *snap either way. */
void command_wait(struct command *c, const uint64_t want[CS_N], int64_t deadline,
                  struct cmd_snap *snap);
void command_snap(struct command *c, struct cmd_snap *snap);
/* The stored bytes of a stream from off on, up to the snapshot's length, as seen in *snap:
 * all of them for stdout and stderr, the run holding off for output. */
int command_range(struct command *c, const struct cmd_snap *snap, int stream, uint64_t off,
                  struct cmd_range *r);
/* A live follower of a stream starts (d = 1) or stops (d = -1) following it. */
void command_follow(struct command *c, int stream, int d);
/* A live follower sent a spool's bytes up to off. */
void command_sent(struct command *c, int spool, uint64_t off);
/* Reads bytes of a stream at off (only bytes already published). */
ssize_t command_read(struct command *c, int stream, uint64_t off, void *buf, size_t n);

json_t *command_status_json(struct command *c);
json_t *command_list_json(void);
/* The list as a change since a client's (epoch, seq): {"epoch","seq","full","records",
 * "removed"}; full (every record) when that state is not known here. */
json_t *command_list_delta_json(const char *epoch, uint64_t since);
/* Called by the reaper for every child it reaps. false when the pid is not a command. */
bool commands_on_exit(pid_t pid, int status);
void commands_kill_all(int sig);
/* Finds the shell: bash when present, else sh. */
const char *command_shell(void);
void commands_set_base_env(char **env);

#endif
