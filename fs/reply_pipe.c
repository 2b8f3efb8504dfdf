/* Per-thread reply pipes (see reply_pipe.h). */
#include "reply_pipe.h"
#include "sandboxfs.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct rpipe {
    int fd[2];
};

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int key_err; /* pthread_key_create's error: no reply pipes, reads are copied */

static void rpipe_free(void *p)
{
    struct rpipe *r = p;
    close(r->fd[0]);
    close(r->fd[1]);
    free(r);
}

static void make_key(void)
{
    key_err = pthread_key_create(&key, rpipe_free);
}

static struct rpipe *rpipe_new(void)
{
    struct rpipe *r = malloc(sizeof *r);
    if (!r) return NULL;
    if (pipe2(r->fd, O_CLOEXEC | O_NONBLOCK)) {
        free(r);
        return NULL;
    }
    if (fcntl(r->fd[1], F_SETPIPE_SZ, REPLY_PIPE_BYTES) < 0) { /* see reply_pipe.h */
        close(r->fd[0]);
        close(r->fd[1]);
        free(r);
        return NULL;
    }
    pthread_setspecific(key, r);
    return r;
}

int reply_pipe(int *rd, int *wr)
{
    pthread_once(&once, make_key);
    if (key_err) return -key_err;
    struct rpipe *r = pthread_getspecific(key);
    if (!r && !(r = rpipe_new())) return -errno;
    int left = 0;
    if (ioctl(r->fd[0], FIONREAD, &left) == 0 && left > 0) /* a reply that failed midway */
        sfs_drain(r->fd[0]);
    *rd = r->fd[0];
    *wr = r->fd[1];
    return 0;
}
