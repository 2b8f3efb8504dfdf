/* Clock, time formatting and parsing, random identifiers. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void time_format(int64_t ms, char out[TIME_STR_MAX])
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char tmp[96];
    snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(((ms % 1000) + 1000) % 1000));
    snprintf(out, TIME_STR_MAX, "%.31s", tmp);
}

static int parse_digits(const char **p, int n, int *ret)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)**p)) return -EINVAL;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    *ret = v;
    return 0;
}

static int expect(const char **p, const char *chars)
{
    if (!**p || !strchr(chars, **p)) return -EINVAL;
    (*p)++;
    return 0;
}

/* Fraction digits after '.', as milliseconds (extra digits are truncated). */
static int parse_fraction(const char **p, int *ret_ms)
{
    int ms = 0, n = 0;
    if (!isdigit((unsigned char)**p)) return -EINVAL;
    while (isdigit((unsigned char)**p)) {
        if (n < 3) ms = ms * 10 + (**p - '0');
        n++;
        (*p)++;
    }
    while (n++ < 3)
        ms *= 10;
    *ret_ms = ms;
    return 0;
}

static int parse_offset(const char **p, int *ret_secs)
{
    int sign, hh, mm;
    if (**p == 'Z' || **p == 'z') {
        (*p)++;
        *ret_secs = 0;
        return 0;
    }
    if (**p != '+' && **p != '-') return -EINVAL;
    sign = **p == '-' ? -1 : 1;
    (*p)++;
    if (parse_digits(p, 2, &hh) || expect(p, ":") || parse_digits(p, 2, &mm) || hh > 23 || mm > 59)
        return -EINVAL;
    *ret_secs = sign * (hh * 3600 + mm * 60);
    return 0;
}

int time_parse(const char *s, int64_t *ret_ms)
{
    struct tm tm = {0};
    int y, mo, d, h, mi, sec, frac = 0, off = 0;
    const char *p = s;

    if (!s || parse_digits(&p, 4, &y) || expect(&p, "-") || parse_digits(&p, 2, &mo) ||
        expect(&p, "-") || parse_digits(&p, 2, &d) || expect(&p, "Tt ") ||
        parse_digits(&p, 2, &h) || expect(&p, ":") || parse_digits(&p, 2, &mi) || expect(&p, ":") ||
        parse_digits(&p, 2, &sec))
        return -EINVAL;
    if (*p == '.' && (p++, parse_fraction(&p, &frac))) return -EINVAL;
    if (parse_offset(&p, &off) || *p) return -EINVAL;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return -EINVAL;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *ret_ms = ((int64_t)timegm(&tm) - off) * 1000 + frac;
    return 0;
}

static int fill_random(unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(buf + got, n - got, 0);
        if (r < 0 && errno != EINTR) return -errno;
        if (r > 0) got += (size_t)r;
    }
    return 0;
}

int uuid4(char out[UUID_STR_LEN + 1])
{
    unsigned char b[16];
    int r = fill_random(b, sizeof(b));
    if (r) return r;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    snprintf(out, UUID_STR_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
    return 0;
}

int random_token(char out[TOKEN_HEX_LEN + 1])
{
    unsigned char b[TOKEN_HEX_LEN / 2];
    int r = fill_random(b, sizeof(b));
    if (r) return r;
    for (size_t i = 0; i < sizeof(b); i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    return 0;
}

bool secret_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = la != lb;
    for (size_t i = 0; i < la && i < lb; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}
