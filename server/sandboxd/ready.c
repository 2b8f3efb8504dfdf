/* Readiness of new sandboxes: a detached thread per sandbox waits for execd's /ping, then
 * moves the sandbox from Pending to Running, or to Failed (and removes it from the host). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "execd_client.h"
#include "lifecycle_priv.h"
#include "locks.h"
#include "log.h"
#include "runtime.h"
#include "util.h"

struct ready_job {
    char id[RT_ID_MAX];
    char addr[64];
    char token[TOKEN_HEX_LEN + 1];
};

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Did the sandbox die while we waited for execd? Fills why. */
static bool sandbox_died(const char *id, char *why, size_t cap)
{
    struct rt_info info = {0};
    char err[RT_ERR_MAX] = "";
    struct id_lock *l = id_lock(id);
    int r = rt_inspect(id, &info, err);
    id_unlock(l);
    if (r != 0) {
        snprintf(why, cap, "runtime inspect failed: %s", err[0] ? err : strerror(-r));
        return true;
    }
    switch (info.state) {
    case RT_STOPPED:
        snprintf(why, cap, "the sandbox's init exited with status %d before execd answered",
                 info.exit_status);
        return true;
    case RT_ABSENT:
        snprintf(why, cap, "the sandbox disappeared before execd answered");
        return true;
    default:
        return false;
    }
}

/* Waits for execd's /ping: connection attempts with a short backoff (execd runs in another
 * network namespace, so there is no event to wait for), bounded by the ready timeout. */
static int wait_for_execd(const struct ready_job *j, char *why, size_t cap)
{
    int64_t start = now_ms(), deadline = start + lc_config()->ready_timeout * 1000,
            last_check = start;
    int delay = 1, r;
    for (;;) {
        r = execd_ping(j->addr, j->token, 2000);
        if (r == 0) return 0;
        if (now_ms() >= deadline) {
            snprintf(why, cap, "execd at %s did not answer /ping within %llds: %s", j->addr,
                     (long long)lc_config()->ready_timeout, strerror(-r));
            return -ETIMEDOUT;
        }
        if (now_ms() - last_check >= 250) {
            last_check = now_ms();
            if (sandbox_died(j->id, why, cap)) return -ECHILD;
        }
        sleep_ms(delay);
        delay = delay < 4 ? delay * 2 : 5;
    }
}

static void *ready_worker(void *arg)
{
    struct ready_job *j = arg;
    char why[MESSAGE_MAX] = "", err[RT_ERR_MAX];
    struct sbx_rec rec;
    int r = wait_for_execd(j, why, sizeof(why));
    struct id_lock *l = id_lock(j->id);

    if (store_sbx_get(j->id, &rec) == 0) {
        if (!strcmp(rec.state, "Pending") && r == 0) {
            store_sbx_set_state(j->id, "Running", "ready", "execd is ready");
            log_info("sandbox %s is running (execd at %s)", j->id, j->addr);
        } else if (!strcmp(rec.state, "Pending")) {
            store_sbx_set_state(j->id, "Failed",
                                r == -ETIMEDOUT ? "provision_timeout" : "runtime_error", why);
            log_warn("sandbox %s failed to start: %s", j->id, why);
            if (rt_delete(j->id, err)) log_warn("sandbox %s: cleanup failed: %s", j->id, err);
        }
        sbx_rec_free(&rec);
    }
    id_unlock(l);
    state_changed();
    free(j);
    return NULL;
}

void ready_start(const char *id, const char *addr, const char *token)
{
    struct ready_job *j = calloc(1, sizeof(*j));
    pthread_t th;
    pthread_attr_t at;
    snprintf(j->id, sizeof(j->id), "%s", id);
    snprintf(j->addr, sizeof(j->addr), "%s", addr);
    snprintf(j->token, sizeof(j->token), "%s", token);
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&at, 256 * 1024);
    if (pthread_create(&th, &at, ready_worker, j) != 0) {
        log_err("cannot start the readiness thread of %s", id);
        ready_worker(j);
    }
    pthread_attr_destroy(&at);
}
