/* Bash sessions, the upstream way: each run is a fresh shell that re-imports the exported
 * variables and the cwd saved by the previous run (saved by an EXIT trap, so `exit N`
 * keeps them too). Runs of one session are serialized. */
#include "api.h"
#include "command.h"
#include "reqparse.h"
#include "sse.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_SESSIONS 256
#define MAX_EXPORTS (1u << 20)
#define PWD_MARK "\n__EXECD_PWD__:"

struct session {
    char id[40];
    char *cwd;
    char *exports; /* `export -p` text of the last run */
    bool busy;
};

static pthread_mutex_t sess_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sess_free = PTHREAD_COND_INITIALIZER; /* a session stopped being busy */
#define SESSION_WAIT_S 30 /* a run waits this long for the session's previous run to finish */
static struct session *sessions[MAX_SESSIONS];

static struct session **find_slot(const char *id)
{
    for (int i = 0; i < MAX_SESSIONS; i++)
        if (sessions[i] && strcmp(sessions[i]->id, id) == 0) return &sessions[i];
    return NULL;
}

static void session_free(struct session *s)
{
    free(s->cwd);
    free(s->exports);
    free(s);
}

static int mkdir_p(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) return -ENAMETOOLONG;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -errno;
        *p = '/';
    }
    if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -errno;
    return 0;
}

int api_session_create(struct conn *c, const struct route_args *a)
{
    json_t *j = read_json_body(c, true);
    if (!j) return 0;
    json_t *cwd = json_object_get(j, "cwd");
    if (!json_is_object(j) || (cwd && !json_is_null(cwd) && !json_is_string(cwd))) {
        json_decref(j);
        return respond_error(c, 400, "INVALID_REQUEST_BODY", "body must be {\"cwd\"?: string}");
    }
    const char *dir =
        json_is_string(cwd) && *json_string_value(cwd) ? json_string_value(cwd) : NULL;
    int r = dir ? mkdir_p(dir) : 0;
    if (r < 0) {
        json_decref(j);
        return respond_errno(c, r, "cannot create session directory", dir);
    }
    struct session *s = calloc(1, sizeof(*s));
    s->cwd = dir ? strdup(dir) : NULL;
    json_decref(j);
    unsigned char b[16];
    FILE *f = fopen("/dev/urandom", "re");
    if (!f || fread(b, 1, sizeof(b), f) != sizeof(b)) memset(b, 0x5a, sizeof(b));
    if (f) fclose(f);
    snprintf(s->id, sizeof(s->id),
             "%02x%02x%02x%02x-%02x%02x-4%x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6] & 15, b[7], (b[8] & 0x3f) | 0x80, b[9], b[10], b[11],
             b[12], b[13], b[14], b[15]);
    pthread_mutex_lock(&sess_mu);
    struct session **slot = NULL;
    for (int i = 0; !slot && i < MAX_SESSIONS; i++)
        if (!sessions[i]) slot = &sessions[i];
    if (slot) *slot = s;
    pthread_mutex_unlock(&sess_mu);
    if (!slot) {
        session_free(s);
        return respond_error(c, 429, "RUNTIME_ERROR", "too many sessions (limit %d)", MAX_SESSIONS);
    }
    return respond_json(c, 200, json_pack("{s:s}", "session_id", s->id));
}

int session_delete(const char *id)
{
    pthread_mutex_lock(&sess_mu);
    struct session **slot = find_slot(id);
    struct session *s = slot && !(*slot)->busy ? *slot : NULL;
    if (s)
        *slot = NULL;
    else if (slot)
        (*slot)->id[0] = 0; /* busy: the running request frees it */
    pthread_mutex_unlock(&sess_mu);
    if (s) session_free(s);
    return slot ? 0 : -ENOENT;
}

int api_session_delete(struct conn *c, const struct route_args *a)
{
    if (session_delete(a->seg[0]) < 0)
        return respond_error(c, 404, "CONTEXT_NOT_FOUND", "session not found: %s", a->seg[0]);
    return respond_empty(c);
}

static void sh_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

static int write_script(const char *path, const char *dump, struct session *s, const char *cwd,
                        const char *command)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0) close(fd);
        return -errno;
    }
    if (s->exports) fprintf(f, "%s\n", s->exports);
    if (cwd) {
        fputs("cd -- ", f);
        sh_quote(f, cwd);
        fputs(" || exit 1\n", f);
    }
    fputs("trap '__execd_rc=$?; { export -p; printf \"\\n__EXECD_PWD__:%s\" \"$PWD\"; } > ", f);
    fputs("'\\''", f);
    for (const char *p = dump; *p; p++)
        fputc(*p, f); /* the spool path has no quotes: execd made it */
    fputs("'\\'' 2>/dev/null; exit $__execd_rc' EXIT\n", f);
    fprintf(f, "%s\n", command);
    return fclose(f) == 0 ? 0 : -EIO;
}

