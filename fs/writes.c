/* Writes to generated files act at once, so errors reach the writer (shells ignore close). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "cmdwatch.h"
#include "files.h"
#include "notify.h"
#include "ops.h"
#include "registry.h"
#include "sessions.h"

#define TEXT_MAX 4096 /* ctl, expires, metadata values */
#define CMD_HOLD_S 30 /* a start's stream tells the end of a command within this; later ones are
                         waited for with status-wait */

/* A NUL-terminated copy without trailing newlines; NULL if it is too long. */
static char *text_of(const char *buf, size_t size, size_t cap)
{
    if (size > cap)
        return NULL;
    char *t = malloc(size + 1);
    if (!t)
        return NULL;
    memcpy(t, buf, size);
    t[size] = '\0';
    while (size && (t[size - 1] == '\n' || t[size - 1] == '\r'))
        t[--size] = '\0';
    return t;
}

static bool blank(const char *s)
{
    return s[strspn(s, " \t\r\n")] == '\0';
}

static bool paused(struct sfs_sandbox *s)
{
    json_t *info;
    if (sbx_info(s, &info, 1.0))
        return false;
    const char *st = json_string_value(json_object_get(json_object_get(info, "status"), "state"));
    bool p = st && !strcmp(st, "Paused");
    json_decref(info);
    return p;
}

static int run_command(struct sfs_sandbox *s, const char *text)
{
    if (blank(text))
        return -EINVAL;
    if (paused(s))
        return -EAGAIN;
    struct sbx_execd x;
    char id[SBX_ID_MAX];
    struct sbx_cmd_held *held = NULL;
    uint64_t gen = sbx_commands_gen(s);
    int rc = sbx_execd(s, &x);
    if (!rc)
        rc = x.ext & SBX_EXT_START_WAIT ? sbx_cmd_start_held(&x, text, CMD_HOLD_S, id, &held)
                                        : sbx_cmd_start(&x, text, id);
    if (rc) {
        sbx_invalidate(s);
        if (paused(s))
            return -EAGAIN;
        sfs_log("%s: cmd: cannot start: %s", s->name, strerror(-rc));
        return rc == -ENOTCONN ? -ENOTCONN : -EIO;
    }
    if (!(x.ext & SBX_EXT_COMMAND_LIST) && registry_add(s, id, text))
        sfs_log("%s: command %s runs, but commands/ will not show it", s->name, id);
    pthread_mutex_lock(&s->lock);
    snprintf(s->latest, sizeof s->latest, "%s", id);
    pthread_mutex_unlock(&s->lock);
    sbx_commands_started(s, gen, id, text);
    files_forget(s->name);
    cmdwatch_start(s, id, held);
    return 0;
}

/* Signals a command can get through execd's API: an interrupt (SIGTERM, then SIGKILL). */
static int signal_command(struct sfs_sandbox *s, long num, const char *name)
{
    const char *n = !strncasecmp(name, "SIG", 3) ? name + 3 : name;
    static const char *const ok[] = {"TERM", "KILL", "INT", "HUP", "QUIT", "15", "9", "2", "1", "3"};
    bool known = false;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        known |= !strcasecmp(n, ok[i]);
    if (!known) {
        sfs_log("%s: commands/%ld/ctl: '%s': execd can only interrupt a command (TERM, KILL, "
                "INT, HUP, QUIT: SIGTERM, then SIGKILL after its grace time)", s->name, num, name);
        return -EINVAL;
    }
    struct sbx_execd x;
    char id[SBX_ID_MAX];
    int rc = sbx_execd(s, &x);
    if (!rc)
        rc = node_command(s, num, id, NULL);
    if (!rc)
        rc = sbx_cmd_interrupt(&x, id);
    if (rc == -EIO)
        rc = -ESRCH; /* execd answers 500 for a command that already ended */
    sbx_invalidate(s);
    return rc;
}

static int dispatch(struct sfs_sandbox *s, const struct node *n, const char *text)
{
    switch (n->kind) {
    case N_SBX_FILE:
        if (!strcmp(n->file, "cmd"))
            return run_command(s, text);
        if (!strcmp(n->file, "ctl"))
            return sbx_ctl(s, text);
        return sbx_set_expires(s, text);
    case N_METADATA_KEY:
        return sbx_metadata_set(s, n->name, text);
    case N_COMMAND_FILE:
        return signal_command(s, n->num, text);
    case N_SESSION_FILE:
        return blank(text) ? -EINVAL : session_run(s, n->name, text);
    default:
        return -EACCES;
    }
}

int write_content(const struct node *n, const char *buf, size_t size)
{
    bool is_cmd = (n->kind == N_SBX_FILE && !strcmp(n->file, "cmd")) || n->kind == N_SESSION_FILE;
    char *text = text_of(buf, size, is_cmd ? SBX_CMD_MAX : TEXT_MAX);
    if (!text)
        return size > (is_cmd ? SBX_CMD_MAX : TEXT_MAX) ? -EFBIG : -ENOMEM;
    struct sfs_sandbox *s = sbx_get(n->sbx);
    int rc = s ? dispatch(s, n, text) : sbx_missing();
    sbx_put(s);
    free(text);
    return rc ? rc : (int)size;
}
