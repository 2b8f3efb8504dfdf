/* A small registry of reference-counted mutexes keyed by id, and the state generation. */
#include "locks.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ID_MAX 64

struct id_lock {
    char id[ID_MAX];
    pthread_mutex_t mu;
    int refs;
    struct id_lock *next;
};

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct id_lock *reg;

static struct id_lock *ref_get(const char *id)
{
    struct id_lock *l;
    pthread_mutex_lock(&reg_mu);
    for (l = reg; l && strcmp(l->id, id); l = l->next)
        ;
    if (!l) {
        l = calloc(1, sizeof(*l));
        if (!l) abort(); /* out of memory for a few bytes: nothing sensible is left to do */
        snprintf(l->id, sizeof(l->id), "%s", id);
        pthread_mutex_init(&l->mu, NULL);
        l->next = reg;
        reg = l;
    }
    l->refs++;
    pthread_mutex_unlock(&reg_mu);
    return l;
}

static void ref_put(struct id_lock *l)
{
    struct id_lock **pp;
    pthread_mutex_lock(&reg_mu);
    if (--l->refs == 0) {
        for (pp = &reg; *pp != l; pp = &(*pp)->next)
            ;
        *pp = l->next;
        pthread_mutex_destroy(&l->mu);
        free(l);
    }
    pthread_mutex_unlock(&reg_mu);
}

struct id_lock *id_lock(const char *id)
{
    struct id_lock *l = ref_get(id);
    pthread_mutex_lock(&l->mu);
    return l;
}

struct id_lock *id_trylock(const char *id)
{
    struct id_lock *l = ref_get(id);
    if (pthread_mutex_trylock(&l->mu) == 0) return l;
    ref_put(l);
    return NULL;
}

void id_unlock(struct id_lock *l)
{
    if (!l) return;
    pthread_mutex_unlock(&l->mu);
    ref_put(l);
}

static pthread_mutex_t st_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t st_cv = PTHREAD_COND_INITIALIZER;
static uint64_t st_gen;

void state_changed(void)
{
    pthread_mutex_lock(&st_mu);
    st_gen++;
    pthread_cond_broadcast(&st_cv);
    pthread_mutex_unlock(&st_mu);
}

uint64_t state_generation(void)
{
    uint64_t g;
    pthread_mutex_lock(&st_mu);
    g = st_gen;
    pthread_mutex_unlock(&st_mu);
    return g;
}

void state_wait(uint64_t gen, int64_t deadline_ms)
{
    struct timespec ts = {deadline_ms / 1000, (long)(deadline_ms % 1000) * 1000000L};
    pthread_mutex_lock(&st_mu);
    while (st_gen == gen && pthread_cond_timedwait(&st_cv, &st_mu, &ts) == 0)
        ;
    pthread_mutex_unlock(&st_mu);
}
