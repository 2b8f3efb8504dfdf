/* A bounded, append-only byte spool backed by an unlinked file in the spool directory,
 * created on the first write (a quiet command costs no file and no fd).
 * One writer appends; any number of readers pread the bytes already written. Growth is
 * published through the owning command's mutex/condvar (see command.h). */
#ifndef EXECD_SPOOL_H
#define EXECD_SPOOL_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct spool {
    int fd;         /* -1 when not opened */
    uint64_t len;   /* bytes stored (readable), <= cap */
    uint64_t cap;   /* bytes past cap are dropped */
    bool truncated; /* some bytes were dropped */
    /* writer private (spool_settle) */
    uint64_t flushed;           /* writeback was started for [0, flushed) */
    uint64_t evicted, evicted2; /* the cached pages of [0, evicted) were let go (first and
                                 * second pass) */
};

void spool_init(struct spool *s, uint64_t cap);
/* Writes at offset `at` (dropping what exceeds the cap; opening the file in dir first when
 * needed); returns the bytes stored. Touches neither len nor truncated: the caller
 * publishes both under its lock. */
ssize_t spool_append(struct spool *s, const char *dir, uint64_t at, const void *p, size_t n);
/* Moves up to max bytes from the pipe in_fd to offset `at` without a trip through user space.
 * Returns the bytes stored, 0 at the pipe's EOF, -EAGAIN when it is empty, -ENOSPC at the cap
 * (or no file), or another -errno (the filesystem cannot splice, or is full): the caller then
 * reads the bytes and appends what fits. Touches neither len nor truncated. */
ssize_t spool_splice(struct spool *s, const char *dir, uint64_t at, int in_fd, size_t max);
/* The writer, after it published bytes: starts writeback of what it stored since the last
 * start (in steps of SPOOL_FLUSH_STEP), and lets go of the cached pages of what lies more
 * than `cache` bytes behind both that and keep_from (where live followers are sending).
 * Readers read what was let go from disk. A long output thus keeps about `cache` bytes plus
 * the followers' lag in memory, not the sandbox's whole memory limit: it neither evicts the
 * sandbox's other files nor needs fresh pages for every byte. Pages still dirty or in use
 * stay (a second pass, one `cache` later, retries them). cache == 0: no-op, the kernel
 * decides. Errors are ignored (e.g. no writeback on tmpfs). */
void spool_settle(struct spool *s, uint64_t cache, uint64_t keep_from);
void spool_close(struct spool *s);

#endif
