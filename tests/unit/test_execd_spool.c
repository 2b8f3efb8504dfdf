/* Unit tests for spools: a patterned stream goes in through splice from a pipe fed in uneven
 * pieces (as a command's output does) and through plain appends, and comes back byte for byte;
 * a capped spool keeps what fits. */
#include "spool.h"
#include "tap.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define TOTAL (48u << 20)

static uint8_t pattern(uint64_t off)
{
    return (uint8_t)(off * 2654435761u >> 13);
}

static void fill(uint8_t *b, uint64_t off, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b[i] = pattern(off + i);
}

/* The writer end of a pipe, fed in uneven pieces like a command's output. */
static void *feed(void *arg)
{
    int fd = *(int *)arg;
    static uint8_t b[200000];
    uint64_t off = 0;
    size_t piece = 4096;
    while (off < TOTAL) {
        size_t n = piece < TOTAL - off ? piece : TOTAL - off;
        fill(b, off, n);
        for (size_t done = 0; done < n;) {
            ssize_t w = write(fd, b + done, n - done);
            if (w <= 0) return NULL;
            done += (size_t)w;
        }
        off += n;
        piece = piece * 7 % sizeof(b) + 1;
    }
    close(fd);
    return NULL;
}

static int check_bytes(int fd, uint64_t len)
{
    static uint8_t got[1 << 20], want[1 << 20];
    for (uint64_t off = 0; off < len; off += sizeof(got)) {
        size_t n = len - off < sizeof(got) ? (size_t)(len - off) : sizeof(got);
        if (pread(fd, got, n, (off_t)off) != (ssize_t)n) return -1;
        fill(want, off, n);
        if (memcmp(got, want, n)) return -1;
    }
    return 0;
}

/* Pages of [from, to) of fd in the page cache. */
static size_t resident(int fd, uint64_t from, uint64_t to)
{
    long pg = sysconf(_SC_PAGESIZE);
    void *m = mmap(NULL, (size_t)to, PROT_READ, MAP_SHARED, fd, 0);
    static unsigned char vec[(TOTAL >> 12) + 1];
    if (m == MAP_FAILED || mincore(m, (size_t)to, vec) < 0) return SIZE_MAX;
    munmap(m, (size_t)to);
    size_t n = 0;
    for (uint64_t i = from / (uint64_t)pg; i < to / (uint64_t)pg; i++)
        n += vec[i] & 1;
    return n;
}

/* A writer that settles after every append of 4 MiB (a step: each settle starts writeback of
 * what it just wrote), the pages then written back (as they are long before a real writer
 * lets go of them): what lies `cache` behind the end, and behind where followers send (keep),
 * leaves the page cache; the rest stays; every byte still reads back. */
static void settle_checks(const char *dir)
{
    const uint64_t cache = 8u << 20, keep = 24u << 20;
    struct spool s;
    static uint8_t b[4 << 20];
    for (int pass = 0; pass < 2; pass++) {
        spool_init(&s, UINT64_MAX);
        int bad = 0;
        while (s.len < TOTAL) {
            fill(b, s.len, sizeof b);
            bad += spool_append(&s, dir, s.len, b, sizeof b) != (ssize_t)sizeof b;
            s.len += sizeof b;
            spool_settle(&s, cache, pass ? keep : UINT64_MAX);
            fdatasync(s.fd);
        }
        uint64_t front = pass ? keep : TOTAL, next = pass ? keep : TOTAL - cache;
        size_t gone = resident(s.fd, 0, front - 2 * cache), kept = resident(s.fd, next, TOTAL);
        ok(!bad && gone == 0, "%s: the %llu MiB before the last %llu MiB left the page cache",
           pass ? "a follower at 24 MiB" : "no follower",
           (unsigned long long)((front - 2 * cache) >> 20), (unsigned long long)(2 * cache >> 20));
        ok(kept == (TOTAL - next) >> 12, "%s: %zu of %llu pages a reader needs next are cached",
           pass ? "a follower at 24 MiB" : "no follower", kept,
           (unsigned long long)((TOTAL - next) >> 12));
        ok(check_bytes(s.fd, s.len) == 0, "every byte still reads back after settling");
        spool_close(&s);
    }
    struct spool q;
    spool_init(&q, UINT64_MAX);
    fill(b, 0, sizeof b);
    spool_append(&q, dir, 0, b, sizeof b);
    q.len = sizeof b;
    spool_settle(&q, 0, UINT64_MAX);
    ok(resident(q.fd, 0, q.len) == q.len >> 12, "cache 0 leaves the page cache to the kernel");
    spool_close(&q);
}

int main(void)
{
    char dir[] = "/var/tmp/spool-test.XXXXXX";
    if (!mkdtemp(dir)) return 1;

    struct spool s;
    spool_init(&s, UINT64_MAX);
    int p[2];
    if (pipe(p) < 0) return 1;
    fcntl(p[0], F_SETPIPE_SZ, 1 << 20);
    pthread_t t;
    pthread_create(&t, NULL, feed, &p[1]);
    /* the first bytes are read and appended (the spool opens on them), then spliced */
    static uint8_t first[5000];
    ssize_t got = read(p[0], first, sizeof(first));
    uint64_t len = got > 0 ? (uint64_t)spool_append(&s, dir, 0, first, (size_t)got) : 0;
    int bad = got > 0 && len == (uint64_t)got ? 0 : 1;
    for (;;) {
        ssize_t r = spool_splice(&s, dir, len, p[0], 1 << 20);
        if (r == -EAGAIN) { /* the feeder is behind */
            struct pollfd pf = {.fd = p[0], .events = POLLIN};
            poll(&pf, 1, -1);
            continue;
        }
        if (r <= 0) {
            bad += r < 0;
            break;
        }
        len += (uint64_t)r;
    }
    pthread_join(t, NULL);
    close(p[0]);
    ok(!bad && len == TOTAL, "spliced %llu MiB into the spool", (unsigned long long)(len >> 20));
    ok(check_bytes(s.fd, len) == 0, "every spliced byte reads back as written");
    spool_close(&s);

    spool_init(&s, UINT64_MAX);
    static uint8_t b[300000];
    len = 0;
    bad = 0;
    while (len < TOTAL) {
        size_t n = TOTAL - len < sizeof(b) ? (size_t)(TOTAL - len) : sizeof(b);
        fill(b, len, n);
        bad += spool_append(&s, dir, len, b, n) != (ssize_t)n;
        len += n;
    }
    ok(!bad && check_bytes(s.fd, len) == 0, "%llu MiB appended read back as written",
       (unsigned long long)(len >> 20));
    spool_close(&s);

    spool_init(&s, 10000);
    fill(b, 0, 20000);
    ssize_t a = spool_append(&s, dir, 0, b, 20000);
    ok(a == 10000 && check_bytes(s.fd, 10000) == 0, "a capped spool keeps its first %zd bytes", a);
    spool_close(&s);

    settle_checks(dir);
    rmdir(dir);
    return done_testing(0);
}
