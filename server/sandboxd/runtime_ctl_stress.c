/* rtctl stress N [--image IMG]: N threads each create a sandbox, wait for its execd to answer,
 * snapshot it, and delete it, all at once in one process (as sandboxd's threads do). Prints one
 * line per sandbox and exits non-zero if any step failed. */
#include "runtime_ctl.h"
#include "runtime_util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STRESS_MAX 32

struct job {
    int i;
    const char *image;
    char id[RT_ID_MAX];
    char addr[64];
    char err[RT_ERR_MAX];
    const char *step;
};

static void *one(void *arg)
{
    struct job *j = arg;
    char snap[RT_ID_MAX + 8];
    snprintf(j->id, sizeof j->id, "stress-%d-%d", (int)getpid(), j->i);
    snprintf(snap, sizeof snap, "%s-s", j->id);
    struct rt_spec s = {.id = j->id, .image = j->image, .execd_token = "stress"};
    struct rt_info info;
    double ms;
    j->step = "create";
    if (ctl_create(&s, &info, true, &ms, j->err) < 0) return NULL;
    snprintf(j->addr, sizeof j->addr, "%s", info.execd_addr);
    j->step = "snapshot";
    if (rt_snapshot(j->id, snap, j->err) < 0 || rt_snapshot_delete(snap, j->err) < 0) return NULL;
    j->step = "delete";
    if (rt_delete(j->id, j->err) < 0) return NULL;
    j->step = NULL;
    return NULL;
}

int ctl_stress(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 4;
    const char *image = argc > 3 && strcmp(argv[2], "--image") == 0 ? argv[3] : "host";
    if (n < 1 || n > STRESS_MAX) return fprintf(stderr, "rtctl: stress N: 1..%d\n", STRESS_MAX), 2;
    static struct job jobs[STRESS_MAX];
    pthread_t t[STRESS_MAX];
    for (int i = 0; i < n; i++) {
        jobs[i] = (struct job){.i = i, .image = image};
        pthread_create(&t[i], NULL, one, &jobs[i]);
    }
    int failed = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
        if (jobs[i].step) {
            char e[RT_ERR_MAX];
            failed++;
            rt_delete(jobs[i].id, e); /* leave nothing behind */
        }
        printf("%s %s addr=%s%s%s\n", jobs[i].id, jobs[i].step ? "FAILED at" : "ok", jobs[i].addr,
               jobs[i].step ? " " : "", jobs[i].step ? jobs[i].err : "");
    }
    return failed ? 1 : 0;
}
