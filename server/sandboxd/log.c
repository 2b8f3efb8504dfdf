/* Line-buffered stderr logging with an optional journald priority prefix. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int debug_on;

void sd_log_set_debug(int on)
{
    debug_on = on;
}

static const char *prio_name(int prio)
{
    switch (prio) {
    case LOG_ERR:
        return "error";
    case LOG_WARNING:
        return "warning";
    case LOG_DEBUG:
        return "debug";
    default:
        return "info";
    }
}

void sd_log(int prio, const char *fmt, ...)
{
    char line[2048];
    va_list ap;

    if (prio == LOG_DEBUG && !debug_on) return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* One fprintf per line so that concurrent threads never interleave inside a line. */
    if (getenv("JOURNAL_STREAM"))
        fprintf(stderr, "<%d>%s: %s\n", prio, prio_name(prio), line);
    else
        fprintf(stderr, "sandboxd: %s: %s\n", prio_name(prio), line);
}
