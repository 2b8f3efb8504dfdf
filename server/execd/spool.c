/* Spool files: O_TMPFILE when the filesystem has it, else a named file unlinked at once. */
#include "spool.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void spool_init(struct spool *s, uint64_t cap)
{
    s->len = 0;
    s->cap = cap;
    s->truncated = false;
    s->fd = -1;
}

static int spool_open(struct spool *s, const char *dir)
{
    s->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (s->fd >= 0) return 0;
    char path[4200];
    snprintf(path, sizeof(path), "%s/spool.XXXXXX", dir);
    s->fd = mkostemp(path, O_CLOEXEC);
    if (s->fd < 0) return -errno;
    unlink(path);
    return 0;
}

ssize_t spool_append(struct spool *s, const char *dir, uint64_t at, const void *p, size_t n)
{
    if (at >= s->cap || (s->fd < 0 && spool_open(s, dir) < 0)) return 0;
    if (n > s->cap - at) n = (size_t)(s->cap - at);
    const char *b = p;
    size_t done = 0;
    while (done < n) {
        ssize_t w = pwrite(s->fd, b + done, n - done, (off_t)(at + done));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) /* disk full: drop the rest, keep what is stored */
            break;
        done += (size_t)w;
    }
    return (ssize_t)done;
}

ssize_t spool_splice(struct spool *s, const char *dir, uint64_t at, int in_fd, size_t max)
{
    if (at >= s->cap || (s->fd < 0 && spool_open(s, dir) < 0)) return -ENOSPC;
    if (max > s->cap - at) max = (size_t)(s->cap - at);
    loff_t off = (loff_t)at;
    ssize_t r = splice(in_fd, NULL, s->fd, &off, max, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    return r < 0 ? -errno : r;
}

void spool_close(struct spool *s)
{
    if (s->fd >= 0) close(s->fd);
    s->fd = -1;
}
