/* sandboxfs: shared declarations of the FUSE daemon (fs/). */
#ifndef SANDBOXFS_H
#define SANDBOXFS_H
#define FUSE_USE_VERSION 312
#include <fuse.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include "../backend/commands.h"
#include "../backend/lifecycle.h"
#include "handle.h"

#define SFS_VERSION "0.3.0"
#define SFS_NAME_MAX 64 /* sandbox, session and metadata key names */
#define SFS_ID_MAX 128  /* a server's sandbox or snapshot id, with its NUL */

enum sfs_cache_mode { SFS_CACHE_NEVER, SFS_CACHE_AUTO, SFS_CACHE_ALWAYS };

struct sfs_config {
    struct sbx_server server;
    char config_dir[1024]; /* templates live in config_dir/templates */
    char cache_dir[1024];
    char mountpoint[1024];
    int ready_timeout;         /* seconds mkdir waits for Running + execd */
    enum sfs_cache_mode cache;
    double list_ttl;           /* seconds a server listing stays fresh */
};
extern struct sfs_config sfs_cfg;

/* --- log.c: the .log file (a capped ring of recent lines) ------------------------------------- */
void sfs_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Copies the log into a new malloc'ed buffer. */
char *sfs_log_dump(size_t *len);

/* --- util.c ----------------------------------------------------------------------------------- */
double sfs_now(void);                       /* CLOCK_MONOTONIC seconds */
/* The CLOCK_REALTIME time (what condition variables wait on) us microseconds from now. */
struct timespec sfs_deadline_in(long us);
/* Reads and drops what a non-blocking fd (a pipe) holds. */
void sfs_drain(int fd);
bool sfs_valid_name(const char *s);         /* [A-Za-z0-9._-]{1,63}, not "." or "..", no leading '.' */
int sfs_parse_duration(const char *s, long *seconds); /* "90", "30s", "+30m", "2h", "1d" */
int sfs_parse_time(const char *s, time_t *t);          /* RFC 3339 */
void sfs_format_time(time_t t, char *buf, size_t cap); /* RFC 3339 UTC */
time_t sfs_json_time(json_t *v);                        /* RFC 3339 string → time_t, 0 if none */
/* Attributes of a generated node, owned by the mounting user; t = 0: the mount's start time. */
void sfs_fill_stat(struct stat *st, mode_t mode, off_t size, time_t t);

/* --- sandboxes.c: the table of sandboxes known to the server ---------------------------------- */
struct sfs_session {
    char name[SFS_NAME_MAX];
    char sid[64];
    struct sfs_run *last; /* latest run in this session (NULL before the first) */
    struct sfs_session *next;
};

struct sfs_sandbox {
    char name[SFS_NAME_MAX];
    char id[SFS_ID_MAX];
    int refs;                /* table reference + one per user; freed at 0 */
    bool gone;               /* no longer on the server */
    pthread_mutex_t lock;    /* protects the fields below */
    json_t *info;            /* latest Sandbox object */
    double info_at;
    double inval_at;         /* last sbx_invalidate: answers asked for before it are not kept */
    struct sbx_execd x;      /* valid when x_ok */
    bool x_ok;
    char latest[SBX_ID_MAX]; /* latest command started through this mount ("" = ask execd) */
    json_t *cmds;            /* cached /command/list */
    uint64_t cmds_seq;       /* the state of execd's list that cmds holds (0: ask for all) */
    size_t cmds_local;       /* its last records: started here since, not yet read from execd */
    char cmds_epoch[SBX_EPOCH_MAX];
    pthread_mutex_t cmds_fetch; /* one /command/list request at a time per sandbox */
    double cmds_at;
    double cmds_inval_at;    /* last command start or invalidation: older lists are not kept */
    uint64_t cmds_gen;       /* bumped when an answer of execd's changes cmds */
    struct sfs_session *sessions;
    json_t *ports;           /* endpoint ports looked up: {"6080": "url", ...} */
};

int sbx_table_init(void);
/* Looks a sandbox up by name (refreshing the listing when stale or unknown); a reference. */
struct sfs_sandbox *sbx_get(const char *name);
void sbx_put(struct sfs_sandbox *s);
/* The errno for a name sbx_get did not find: ENOENT, or ENOTCONN while the server cannot be
 * listed (then nobody knows whether it exists). */
int sbx_missing(void);
/* Re-lists the server now. */
int sbx_refresh(void);
/* Calls fn for every sandbox name (listing refreshed when stale). */
int sbx_names(void (*fn)(const char *name, void *arg), void *arg);
/* The sandbox's execd, resolved once (locks s->lock briefly). */
int sbx_execd(struct sfs_sandbox *s, struct sbx_execd *x);
/* Fresh-enough Sandbox JSON (a new reference). */
int sbx_info(struct sfs_sandbox *s, json_t **info, double max_age);
void sbx_invalidate(struct sfs_sandbox *s);
/* mkdir / rmdir of a sandbox. */
int sbx_create(const char *name);
int sbx_delete(const char *name);
/* ctl verbs and expires writes. */
int sbx_ctl(struct sfs_sandbox *s, const char *text);
int sbx_set_expires(struct sfs_sandbox *s, const char *text);
int sbx_metadata_set(struct sfs_sandbox *s, const char *key, const char *value);
/* From the listing of commands (read again when older than max_age): command num's record
 * (1-based, 0: the latest; a new reference) when rec is given, -ENOENT when there is none, and
 * how many commands there are when count is given. */
int sbx_command(struct sfs_sandbox *s, long num, double max_age, json_t **rec, size_t *count);
/* The cached listing's generation, taken before a start (for sbx_commands_started). */
uint64_t sbx_commands_gen(struct sfs_sandbox *s);
/* A command this mount just started (gen: sbx_commands_gen before the start): appended to the
 * cached listing (when there is one), so its files resolve without asking execd again; unless an
 * answer of execd's that came meanwhile put it there already. */
void sbx_commands_started(struct sfs_sandbox *s, uint64_t gen, const char *id, const char *text);
/* A command ended; final is execd's last status record of it (NULL when unknown): it replaces
 * the cached record when it carries the byte counts, else the listing is asked again. */
void sbx_commands_ended(struct sfs_sandbox *s, const char *id, json_t *final);

/* --- templates.c ------------------------------------------------------------------------------- */
struct sfs_template {
    char image[512];
    char snapshot[128];
    json_t *entrypoint; /* array of strings or NULL */
    json_t *env;        /* object or NULL */
    char cpu[32], memory[32];
    long pids;
    long timeout;       /* seconds; 0 = none (manual cleanup) */
};
int tpl_init(void);
/* Loads the template for sandbox NAME (NAME, then its last .suffix, then default). */
int tpl_resolve(const char *sandbox, struct sfs_template *t, char *used, size_t cap);
void tpl_free(struct sfs_template *t);
/* Parses a template text; on error returns -EINVAL and sets *line. */
int tpl_parse(const char *text, struct sfs_template *t, int *line);
/* The templates directory (config_dir/templates). */
const char *tpl_dir(void);

#endif
