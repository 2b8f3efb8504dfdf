/* Expiry thread: condvar timed wait on the earliest deadline, re-armed by expiry_kick(). */
#include "expiry.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "lifecycle.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define BATCH 64
#define RETRY_MS 30000

static pthread_t thread;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static bool kicked, stopping, started;

void expiry_kick(void)
{
    pthread_mutex_lock(&mu);
    kicked = true;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
}

/* Deletes every due sandbox. One whose deletion fails is retried RETRY_MS later. */
static void expire_due(void)
{
    char ids[BATCH][RT_ID_MAX];
    size_t n = 0;
    int64_t now = now_ms();
    if (store_expired(now, ids, BATCH, &n)) return;
    for (size_t i = 0; i < n; i++)
        if (lc_expire(ids[i]) != 0) store_sbx_set_expiry(ids[i], now + RETRY_MS);
}

static void wait_until(int64_t deadline_ms)
{
    struct timespec ts = {deadline_ms / 1000, (long)(deadline_ms % 1000) * 1000000L};
    while (!kicked && !stopping) {
        if (deadline_ms == 0)
            pthread_cond_wait(&cv, &mu);
        else if (pthread_cond_timedwait(&cv, &mu, &ts) == ETIMEDOUT)
            break;
    }
}

static void *expiry_loop(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    while (!stopping) {
        int64_t next = store_next_expiry();
        if (next && next <= now_ms()) {
            pthread_mutex_unlock(&mu);
            expire_due();
            pthread_mutex_lock(&mu);
            continue;
        }
        kicked = false;
        wait_until(next);
    }
    pthread_mutex_unlock(&mu);
    return NULL;
}

int expiry_start(void)
{
    int r = pthread_create(&thread, NULL, expiry_loop, NULL);
    if (r) return -r;
    started = true;
    return 0;
}

void expiry_stop(void)
{
    if (!started) return;
    pthread_mutex_lock(&mu);
    stopping = true;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    pthread_join(thread, NULL);
    started = false;
}
