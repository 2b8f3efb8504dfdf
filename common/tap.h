/* Minimal TAP producer for C unit tests: plan(n), ok(cond, fmt...), done_testing(). */
#ifndef SFS_TAP_H
#define SFS_TAP_H
#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

static inline void plan(int n)
{
    printf("1..%d\n", n);
}

__attribute__((format(printf, 2, 3))) static inline int ok(int cond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
    if (!cond)
        tap_failed++;
    return cond;
}

/* Prints the plan at the end when plan() was not called; returns the exit status. */
static inline int done_testing(int planned)
{
    if (!planned)
        printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}
#endif
