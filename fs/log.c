/* The .log file: the most recent lines the daemon logged, capped at LOG_CAP bytes (oldest lines
 * dropped first). Each line also goes to stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sandboxfs.h"

#define LOG_CAP (256 * 1024)
#define LINE_MAX_LEN 2048

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char ring[LOG_CAP];
static size_t ring_len;

static void append(const char *line, size_t n)
{
    if (ring_len + n > LOG_CAP) {
        size_t drop = ring_len + n - LOG_CAP;
        char *nl = memchr(ring + drop, '\n', ring_len - drop);
        drop = nl ? (size_t)(nl - ring) + 1 : ring_len;
        memmove(ring, ring + drop, ring_len - drop);
        ring_len -= drop;
    }
    memcpy(ring + ring_len, line, n);
    ring_len += n;
}

void sfs_log(const char *fmt, ...)
{
    char line[LINE_MAX_LEN];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%SZ ", &tm);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
    va_end(ap);
    n = m < 0 ? n : n + ((size_t)m < sizeof line - n - 1 ? (size_t)m : sizeof line - n - 2);
    line[n++] = '\n';
    pthread_mutex_lock(&log_lock);
    append(line, n);
    pthread_mutex_unlock(&log_lock);
    fprintf(stderr, "sandboxfs: %.*s", (int)n, line);
}

char *sfs_log_dump(size_t *len)
{
    pthread_mutex_lock(&log_lock);
    char *copy = malloc(ring_len + 1);
    if (copy) {
        memcpy(copy, ring, ring_len);
        copy[ring_len] = '\0';
        *len = ring_len;
    }
    pthread_mutex_unlock(&log_lock);
    return copy;
}
