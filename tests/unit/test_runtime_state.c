/* Unit tests: helper processes (runtime_spawn.c) and the container state read from runc's
 * state.json without runc (runtime_runc_state.c), against a fake runc root. */
#include "tap.h"

#include "runtime_runc.h"
#include "runtime_spawn.h"
#include "runtime_util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_spawn(void)
{
    char out[64], err[RT_ERR_MAX] = "";
    char *cat[] = {"cat", NULL};
    struct rt_spawn sp = {
        .argv = cat, .input = "hello", .out = out, .out_cap = sizeof out, .stdio_fd = -1};
    ok(rt_spawn(&sp, err) == 0 && strcmp(out, "hello") == 0, "stdin in, stdout captured");
    char *fail[] = {"sh", "-c", "echo oops >&2; exit 3", NULL};
    sp = (struct rt_spawn){.argv = fail, .stdio_fd = -1};
    ok(rt_spawn(&sp, err) == 3 && strcmp(err, "sh: oops") == 0, "exit status and stderr: %s", err);
    char *sig[] = {"sh", "-c", "kill -9 $$", NULL};
    ok(rt_run(sig, err) == -EIO && strstr(err, "signal 9"), "a signal death: %s", err);
    char *none[] = {"no-such-program-xyz", NULL};
    ok(rt_run(none, err) < 0, "a missing program fails: %s", err);
    char *big[] = {"head", "-c", "100000", "/dev/zero", NULL};
    sp = (struct rt_spawn){.argv = big, .out = out, .out_cap = sizeof out, .stdio_fd = -1};
    ok(rt_spawn(&sp, err) == 0 && strlen(out) == 0, "output past the cap is drained, not blocking");
}

/* The start time (field 22 of /proc/PID/stat) of this process. */
static unsigned long long my_start(void)
{
    char buf[1024];
    if (rt_read_file("/proc/self/stat", buf, sizeof buf) <= 0) return 0;
    char *s = strrchr(buf, ')') + 2;
    for (int f = 3; f < 22; f++)
        s = strchr(s, ' ') + 1;
    return strtoull(s, NULL, 10);
}

static void write_state(const char *root, long pid, unsigned long long start, const char *freezer)
{
    char p[PATH_MAX + 32], json[PATH_MAX + 200];
    snprintf(p, sizeof p, "%s/c1", root);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/c1/state.json", root);
    int n = snprintf(json, sizeof json,
                     "{\"id\":\"c1\",\"init_process_pid\":%ld,\"init_process_start\":%llu,"
                     "\"cgroup_paths\":{\"freezer\":\"%s\"}}",
                     pid, start, freezer);
    rt_write_file(p, json, (size_t)n);
}

static void test_state(const char *root)
{
    char freezer[PATH_MAX + 32], fifo[PATH_MAX + 32];
    enum rt_state st;
    int pid = -1;
    snprintf(freezer, sizeof freezer, "%s/freezer.state", root);
    snprintf(fifo, sizeof fifo, "%s/c1/exec.fifo", root);
    runc_set_root(root);
    ok(runc_state_fast("c1", &st, &pid) == -ENOENT, "unknown container: -ENOENT");
    rt_write_file(freezer, "THAWED\n", 7);
    write_state(root, getpid(), my_start(), root);
    ok(runc_state_fast("c1", &st, &pid) == 0 && st == RT_RUNNING && pid == getpid(),
       "live init: running");
    rt_write_file(freezer, "FROZEN\n", 7);
    ok(runc_state_fast("c1", &st, &pid) == 0 && st == RT_PAUSED, "frozen: paused");
    rt_write_file(fifo, "", 0);
    ok(runc_state_fast("c1", &st, &pid) == 0 && st == RT_CREATING, "exec fifo: created");
    unlink(fifo);
    write_state(root, getpid(), my_start() + 1, root);
    ok(runc_state_fast("c1", &st, &pid) == 0 && st == RT_STOPPED && pid == 0,
       "a reused pid (other start time): stopped");
    rt_write_file(freezer + 0, "THAWED\n", 7);
    char bad[PATH_MAX + 32];
    snprintf(bad, sizeof bad, "%s/c1/state.json", root);
    rt_write_file(bad, "{}", 2);
    ok(runc_state_fast("c1", &st, &pid) == -ENOTSUP, "an unexpected file: -ENOTSUP (use runc)");
    unlink(bad);
    unlink(freezer);
    snprintf(bad, sizeof bad, "%s/c1", root);
    rmdir(bad);
}

int main(void)
{
    char dir[] = "/tmp/test_runtime_state.XXXXXX";
    plan(11);
    test_spawn();
    if (!mkdtemp(dir)) return 1;
    test_state(dir);
    rmdir(dir);
    return done_testing(1);
}
