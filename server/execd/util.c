/* Shared answer helpers, JSON body reading, time formatting, query helpers. */
#include "execd.h"
#include "textbuf.h"
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int respond_error(struct conn *c, int status, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_t *o = json_pack("{s:s,s:s}", "code", code, "message", msg);
    if (!o) /* message was not valid UTF-8 */
        o = json_pack("{s:s,s:s}", "code", code, "message", "(message not representable)");
    return respond_json(c, status, o);
}

/* The one errno -> HTTP mapping of execd's file routes. */
int respond_errno(struct conn *c, int err, const char *what, const char *path)
{
    int status;
    const char *code;
    switch (-err) {
    case ENOENT:
    case ENOTDIR:
        status = 404, code = "FILE_NOT_FOUND";
        break;
    case EINVAL:
    case ENAMETOOLONG:
    case ELOOP:
    case EISDIR:
        status = 400, code = "INVALID_REQUEST_BODY";
        break;
    case EACCES:
    case EPERM:
    case EROFS:
        status = 403, code = "RUNTIME_ERROR";
        break;
    case EEXIST:
    case ENOTEMPTY:
        status = 409, code = "RUNTIME_ERROR";
        break;
    case EFBIG:
    case E2BIG:
        status = 413, code = "INVALID_FILE";
        break;
    default:
        status = 500, code = "RUNTIME_ERROR";
    }
    return respond_error(c, status, code, "%s '%s': %s", what, path ? path : "", strerror(-err));
}

int respond_json(struct conn *c, int status, json_t *v)
{
    char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(v);
    if (!s) return conn_respond(c, 500, "application/json", NULL, "{}", 2);
    int r = conn_respond(c, status, "application/json; charset=utf-8", NULL, s, strlen(s));
    free(s);
    return r;
}

int respond_text_json(struct conn *c, int status, struct textbuf *b, const char *what,
                      const char *path)
{
    int r = b->err
                ? respond_errno(c, b->err, what, path)
                : conn_respond(c, status, "application/json; charset=utf-8", NULL, b->buf, b->len);
    tb_free(b);
    return r;
}

int respond_empty(struct conn *c)
{
    return conn_respond(c, 200, NULL, NULL, NULL, 0);
}

json_t *read_json_body(struct conn *c, bool allow_empty)
{
    if (c->req.content_length > (int64_t)g_cfg.max_json_body) {
        c->close_after = true;
        respond_error(c, 413, "INVALID_REQUEST_BODY", "request body too large (limit %" PRIu64 ")",
                      g_cfg.max_json_body);
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len == cap) {
            if (cap >= g_cfg.max_json_body) {
                free(buf);
                c->close_after = true;
                respond_error(c, 413, "INVALID_REQUEST_BODY", "request body too large");
                return NULL;
            }
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t r = conn_body_read(c, buf + len, cap - len);
        if (r < 0) {
            free(buf);
            respond_error(c, 400, "INVALID_REQUEST_BODY", "cannot read request body");
            return NULL;
        }
        if (r == 0) break;
        len += (size_t)r;
    }
    if (len == 0 && allow_empty) {
        free(buf);
        return json_object();
    }
    json_error_t e;
    json_t *j = json_loadb(buf, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);
    free(buf);
    if (!j)
        respond_error(c, 400, "INVALID_REQUEST_BODY",
                      "error parsing request, MAYBE invalid body format: %s", e.text);
    return j;
}

struct timespec ns_to_timespec(int64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
    if (ts.tv_nsec < 0) {
        ts.tv_nsec += 1000000000;
        ts.tv_sec--;
    }
    return ts;
}

int64_t timespec_to_ns(const struct timespec *ts)
{
    const int64_t max_sec = INT64_MAX / 1000000000 - 1;
    if (ts->tv_sec > max_sec) return INT64_MAX;
    if (ts->tv_sec < -max_sec) return INT64_MIN;
    return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return timespec_to_ns(&ts);
}

int64_t now_ms(void)
{
    return now_ns() / 1000000;
}

int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* n as exactly w digits (zero-padded) at p; returns p + w. */
static char *digits(char *p, long n, int w)
{
    for (int i = w - 1; i >= 0; i--, n /= 10)
        p[i] = (char)('0' + n % 10);
    return p + w;
}

void fmt_rfc3339nano(int64_t ns, char *out, size_t outsz)
{
    struct timespec ts = ns_to_timespec(ns); /* 64-bit ns: years 1677 to 2262, four digits */
    struct tm tm;
    char buf[40], *p = buf;
    gmtime_r(&ts.tv_sec, &tm);
    p = digits(p, tm.tm_year + 1900L, 4);
    *p++ = '-';
    p = digits(p, tm.tm_mon + 1, 2);
    *p++ = '-';
    p = digits(p, tm.tm_mday, 2);
    *p++ = 'T';
    p = digits(p, tm.tm_hour, 2);
    *p++ = ':';
    p = digits(p, tm.tm_min, 2);
    *p++ = ':';
    p = digits(p, tm.tm_sec, 2);
    if (ts.tv_nsec) { /* the fraction without trailing zeros */
        *p++ = '.';
        p = digits(p, ts.tv_nsec, 9);
        while (p[-1] == '0')
            p--;
    }
    *p++ = 'Z';
    *p = 0;
    snprintf(out, outsz, "%s", buf);
}

int query_int64(struct conn *c, const char *key, int64_t def, int64_t *ret)
{
    char v[64];
    int r = http_query_get(c->req.query, key, v, sizeof(v));
    if (r == -ENOENT || (r == 0 && !*v)) {
        *ret = def;
        return 0;
    }
    if (r < 0) return -EINVAL;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || *end || end == v) return -EINVAL;
    *ret = n;
    return 0;
}

bool query_bool(struct conn *c, const char *key)
{
    char v[16];
    if (http_query_get(c->req.query, key, v, sizeof(v)) < 0) return false;
    return !strcmp(v, "1") || !strcasecmp(v, "true") || !strcmp(v, "yes");
}
