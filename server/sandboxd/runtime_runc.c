/* runc wrappers: see runtime_runc.h. */
#include "runtime_runc.h"
#include "runtime_spawn.h"
#include "runtime_util.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static char runc_root[PATH_MAX];

const char *runc_root_dir(void)
{
    return runc_root;
}

void runc_set_root(const char *root)
{
    snprintf(runc_root, sizeof runc_root, "%s", root);
}

static bool not_exist(const char *e)
{
    return strstr(e, "does not exist") || strstr(e, "not found");
}

static int runc_simple(const char *verb, const char *flag, const char *id, char *err)
{
    char *argv[8] = {"runc", "--root", runc_root, (char *)verb};
    int n = 4;
    if (flag) argv[n++] = (char *)flag;
    argv[n++] = (char *)id;
    argv[n] = NULL;
    return rt_run(argv, err);
}

int runc_run(const char *id, const char *bundle, const char *pid_file, int log_fd, char *err)
{
    char *argv[] = {"runc",           "--root",   runc_root,      "run",      "-d", "--pid-file",
                    (char *)pid_file, "--bundle", (char *)bundle, (char *)id, NULL};
    struct rt_spawn sp = {.argv = argv, .stdio_fd = log_fd};
    int r = rt_spawn(&sp, err);
    return r > 0 ? -EIO : r;
}

static enum rt_state parse_status(const char *s)
{
    if (strcmp(s, "running") == 0) return RT_RUNNING;
    if (strcmp(s, "paused") == 0 || strcmp(s, "pausing") == 0) return RT_PAUSED;
    if (strcmp(s, "created") == 0 || strcmp(s, "creating") == 0) return RT_CREATING;
    return RT_STOPPED;
}

int runc_state(const char *id, enum rt_state *ret_state, int *ret_pid, char *err)
{
    int fast = runc_state_fast(id, ret_state, ret_pid);
    if (fast != -ENOTSUP) return fast;
    char out[8192], e[RT_ERR_MAX] = "";
    char *argv[] = {"runc", "--root", runc_root, "state", (char *)id, NULL};
    struct rt_spawn sp = {.argv = argv, .out = out, .out_cap = sizeof out, .stdio_fd = -1};
    int r = rt_spawn(&sp, e);
    if (r != 0) {
        if (not_exist(e)) return -ENOENT;
        return rt_fail(err, r < 0 ? r : -EIO, "%s", e);
    }
    json_t *j = json_loads(out, 0, NULL);
    const char *status = j ? json_string_value(json_object_get(j, "status")) : NULL;
    if (!status) {
        json_decref(j);
        return rt_fail(err, -EIO, "runc state '%s': unexpected output", id);
    }
    *ret_state = parse_status(status);
    *ret_pid = (int)json_integer_value(json_object_get(j, "pid"));
    json_decref(j);
    return 0;
}

int runc_pause(const char *id, char *err)
{
    return runc_simple("pause", NULL, id, err);
}

int runc_resume(const char *id, char *err)
{
    return runc_simple("resume", NULL, id, err);
}

int runc_delete(const char *id, char *err)
{
    char e[RT_ERR_MAX] = "";
    int r = runc_simple("delete", "--force", id, e);
    if (r < 0 && !not_exist(e)) return rt_fail(err, r, "%s", e);
    return 0;
}

/* runc keeps one directory per container under its root. */
int runc_list(int (*fn)(const char *id, void *arg), void *arg, char *err)
{
    DIR *d = opendir(runc_root);
    if (!d) return errno == ENOENT ? 0 : rt_fail(err, -errno, "opendir '%s': %m", runc_root);
    struct dirent *e;
    int r = 0;
    while (r == 0 && (e = readdir(d)))
        if (e->d_name[0] != '.' && rt_id_valid(e->d_name)) r = fn(e->d_name, arg);
    closedir(d);
    return 0;
}
