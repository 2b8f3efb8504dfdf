/* Reaper thread: blocking waitpid(-1) while there are children, a condvar wait otherwise. */
#include "reaper.h"
#include "command.h"
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t spawn_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t gen_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gen_cv = PTHREAD_COND_INITIALIZER;
static unsigned long generation;
static pid_t entry_pid = -1;
static int entry_fd = -1;

void reaper_lock(void)
{
    pthread_mutex_lock(&spawn_mu);
}

void reaper_unlock(void)
{
    pthread_mutex_unlock(&spawn_mu);
}

void reaper_spawned(void)
{
    pthread_mutex_lock(&gen_mu);
    generation++;
    pthread_cond_broadcast(&gen_cv);
    pthread_mutex_unlock(&gen_mu);
}

void reaper_set_entrypoint(pid_t pid, int notify_fd)
{
    entry_pid = pid;
    entry_fd = notify_fd;
}

static void dispatch(pid_t pid, int status)
{
    pthread_mutex_lock(&spawn_mu); /* wait for the spawner to register this pid */
    pthread_mutex_unlock(&spawn_mu);
    if (pid == entry_pid) {
        ssize_t w = write(entry_fd, &status, sizeof(status));
        (void)w;
        return;
    }
    commands_on_exit(pid, status); /* else an orphan we adopted as init: nothing to do */
}

static void *reaper_main(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&gen_mu);
        unsigned long gen = generation;
        pthread_mutex_unlock(&gen_mu);
        int status;
        pid_t pid = waitpid(-1, &status, __WALL);
        if (pid > 0) {
            dispatch(pid, status);
            continue;
        }
        if (errno == EINTR) continue;
        pthread_mutex_lock(&gen_mu); /* ECHILD: wait for the next spawn */
        while (generation == gen)
            pthread_cond_wait(&gen_cv, &gen_mu);
        pthread_mutex_unlock(&gen_mu);
    }
    return NULL;
}

int reaper_start(void)
{
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, 64 * 1024);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    int r = pthread_create(&t, &at, reaper_main, NULL);
    pthread_attr_destroy(&at);
    return -r;
}
