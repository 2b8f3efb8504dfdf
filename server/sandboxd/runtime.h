/* The runtime interface between sandboxd's API layer (api_*.c, store.c) and a runtime
 * (runtime_native*.c: runc + OCI bundle; runtime_docker*.c: the Docker Engine API), chosen by
 * name at rt_init (runtime_ops.c).
 *
 * Conventions: every function returns 0 or a negative errno; where a person needs the detail,
 * a message is written into err (capped at RT_ERR_MAX, always NUL-terminated) naming the step,
 * the syscall or program, and the path. Functions are safe to call from several threads for
 * different sandbox ids; calls for the same id are serialised by the caller.
 */
#ifndef SANDBOXD_RUNTIME_H
#define SANDBOXD_RUNTIME_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RT_ERR_MAX 512
#define RT_ID_MAX 64

struct rt_volume {
    const char *host_path; /* already checked against the allow-list by the API layer */
    const char *mount_path; /* absolute path inside the sandbox */
    bool read_only;
};

struct rt_spec {
    const char *id;          /* sandbox id: [a-z0-9-], at most RT_ID_MAX-1 bytes */
    const char *image;       /* "host", an absolute directory rootfs, or an image in the local store */
    const char *snapshot;    /* snapshot id to restore the filesystem from, or NULL */
    char *const *entrypoint; /* argv, NULL-terminated; NULL or empty = tail -f /dev/null */
    char *const *env;        /* "KEY=VALUE", NULL-terminated, may be NULL */
    const char *execd_token; /* execd's access token (EXECD_ACCESS_TOKEN inside) */
    uint64_t cpu_millis;     /* 0 = no limit (1000 = one CPU) */
    uint64_t memory_bytes;   /* 0 = no limit */
    uint64_t pids;           /* 0 = no limit */
    bool deny_egress;        /* networkPolicy defaultAction deny with no allow rules */
    const struct rt_volume *volumes;
    size_t n_volumes;
};

enum rt_state {
    RT_ABSENT = 0, /* no container (never created, deleted, or its state is gone) */
    RT_CREATING,
    RT_RUNNING,
    RT_PAUSED,
    RT_STOPPED, /* init exited; exit_status tells how */
};

struct rt_info {
    enum rt_state state;
    int init_pid;     /* host pid of the sandbox's init (execd), 0 if none */
    int exit_status;  /* for RT_STOPPED: exit code, or 128+signal; -1 when unknown */
    char execd_addr[64]; /* "IP:44772": the sandbox's own address, reachable from this host */
};

/* Once per process: chooses the runtime by name ("native": runc + OCI bundles; "docker": the
 * Docker Engine API on /var/run/docker.sock) and initialises it; every later rt_* call goes to
 * it. state_dir holds the runtime's state (bundles, upper layers and snapshots for native);
 * execd_path is the execd binary that is bind-mounted into every sandbox. */
int rt_init(const char *runtime, const char *state_dir, const char *execd_path,
            char err[RT_ERR_MAX]);

/* Creates and starts a sandbox; returns once init (execd) runs and info->execd_addr reaches it
 * (execd itself may still be binding its port: the caller waits for /ping). On failure nothing
 * is left behind. */
int rt_create(const struct rt_spec *spec, struct rt_info *info, char err[RT_ERR_MAX]);

/* Current state; after a sandboxd restart this also re-adopts a running sandbox (re-creating
 * whatever host-side plumbing such as port forwarders died with the old process). */
int rt_inspect(const char *id, struct rt_info *info, char err[RT_ERR_MAX]);

int rt_pause(const char *id, char err[RT_ERR_MAX]);
int rt_resume(const char *id, char err[RT_ERR_MAX]);

/* Kills every process and removes everything the sandbox had on the host (container, mounts,
 * cgroups, netns, upper layer, forwarders). Idempotent: an absent sandbox is 0. */
int rt_delete(const char *id, char err[RT_ERR_MAX]);

/* Captures the sandbox's filesystem (upper layer over its image) as snapshot snap_id, which a
 * later rt_create can name in spec->snapshot. rt_snapshot_delete removes one. */
int rt_snapshot(const char *id, const char *snap_id, char err[RT_ERR_MAX]);
int rt_snapshot_delete(const char *snap_id, char err[RT_ERR_MAX]);

/* Lists the ids of sandboxes the runtime has on the host (for cleanup after a restart).
 * Calls fn for each; stops early if fn returns non-zero. */
int rt_list(int (*fn)(const char *id, void *arg), void *arg, char err[RT_ERR_MAX]);

#endif
