/* Small helpers: clocks, names, durations and times. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "sandboxfs.h"

struct timespec sfs_deadline_in(long us)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += us / 1000000L;
    ts.tv_nsec += (us % 1000000L) * 1000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

void sfs_drain(int fd)
{
    char scrap[4096];
    while (read(fd, scrap, sizeof scrap) > 0)
        ;
}

double sfs_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool sfs_valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= SFS_NAME_MAX || s[0] == '.' || s[0] == '-')
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
            return false;
    return true;
}

int sfs_parse_duration(const char *s, long *seconds)
{
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '+')
        s++;
    if (!isdigit((unsigned char)*s))
        return -EINVAL;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || v < 0 || v > 10L * 365 * 86400)
        return -EINVAL;
    long mult = 1;
    switch (*end) {
    case 's': mult = 1; end++; break;
    case 'm': mult = 60; end++; break;
    case 'h': mult = 3600; end++; break;
    case 'd': mult = 86400; end++; break;
    default: break;
    }
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return -EINVAL;
    *seconds = v * mult;
    return 0;
}

int sfs_parse_time(const char *s, time_t *t)
{
    struct tm tm = {0};
    while (isspace((unsigned char)*s))
        s++;
    const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!rest)
        return -EINVAL;
    if (*rest == '.') /* fractional seconds are dropped */
        for (rest++; isdigit((unsigned char)*rest); rest++)
            ;
    long off = 0;
    if (*rest == 'Z' || *rest == 'z') {
        rest++;
    } else if (*rest == '+' || *rest == '-') {
        int hh, mm;
        if (sscanf(rest + 1, "%2d:%2d", &hh, &mm) != 2)
            return -EINVAL;
        off = (hh * 3600L + mm * 60L) * (*rest == '+' ? 1 : -1);
        rest += 6;
    } else {
        return -EINVAL;
    }
    while (isspace((unsigned char)*rest))
        rest++;
    if (*rest)
        return -EINVAL;
    *t = timegm(&tm) - off;
    return 0;
}

void sfs_format_time(time_t t, char *buf, size_t cap)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

time_t sfs_json_time(json_t *v)
{
    time_t t = 0;
    const char *s = json_string_value(v);
    if (s && sfs_parse_time(s, &t))
        t = 0;
    return t;
}

void sfs_fill_stat(struct stat *st, mode_t mode, off_t size, time_t t)
{
    static time_t mount_time; /* generated files without a time of their own */
    memset(st, 0, sizeof *st);
    st->st_mode = mode;
    st->st_nlink = S_ISDIR(mode) ? 2 : 1;
    st->st_uid = getuid();
    st->st_gid = getgid();
    st->st_size = size;
    if (!mount_time)
        mount_time = time(NULL);
    st->st_mtime = st->st_ctime = st->st_atime = t ? t : mount_time;
    st->st_blksize = 4096;
    st->st_blocks = (size + 511) / 512;
}
