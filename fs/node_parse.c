/* Mount paths → nodes (see nodes.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nodes.h"

static const char *const sbx_files[] = {"id", "status", "info", "image", "env",
                                        "expires", "metrics", "ctl", "cmd", NULL};
static const char *const stream_files[] = {"stdout", "stderr", "output", "exit", NULL};
static const char *const command_files[] = {"cmd", "status", "ctl", NULL};
static const char *const session_files[] = {"cmd", "stdout", "stderr", "exit", NULL};
static const char *const snapshot_files[] = {"id", "status", "info", NULL};

static bool in(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(s, *list))
            return true;
    return false;
}

/* Copies the next component of *p into out (cap bytes); returns its length, -1 if too long. */
static int next(const char **p, char *out, size_t cap)
{
    while (**p == '/')
        (*p)++;
    const char *e = strchr(*p, '/');
    size_t n = e ? (size_t)(e - *p) : strlen(*p);
    if (n >= cap)
        return -ENAMETOOLONG;
    memcpy(out, *p, n);
    out[n] = '\0';
    *p += n;
    return (int)n;
}

static int parse_number(const char *s, long min, long max, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < min || v > max || (s[0] == '0' && s[1]))
        return -ENOENT;
    *out = v;
    return 0;
}

static int parse_command(const char **p, struct node *n)
{
    int r;
    char c[256];
    if ((r = next(p, c, sizeof c)) <= 0)
        return r ? r : ((n->kind = N_COMMANDS), 0);
    if (parse_number(c, 1, 1000000000L, &n->num))
        return -ENOENT;
    if ((r = next(p, c, sizeof c)) <= 0)
        return r ? r : ((n->kind = N_COMMAND), 0);
    if (**p || (!in(c, stream_files) && !in(c, command_files)))
        return -ENOENT;
    snprintf(n->file, sizeof n->file, "%s", c);
    n->kind = in(c, stream_files) ? N_STREAM : N_COMMAND_FILE;
    return 0;
}

static int parse_session(const char **p, struct node *n)
{
    int r;
    char c[256];
    if ((r = next(p, n->name, SFS_NAME_MAX)) <= 0)
        return r ? r : **p ? -ENOENT : ((n->kind = N_SESSIONS), 0);
    if ((r = next(p, c, sizeof c)) <= 0)
        return r ? r : ((n->kind = N_SESSION), 0);
    if (**p || !in(c, session_files))
        return -ENOENT;
    snprintf(n->file, sizeof n->file, "%s", c);
    n->kind = N_SESSION_FILE;
    return 0;
}

static int parse_endpoint(const char **p, struct node *n)
{
    int r;
    char c[256];
    if ((r = next(p, c, sizeof c)) <= 0)
        return r ? r : ((n->kind = N_ENDPOINTS), 0);
    size_t len = strlen(c);
    if (len > 5 && !strcmp(c + len - 5, ".curl")) {
        n->curl = true;
        c[len - 5] = '\0';
    }
    if (**p || parse_number(c, 1, 65535, &n->num))
        return -ENOENT;
    n->kind = N_ENDPOINT;
    return 0;
}

static int parse_sandbox(const char **p, struct node *n)
{
    int r;
    char c[256];
    if ((r = next(p, c, sizeof c)) <= 0)
        return r ? r : ((n->kind = N_SBX), 0);
    if (!strcmp(c, "commands"))
        return parse_command(p, n);
    if (!strcmp(c, "sessions"))
        return parse_session(p, n);
    if (!strcmp(c, "endpoints"))
        return parse_endpoint(p, n);
    if (!strcmp(c, "metadata")) {
        if ((r = next(p, n->name, sizeof n->name)) <= 0)
            return r ? r : ((n->kind = N_METADATA), 0);
        return **p ? -ENOENT : ((n->kind = N_METADATA_KEY), 0);
    }
    if (**p)
        return -ENOENT;
    snprintf(n->file, sizeof n->file, "%s", c);
    if (!strcmp(c, "files"))
        return (n->kind = N_FILES_LINK), 0;
    if (in(c, stream_files))
        return (n->kind = N_STREAM), 0;
    return in(c, sbx_files) ? ((n->kind = N_SBX_FILE), 0) : -ENOENT;
}

static int parse_dot(const char *top, const char **p, struct node *n)
{
    int r;
    char c[256];
    if (!strcmp(top, ".log"))
        return **p ? -ENOENT : ((n->kind = N_LOG), 0);
    if (!strcmp(top, ".templates")) {
        if ((r = next(p, n->name, sizeof n->name)) <= 0)
            return r ? r : ((n->kind = N_TEMPLATES), 0);
        return **p ? -ENOENT : ((n->kind = N_TEMPLATE), 0);
    }
    if (!strcmp(top, ".snapshots")) {
        if ((r = next(p, n->name, sizeof n->name)) <= 0)
            return r ? r : ((n->kind = N_SNAPSHOTS), 0);
        if ((r = next(p, c, sizeof c)) <= 0)
            return r ? r : ((n->kind = N_SNAPSHOT), 0);
        if (**p || !in(c, snapshot_files))
            return -ENOENT;
        snprintf(n->file, sizeof n->file, "%s", c);
        return (n->kind = N_SNAPSHOT_FILE), 0;
    }
    if (!strcmp(top, ".files")) {
        if ((r = next(p, n->sbx, sizeof n->sbx)) <= 0)
            return r ? r : ((n->kind = N_FILES_ROOT), 0);
        n->rest = **p ? *p : "/";
        return (n->kind = N_FILES), 0;
    }
    return -ENOENT;
}

int node_parse(const char *path, struct node *n)
{
    memset(n, 0, sizeof *n);
    const char *p = path;
    char top[256];
    int len = next(&p, top, sizeof top);
    if (len < 0)
        return -ENAMETOOLONG;
    if (len == 0)
        return (n->kind = N_ROOT), 0;
    if (top[0] == '.')
        return parse_dot(top, &p, n);
    if (len >= SFS_NAME_MAX)
        return -ENOENT;
    memcpy(n->sbx, top, (size_t)len + 1);
    return parse_sandbox(&p, n);
}
