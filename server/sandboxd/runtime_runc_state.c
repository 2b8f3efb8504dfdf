/* The state of a container without running runc: the same decision runc 1.x makes from its
 * state.json (init pid + start time, freezer state, exec fifo), in well under a millisecond.
 * sandboxd inspects often; `runc state` costs ~15 ms of process start-up. Anything unexpected in
 * the file falls back to `runc state` (-ENOTSUP). */
#include "runtime_runc.h"
#include "runtime_util.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 when pid is alive (not a zombie) and started at start_ticks, else 0. */
static int init_alive(long pid, unsigned long long start_ticks)
{
    char p[64], buf[1024];
    snprintf(p, sizeof p, "/proc/%ld/stat", pid);
    if (rt_read_file(p, buf, sizeof buf) <= 0) return 0;
    char *s = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
    if (!s || s[1] != ' ' || s[2] == 'Z' || s[2] == 'X') return 0;
    s += 2;
    for (int field = 3; field < 22 && s; field++) { /* fields 3..21, then 22 = starttime */
        s = strchr(s, ' ');
        if (s) s++;
    }
    return s && strtoull(s, NULL, 10) == start_ticks;
}

static enum rt_state live_state(const char *id, const char *freezer)
{
    char p[PATH_MAX], st[32] = "";
    if (rt_path(p, "%s/%s/exec.fifo", runc_root_dir(), id) == 0 && rt_exists(p)) return RT_CREATING;
    if (freezer && rt_path(p, "%s/freezer.state", freezer) == 0 &&
        rt_read_file(p, st, sizeof st) > 0 && strncmp(st, "THAWED", 6) != 0)
        return RT_PAUSED;
    return RT_RUNNING;
}

int runc_state_fast(const char *id, enum rt_state *ret_state, int *ret_pid)
{
    char p[PATH_MAX];
    if (rt_path(p, "%s/%s/state.json", runc_root_dir(), id) < 0) return -ENAMETOOLONG;
    if (!rt_exists(p)) return -ENOENT;
    json_t *j = json_load_file(p, 0, NULL);
    json_t *pid = json_object_get(j, "init_process_pid");
    json_t *start = json_object_get(j, "init_process_start");
    const char *freezer =
        json_string_value(json_object_get(json_object_get(j, "cgroup_paths"), "freezer"));
    int r = -ENOTSUP;
    if (json_is_integer(pid) && json_is_integer(start)) {
        long n = (long)json_integer_value(pid);
        bool alive = n > 0 && init_alive(n, (unsigned long long)json_integer_value(start));
        *ret_state = alive ? live_state(id, freezer) : RT_STOPPED;
        *ret_pid = alive ? (int)n : 0;
        r = 0;
    }
    json_decref(j);
    return r;
}
