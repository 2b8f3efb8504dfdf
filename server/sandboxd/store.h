/* The records of sandboxd in SQLite (STATE_DIR/sandboxd.db, WAL): sandboxes with their
 * metadata, expiry, execd token and address, and snapshots. Every write is one transaction,
 * so a SIGKILL at any point leaves either the old or the new record.
 *
 * All functions are thread-safe (one connection behind a mutex) and return 0 or -errno
 * (-ENOENT for an unknown id, -EIO for a database error, which is logged). */
#ifndef SANDBOXD_STORE_H
#define SANDBOXD_STORE_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "runtime.h"
#include "util.h"

#define STATE_MAX 16
#define REASON_MAX 64
#define MESSAGE_MAX 512

struct sbx_rec {
    char id[RT_ID_MAX];
    char state[STATE_MAX]; /* Pending, Running, Paused, Failed, Terminated */
    char reason[REASON_MAX];
    char message[MESSAGE_MAX];
    int64_t created_ms, transition_ms;
    int64_t expires_ms; /* 0: manual cleanup */
    char *image;        /* image uri, or NULL when restored from a snapshot */
    char *snapshot_id;  /* or NULL */
    json_t *entrypoint; /* array */
    json_t *metadata;   /* object */
    json_t *platform;   /* object or NULL */
    json_t *spec;       /* everything else of the request: env, resourceLimits, volumes, ... */
    char token[TOKEN_HEX_LEN + 1];
    char execd_addr[64];
};

struct snap_rec {
    char id[RT_ID_MAX];
    char sandbox_id[RT_ID_MAX];
    char *name;            /* or NULL */
    char state[STATE_MAX]; /* Creating, Ready, Failed */
    char reason[REASON_MAX];
    char message[MESSAGE_MAX];
    int64_t created_ms, transition_ms;
    char *image;        /* image the source sandbox ran */
    json_t *entrypoint; /* the source sandbox's entrypoint */
};

int store_open(const char *path, char *err, size_t errlen);
void store_close(void);

int store_sbx_insert(const struct sbx_rec *r);
int store_sbx_get(const char *id, struct sbx_rec *ret);
/* All sandboxes, newest first. *ret is an array of *n records (free with sbx_rec_free_all). */
int store_sbx_list(struct sbx_rec **ret, size_t *n);
int store_sbx_set_state(const char *id, const char *state, const char *reason, const char *message);
int store_sbx_set_addr(const char *id, const char *addr);
int store_sbx_set_expiry(const char *id, int64_t expires_ms);
int store_sbx_set_metadata(const char *id, const json_t *metadata);
int store_sbx_delete(const char *id);
/* Number of sandbox records, or -errno. */
int64_t store_sbx_count(void);
/* The earliest expiry of any sandbox, 0 if none. */
int64_t store_next_expiry(void);
/* Ids of sandboxes whose expiry is <= now_ms (at most cap). */
int store_expired(int64_t now_ms, char (*ids)[RT_ID_MAX], size_t cap, size_t *n);
void sbx_rec_free(struct sbx_rec *r);
void sbx_rec_free_all(struct sbx_rec *v, size_t n);

int store_snap_insert(const struct snap_rec *r);
int store_snap_get(const char *id, struct snap_rec *ret);
int store_snap_list(struct snap_rec **ret, size_t *n);
int store_snap_set_state(const char *id, const char *state, const char *reason,
                         const char *message);
int store_snap_delete(const char *id);
void snap_rec_free(struct snap_rec *r);
void snap_rec_free_all(struct snap_rec *v, size_t n);
#endif
