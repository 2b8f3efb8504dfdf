/* SQLite persistence of sandbox and snapshot records. */
#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static sqlite3 *db;
static pthread_mutex_t db_mu = PTHREAD_MUTEX_INITIALIZER;

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS sandboxes ("
    " id TEXT PRIMARY KEY, state TEXT NOT NULL, reason TEXT, message TEXT,"
    " created_ms INTEGER NOT NULL, transition_ms INTEGER NOT NULL, expires_ms INTEGER,"
    " image TEXT, snapshot_id TEXT, entrypoint TEXT NOT NULL, metadata TEXT NOT NULL,"
    " platform TEXT, spec TEXT NOT NULL, token TEXT NOT NULL, execd_addr TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS sandboxes_expiry ON sandboxes(expires_ms);"
    "CREATE TABLE IF NOT EXISTS snapshots ("
    " id TEXT PRIMARY KEY, sandbox_id TEXT NOT NULL, name TEXT, state TEXT NOT NULL,"
    " reason TEXT, message TEXT, created_ms INTEGER NOT NULL, transition_ms INTEGER NOT NULL,"
    " image TEXT, entrypoint TEXT NOT NULL);";

int store_open(const char *path, char *err, size_t errlen)
{
    char *msg = NULL;
    int rc = sqlite3_open_v2(
        path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database '%s': %s", path,
                 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        db = NULL;
        return -EIO;
    }
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_exec(db, schema, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "cannot initialise database '%s': %s", path, msg);
        sqlite3_free(msg);
        sqlite3_close(db);
        db = NULL;
        return -EIO;
    }
    return 0;
}

void store_close(void)
{
    pthread_mutex_lock(&db_mu);
    sqlite3_close(db);
    db = NULL;
    pthread_mutex_unlock(&db_mu);
}

static sqlite3_stmt *prep(const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        log_err("database: cannot prepare '%.60s': %s", sql, sqlite3_errmsg(db));
        return NULL;
    }
    return st;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static void bind_json(sqlite3_stmt *st, int i, const json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    bind_text(st, i, s);
    free(s);
}

