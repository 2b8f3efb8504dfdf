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
    s->flushed = s->evicted = s->evicted2 = 0;
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

#define SPOOL_FLUSH_STEP (4u << 20)

/* Lets go of the cached pages of [*from, upto), in steps. */
static void let_go(int fd, uint64_t *from, uint64_t upto)
{
    if (upto < *from + SPOOL_FLUSH_STEP) return;
    posix_fadvise(fd, (off_t)*from, (off_t)(upto - *from), POSIX_FADV_DONTNEED);
    *from = upto;
}

void spool_settle(struct spool *s, uint64_t cache, uint64_t keep_from)
{
    if (!cache || s->fd < 0) return;
    /* Starts writeback of what is new (none of it is dropped: its pages are dirty). Not
     * sync_file_range: on overlayfs (a container's root) that reaches no pages. */
    let_go(s->fd, &s->flushed, s->len);
    uint64_t front = s->flushed < keep_from ? s->flushed : keep_from;
    let_go(s->fd, &s->evicted, front > cache ? front - cache : 0);
    let_go(s->fd, &s->evicted2, front > 2 * cache ? front - 2 * cache : 0);
}

void spool_close(struct spool *s)
{
    if (s->fd >= 0) close(s->fd);
    s->fd = -1;
}