/* Reads the EXIT trap's dump into the session. */
static void load_dump(struct session *s, const char *dump)
{
    FILE *f = fopen(dump, "re");
    if (!f) return;
    char *buf = malloc(MAX_EXPORTS + 1);
    size_t n = buf ? fread(buf, 1, MAX_EXPORTS, f) : 0;
    fclose(f);
    if (!buf || n == MAX_EXPORTS) {
        free(buf);
        return;
    }
    buf[n] = 0;
    char *mark = NULL;
    for (char *p = buf; (p = strstr(p, PWD_MARK)); p++)
        mark = p;
    if (mark) {
        *mark = 0;
        free(s->cwd);
        s->cwd = strdup(mark + strlen(PWD_MARK));
        free(s->exports);
        s->exports = buf;
        return;
    }
    free(buf);
}

/* Runs in one session are sequential. The previous run's final event reaches the client just
 * before that run saves the session's env and cwd and lets go of it, so a client that sends the
 * next run at once waits here for it (bounded) instead of being told the session is busy. */
static struct session *claim(const char *id)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += SESSION_WAIT_S;
    pthread_mutex_lock(&sess_mu);
    struct session *s = NULL;
    for (;;) {
        struct session **slot = find_slot(id);
        if (!slot) break;
        if (!(*slot)->busy) {
            s = *slot;
            s->busy = true;
            break;
        }
        if (pthread_cond_timedwait(&sess_free, &sess_mu, &deadline) == ETIMEDOUT) break;
    }
    pthread_mutex_unlock(&sess_mu);
    return s;
}

static void release(struct session *s)
{
    pthread_mutex_lock(&sess_mu);
    s->busy = false;
    pthread_cond_broadcast(&sess_free);
    bool deleted = !s->id[0];
    if (deleted)
        for (int i = 0; i < MAX_SESSIONS; i++)
            if (sessions[i] == s) sessions[i] = NULL;
    pthread_mutex_unlock(&sess_mu);
    if (deleted) session_free(s);
}

static int run_in(struct conn *c, struct session *s, json_t *j)
{
    json_t *cmdj = json_object_get(j, "command"), *cwdj = json_object_get(j, "cwd"),
           *toj = json_object_get(j, "timeout"), *sepj = json_object_get(j, "separate_stderr");
    if (g_cfg.upstream_compat) sepj = NULL; /* extension session-stderr */
    if (!json_is_string(cmdj) || !*json_string_value(cmdj) ||
        (cwdj && !json_is_null(cwdj) && !json_is_string(cwdj)) ||
        (toj && !json_is_null(toj) && (!json_is_integer(toj) || json_integer_value(toj) < 0)) ||
        (sepj && !json_is_null(sepj) && !json_is_boolean(sepj)))
        return respond_error(c, 400, "INVALID_REQUEST_BODY",
                             "body must be {\"command\": string, \"cwd\"?: string, \"timeout\"?: "
                             "ms, \"separate_stderr\"?: bool}");
    const char *cwd =
        json_is_string(cwdj) && *json_string_value(cwdj) ? json_string_value(cwdj) : s->cwd;
    char script[4200], dump[4200];
    snprintf(script, sizeof(script), "%s/session-%s.sh", g_cfg.spool_dir, s->id);
    snprintf(dump, sizeof(dump), "%s/session-%s.env", g_cfg.spool_dir, s->id);
    int r = write_script(script, dump, s, cwd, json_string_value(cmdj));
    if (r < 0) return respond_errno(c, r, "cannot write session script", script);
    const char *shell = command_shell();
    bool bash = strstr(shell, "bash") != NULL;
    const char *argv_bash[] = {shell, "--noprofile", "--norc", script, NULL};
    const char *argv_sh[] = {shell, script, NULL};
    struct cmd_spec spec = {.command = json_string_value(cmdj),
                            .argv = bash ? argv_bash : argv_sh,
                            .kind = CMD_SESSION,
                            .merge_stderr = !json_is_true(sepj), /* upstream merges */
                            .timeout_ms = json_is_integer(toj) ? json_integer_value(toj) : 0};
    struct command *cmd;
    char err[256];
    if (command_start(&spec, &cmd, err, sizeof(err)) < 0) {
        unlink(script);
        return respond_error(c, 429, "RUNTIME_ERROR", "%s", err);
    }
    r = sse_begin(c, NULL);
    if (r == 0) r = sse_stream_command(c, cmd, s->id, true);
    uint64_t none[CS_N] = {UINT64_MAX, UINT64_MAX, UINT64_MAX};
    struct cmd_snap snap;
    do /* the client may have gone: the state is saved when the run ends anyway */
        command_wait(cmd, none, 0, &snap);
    while (snap.running);
    load_dump(s, dump);
    unlink(script);
    unlink(dump);
    command_put(cmd);
    return r;
}

int api_session_run(struct conn *c, const struct route_args *a)
{
    json_t *j = read_json_body(c, false);
    if (!j) return 0;
    struct session *s = claim(a->seg[0]);
    int r;
    if (!s) {
        pthread_mutex_lock(&sess_mu);
        bool exists = find_slot(a->seg[0]) != NULL;
        pthread_mutex_unlock(&sess_mu);
        r = exists ? respond_error(c, 409, "RUNTIME_ERROR", "session %s is busy", a->seg[0])
                   : respond_error(c, 500, "RUNTIME_ERROR",
                                   "error running in session. context not found: %s", a->seg[0]);
    } else {
        r = run_in(c, s, j);
        release(s);
    }
    json_decref(j);
    return r;
}
