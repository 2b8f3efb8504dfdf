/* Downloads of files whose size says nothing of their content: procfs files report 0 bytes,
 * sysfs attributes 4096, whatever they hold (also cgroupfs, debugfs, tracefs, ...). Their
 * bytes are read, never promised: a range is answered with what the file had there (206 with
 * an unknown total, 416 at its end), a whole download is streamed in chunks until the file's
 * end, at most UNSIZED_MAX bytes (past that the connection is cut: the client sees an
 * incomplete answer, not a silently shortened file). */
#include "api.h"
#include "fsutil.h"
#include <errno.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#define UNSIZED_RANGE_MAX (8u << 20) /* bytes one range answer reads at most */
#define UNSIZED_MAX (256ull << 20)   /* bytes a whole download streams at most */
#define UNSIZED_CHUNK (64u << 10)

static const unsigned long pseudo_fs[] = {
    PROC_SUPER_MAGIC, SYSFS_MAGIC,      CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC, DEBUGFS_MAGIC,
    TRACEFS_MAGIC,    SECURITYFS_MAGIC, EFIVARFS_MAGIC,     PSTOREFS_MAGIC,      BPF_FS_MAGIC,
};

bool fd_unsized(int fd)
{
    struct statfs sf;
    if (fstatfs(fd, &sf) < 0) return false;
    for (size_t i = 0; i < sizeof(pseudo_fs) / sizeof(pseudo_fs[0]); i++)
        if ((unsigned long)sf.f_type == pseudo_fs[i]) return true;
    return false;
}

/* Up to n bytes at off (fewer at the file's end); the bytes read or -errno. */
static ssize_t read_at(int fd, char *buf, size_t n, uint64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, buf + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return got ? (ssize_t)got : -errno;
        if (r == 0) break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static int unsized_range(struct conn *c, int fd, const char *raw, const char *range,
                         const char *extra)
{
    const char *s = range + strspn(range, " ");
    uint64_t start, len;
    /* a suffix range (the last N bytes) needs the size this file does not tell */
    if (!strncmp(s, "bytes=", 6) && s[6 + strspn(s + 6, " ")] == '-')
        return respond_unsatisfiable(c, 0, "range not satisfiable");
    int r = http_parse_range(range, UINT64_MAX, &start, &len);
    if (r == -ERANGE) return respond_unsatisfiable(c, 0, "range not satisfiable");
    if (r < 0) return respond_error(c, 416, "UNKNOWN", "invalid Range header");
    if (len > UNSIZED_RANGE_MAX) len = UNSIZED_RANGE_MAX;
    char *buf = malloc(len);
    if (!buf) return respond_errno(c, -ENOMEM, "cannot read", raw);
    ssize_t n = read_at(fd, buf, len, start);
    if (n < 0) {
        free(buf);
        return respond_errno(c, (int)n, "cannot read", raw);
    }
    if (n == 0) {
        free(buf);
        return respond_unsatisfiable(c, start, "range not satisfiable");
    }
    char head[PATH_BUF * 4];
    snprintf(head, sizeof(head), "%sContent-Range: bytes %" PRIu64 "-%" PRIu64 "/*\r\n", extra,
             start, start + (uint64_t)n - 1);
    r = conn_respond(c, 206, "application/octet-stream", head, buf, (size_t)n);
    free(buf);
    return r;
}

static int unsized_whole(struct conn *c, int fd, const char *raw, const char *extra)
{
    char *buf = malloc(UNSIZED_CHUNK);
    if (!buf) return respond_errno(c, -ENOMEM, "cannot read", raw);
    int r = conn_begin(c, 200, "application/octet-stream", extra, -1);
    uint64_t sent = 0;
    while (r == 0) {
        ssize_t n = read_at(fd, buf, UNSIZED_CHUNK, sent);
        if (n <= 0) { /* the end; a read error cuts the answer */
            r = n == 0 ? conn_end(c) : -EIO;
            break;
        }
        if (sent + (uint64_t)n > UNSIZED_MAX) {
            r = -EFBIG;
            break;
        }
        r = conn_write(c, buf, (size_t)n);
        sent += (uint64_t)n;
    }
    free(buf);
    return r;
}

int download_unsized(struct conn *c, int fd, const char *raw, const char *range, const char *extra)
{
    return range ? unsized_range(c, fd, raw, range, extra) : unsized_whole(c, fd, raw, extra);
}