/* Runs a fully bound statement that returns no rows; finalizes it. */
static int run(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    int changes = sqlite3_changes(db);
    if (rc != SQLITE_DONE) {
        log_err("database: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return -EIO;
    }
    sqlite3_finalize(st);
    return changes > 0 ? 0 : -ENOENT;
}

static void col_copy(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    snprintf(dst, cap, "%s", s ? (const char *)s : "");
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? strdup((const char *)s) : NULL;
}

static json_t *col_json(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? json_loads((const char *)s, 0, NULL) : NULL;
}

#define SBX_COLS                                                                                   \
    "id, state, reason, message, created_ms, transition_ms, expires_ms, image, snapshot_id,"       \
    " entrypoint, metadata, platform, spec, token, execd_addr"

int store_sbx_insert(const struct sbx_rec *r)
{
    int ret = -EIO;
    pthread_mutex_lock(&db_mu);
    sqlite3_stmt *st =
        prep("INSERT INTO sandboxes (" SBX_COLS ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (st) {
        bind_text(st, 1, r->id);
        bind_text(st, 2, r->state);
        bind_text(st, 3, r->reason);
        bind_text(st, 4, r->message);
        sqlite3_bind_int64(st, 5, r->created_ms);
        sqlite3_bind_int64(st, 6, r->transition_ms);
        if (r->expires_ms) sqlite3_bind_int64(st, 7, r->expires_ms);
        bind_text(st, 8, r->image);
        bind_text(st, 9, r->snapshot_id);
        bind_json(st, 10, r->entrypoint);
        bind_json(st, 11, r->metadata);
        bind_json(st, 12, r->platform);
        bind_json(st, 13, r->spec);
        bind_text(st, 14, r->token);
        bind_text(st, 15, r->execd_addr);
        ret = run(st);
    }
    pthread_mutex_unlock(&db_mu);
    return ret;
}

/* One record by id: 0, -ENOENT or -EIO; from_row fills ret. */
static int get_row(const char *sql, const char *id, void (*from_row)(sqlite3_stmt *, void *),
                   void *ret)
{
    int r = -EIO;
    pthread_mutex_lock(&db_mu);
    sqlite3_stmt *st = prep(sql);
    if (st) {
        bind_text(st, 1, id);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            from_row(st, ret);
            r = 0;
        } else {
            r = rc == SQLITE_DONE ? -ENOENT : -EIO;
        }
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&db_mu);
    return r;
}

/* Every row of sql as an array of records of sz bytes (caller frees); -ENOMEM keeps none. */
static int list_rows(const char *sql, size_t sz, void (*from_row)(sqlite3_stmt *, void *),
                     void **ret, size_t *n)
{
    char *v = NULL;
    size_t cnt = 0, cap = 0;
    int r = -EIO;
    pthread_mutex_lock(&db_mu);
    sqlite3_stmt *st = prep(sql);
    if (st) {
        r = 0;
        while (!r && sqlite3_step(st) == SQLITE_ROW) {
            if (cnt == cap) {
                char *nv = realloc(v, (cap ? cap * 2 : 16) * sz);
                if (!nv) {
                    r = -ENOMEM;
                    break;
                }
                v = nv;
                cap = cap ? cap * 2 : 16;
            }
            from_row(st, v + cnt++ * sz);
        }
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&db_mu);
    *ret = v;
    *n = cnt;
    return r;
}

static int set_state(const char *sql, const char *id, const char *state, const char *reason,
                     const char *message)
{
    int r = -EIO;
    pthread_mutex_lock(&db_mu);
    sqlite3_stmt *st = prep(sql);
    if (st) {
        bind_text(st, 1, state);
        bind_text(st, 2, reason);
        bind_text(st, 3, message);
        sqlite3_bind_int64(st, 4, now_ms());
        bind_text(st, 5, id);
        r = run(st);
    }
    pthread_mutex_unlock(&db_mu);
    return r;
}

static void sbx_from_row(sqlite3_stmt *st, struct sbx_rec *r)
{
    memset(r, 0, sizeof(*r));
    col_copy(st, 0, r->id, sizeof(r->id));
    col_copy(st, 1, r->state, sizeof(r->state));
    col_copy(st, 2, r->reason, sizeof(r->reason));
    col_copy(st, 3, r->message, sizeof(r->message));
    r->created_ms = sqlite3_column_int64(st, 4);
    r->transition_ms = sqlite3_column_int64(st, 5);
    r->expires_ms = sqlite3_column_int64(st, 6);
    r->image = col_dup(st, 7);
    r->snapshot_id = col_dup(st, 8);
    r->entrypoint = col_json(st, 9);
    r->metadata = col_json(st, 10);
    r->platform = col_json(st, 11);
    r->spec = col_json(st, 12);
    col_copy(st, 13, r->token, sizeof(r->token));
    col_copy(st, 14, r->execd_addr, sizeof(r->execd_addr));
    if (!r->entrypoint) r->entrypoint = json_array();
    if (!r->metadata) r->metadata = json_object();
    if (!r->spec) r->spec = json_object();
}

static void sbx_row(sqlite3_stmt *st, void *r)
{
    sbx_from_row(st, r);
}

int store_sbx_get(const char *id, struct sbx_rec *ret)
{
    return get_row("SELECT " SBX_COLS " FROM sandboxes WHERE id = ?", id, sbx_row, ret);
}

int store_sbx_list(struct sbx_rec **ret, size_t *n)
{
    return list_rows("SELECT " SBX_COLS " FROM sandboxes ORDER BY created_ms DESC, id",
                     sizeof(**ret), sbx_row, (void **)ret, n);
}

int store_sbx_set_state(const char *id, const char *state, const char *reason, const char *message)
{
    return set_state("UPDATE sandboxes SET state = ?, reason = ?, message = ?, transition_ms = ? "
                     "WHERE id = ?",
                     id, state, reason, message);
}

static int set_text(const char *sql, const char *id, const char *value)
{
    int r = -EIO;
    pthread_mutex_lock(&db_mu);
    sqlite3_stmt *st = prep(sql);
    if (st) {
        bind_text(st, 1, value);
        bind_text(st, 2, id);
        r = run(st);
    }
    pthread_mutex_unlock(&db_mu);
    return r;
}

int store_sbx_set_addr(const char *id, const char *addr)
{
    return set_text("UPDATE sandboxes SET execd_addr = ? WHERE id = ?", id, addr);
}

int store_sbx_set_metadata(const char *id, const json_t *metadata)
{
    char *s = json_dumps(metadata, JSON_COMPACT);
    int r = set_text("UPDATE sandboxes SET metadata = ? WHERE id = ?", id, s);
    free(s);
    return r;
}

int store_sbx_set_expiry(const char *id, int64_t expires_ms)
{
    int r = -EIO;
    pthread_mutex_lock(&db_mu);
    sqlite3_stmt *st = prep("UPDATE sandboxes SET expires_ms = ? WHERE id = ?");
    if (st) {
        sqlite3_bind_int64(st, 1, expires_ms);
        bind_text(st, 2, id);
        r = run(st);
    }
    pthread_mutex_unlock(&db_mu);
    return r;
}

/* Runs sql with the single parameter id. */
static int exec_id(const char *sql, const char *id)
{
    int r = -EIO;
    pthread_mutex_lock(&db_mu);
    sqlite3_stmt *st = prep(sql);
    if (st) {
        bind_text(st, 1, id);
        r = run(st);
    }
    pthread_mutex_unlock(&db_mu);
    return r;
}

int store_sbx_delete(const char *id)
{
    return exec_id("DELETE FROM sandboxes WHERE id = ?", id);
}

int64_t store_sbx_count(void)
{
    int64_t n = -EIO;
    pthread_mutex_lock(&db_mu);
    sqlite3_stmt *st = prep("SELECT COUNT(*) FROM sandboxes");
    if (st) {
        if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&db_mu);
    return n;
}

int64_t store_next_expiry(void)
{
    int64_t t = 0;
    pthread_mutex_lock(&db_mu);
    sqlite3_stmt *st = prep("SELECT MIN(expires_ms) FROM sandboxes WHERE expires_ms IS NOT NULL");
    if (st) {
        if (sqlite3_step(st) == SQLITE_ROW) t = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&db_mu);
    return t;
}

int store_expired(int64_t now, char (*ids)[RT_ID_MAX], size_t cap, size_t *n)
{
    int r = -EIO;
    *n = 0;
    pthread_mutex_lock(&db_mu);
    sqlite3_stmt *st = prep("SELECT id FROM sandboxes WHERE expires_ms IS NOT NULL AND "
                            "expires_ms <= ? ORDER BY expires_ms");
    if (st) {
        sqlite3_bind_int64(st, 1, now);
        while (*n < cap && sqlite3_step(st) == SQLITE_ROW)
            col_copy(st, 0, ids[(*n)++], RT_ID_MAX);
        sqlite3_finalize(st);
        r = 0;
    }
    pthread_mutex_unlock(&db_mu);
    return r;
}

void sbx_rec_free(struct sbx_rec *r)
{
    if (!r) return;
    free(r->image);
    free(r->snapshot_id);
    json_decref(r->entrypoint);
    json_decref(r->metadata);
    json_decref(r->platform);
    json_decref(r->spec);
    memset(r, 0, sizeof(*r));
}

void sbx_rec_free_all(struct sbx_rec *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sbx_rec_free(&v[i]);
    free(v);
}

#define SNAP_COLS                                                                                  \
    "id, sandbox_id, name, state, reason, message, created_ms, transition_ms, image, entrypoint"

int store_snap_insert(const struct snap_rec *r)
{
    int ret = -EIO;
    pthread_mutex_lock(&db_mu);
    sqlite3_stmt *st = prep("INSERT INTO snapshots (" SNAP_COLS ") VALUES (?,?,?,?,?,?,?,?,?,?)");
    if (st) {
        bind_text(st, 1, r->id);
        bind_text(st, 2, r->sandbox_id);
        bind_text(st, 3, r->name);
        bind_text(st, 4, r->state);
        bind_text(st, 5, r->reason);
        bind_text(st, 6, r->message);
        sqlite3_bind_int64(st, 7, r->created_ms);
        sqlite3_bind_int64(st, 8, r->transition_ms);
        bind_text(st, 9, r->image);
        bind_json(st, 10, r->entrypoint);
        ret = run(st);
    }
    pthread_mutex_unlock(&db_mu);
    return ret;
}

static void snap_from_row(sqlite3_stmt *st, struct snap_rec *r)
{
    memset(r, 0, sizeof(*r));
    col_copy(st, 0, r->id, sizeof(r->id));
    col_copy(st, 1, r->sandbox_id, sizeof(r->sandbox_id));
    r->name = col_dup(st, 2);
    col_copy(st, 3, r->state, sizeof(r->state));
    col_copy(st, 4, r->reason, sizeof(r->reason));
    col_copy(st, 5, r->message, sizeof(r->message));
    r->created_ms = sqlite3_column_int64(st, 6);
    r->transition_ms = sqlite3_column_int64(st, 7);
    r->image = col_dup(st, 8);
    r->entrypoint = col_json(st, 9);
    if (!r->entrypoint) r->entrypoint = json_array();
}

static void snap_row(sqlite3_stmt *st, void *r)
{
    snap_from_row(st, r);
}

int store_snap_get(const char *id, struct snap_rec *ret)
{
    return get_row("SELECT " SNAP_COLS " FROM snapshots WHERE id = ?", id, snap_row, ret);
}

int store_snap_list(struct snap_rec **ret, size_t *n)
{
    return list_rows("SELECT " SNAP_COLS " FROM snapshots ORDER BY created_ms DESC, id",
                     sizeof(**ret), snap_row, (void **)ret, n);
}

int store_snap_set_state(const char *id, const char *state, const char *reason, const char *message)
{
    return set_state("UPDATE snapshots SET state = ?, reason = ?, message = ?, transition_ms = ? "
                     "WHERE id = ?",
                     id, state, reason, message);
}

int store_snap_delete(const char *id)
{
    return exec_id("DELETE FROM snapshots WHERE id = ?", id);
}

void snap_rec_free(struct snap_rec *r)
{
    if (!r) return;
    free(r->name);
    free(r->image);
    json_decref(r->entrypoint);
    memset(r, 0, sizeof(*r));
}

void snap_rec_free_all(struct snap_rec *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        snap_rec_free(&v[i]);
    free(v);
}
