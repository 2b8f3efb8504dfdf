/* Unit tests for execd's pure parsers: HTTP head, query, chunked, Range, multipart, glob,
 * modes, JSON escaping, body validators. */
#include "direct.h"
#include "fsutil.h"
#include "http.h"
#include "reqparse.h"
#include "sse.h"
#include "execd.h"
#include "tap.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <time.h>

static int head(const char *s, struct http_request *r, char *buf)
{
    strcpy(buf, s);
    return http_parse_head(buf, strlen(buf), r);
}

static void test_head(void)
{
    static char buf[8192];
    struct http_request r;
    ok(head("GET /files/info?path=%2Fa%20b&path=c HTTP/1.1\r\nHost: x\r\n\r\n", &r, buf) == 0,
       "simple GET parses");
    ok(!strcmp(r.method, "GET") && !strcmp(r.path, "/files/info") && r.keep_alive,
       "method, path, keep-alive by default");
    char v[64];
    ok(http_query_get(r.query, "path", v, sizeof(v)) == 0 && !strcmp(v, "/a b"),
       "first query value decoded");
    ok(http_query_get_nth(r.query, "path", 1, v, sizeof(v)) == 0 && !strcmp(v, "c"),
       "second value");
    ok(http_query_get_nth(r.query, "path", 2, v, sizeof(v)) == -ENOENT, "no third value");
    ok(head("GET /a%2Fb%20c HTTP/1.0\r\n\r\n", &r, buf) == 0 && !strcmp(r.path, "/a/b c") &&
           !r.keep_alive,
       "path decoded; HTTP/1.0 closes");
    ok(head("GET /%00 HTTP/1.1\r\n\r\n", &r, buf) == -EINVAL, "decoded NUL rejected");
    ok(head("GET /x HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", &r,
            buf) == -EINVAL,
       "CL + TE rejected");
    ok(head("GET /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", &r, buf) == -ENOTSUP,
       "gzip coding: ENOTSUP");
    ok(head("GET /x HTTP/3\r\n\r\n", &r, buf) == -EPROTONOSUPPORT, "HTTP/3: EPROTONOSUPPORT");
    ok(head("GET x HTTP/1.1\r\n\r\n", &r, buf) == -EINVAL, "target must start with /");
    ok(head("POST /c HTTP/1.1\r\nContent-Length: 12\r\nConnection: close\r\nExpect: "
            "100-continue\r\n\r\n",
            &r, buf) == 0 &&
           r.content_length == 12 && !r.keep_alive && r.expect_continue,
       "content length, close, expect");
    ok(head("GET /ws HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n", &r,
            buf) == 0 &&
           r.upgrade && !strcmp(http_header_get(&r, "upgrade"), "websocket"),
       "upgrade token, case-insensitive lookup");
    ok(http_head_end("GET / HTTP/1.1\r\n\r", 17) == 0, "incomplete head");
}

static void test_chunked(void)
{
    char in[] = "5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nT: v\r\n\r\nNEXT";
    struct chunked_dec d = {0};
    size_t out = 0, total = 0;
    char got[64];
    size_t len = strlen(in), off = 0;
    while (off < len && !d.done) { /* byte by byte: resumable */
        ssize_t used = chunked_decode(&d, in + off, 1, &out);
        if (used <= 0) break;
        memcpy(got + total, in + off, out);
        total += out;
        off += (size_t)used;
    }
    got[total] = 0;
    ok(d.done && !strcmp(got, "hello world"), "chunked decode byte by byte: '%s'", got);
    ok(!strcmp(in + off, "NEXT"), "stops after the final chunk");
    struct chunked_dec e = {0};
    char bad[] = "zz\r\n";
    ok(chunked_decode(&e, bad, strlen(bad), &out) == -EINVAL, "bad size rejected");
    struct chunked_dec f = {0};
    char huge[] = "fffffffffffffffff\r\n";
    ok(chunked_decode(&f, huge, strlen(huge), &out) == -EINVAL, "overflowing size rejected");
}

static void test_range(void)
{
    uint64_t s, l;
    ok(http_parse_range("bytes=0-9", 100, &s, &l) == 0 && s == 0 && l == 10, "0-9");
    ok(http_parse_range("bytes=90-", 100, &s, &l) == 0 && s == 90 && l == 10, "open-ended");
    ok(http_parse_range("bytes=-5", 100, &s, &l) == 0 && s == 95 && l == 5, "suffix");
    ok(http_parse_range("bytes=-500", 100, &s, &l) == 0 && s == 0 && l == 100,
       "suffix larger than file");
    ok(http_parse_range("bytes=50-500", 100, &s, &l) == 0 && s == 50 && l == 50, "end clamped");
    ok(http_parse_range("bytes=100-", 100, &s, &l) == -ERANGE, "start at size: ERANGE");
    ok(http_parse_range("bytes=0-0", 0, &s, &l) == -ERANGE, "empty file: ERANGE");
    ok(http_parse_range("bytes=9-3", 100, &s, &l) == -EINVAL, "inverted: EINVAL");
    ok(http_parse_range("items=0-1", 100, &s, &l) == -EINVAL, "other unit: EINVAL");
    ok(http_parse_range("bytes=1-2,5-6", 100, &s, &l) == 0 && s == 1 && l == 2,
       "only the first range");
}

static void test_multipart(void)
{
    char b[80];
    ok(multipart_boundary("multipart/form-data; boundary=abc", b, sizeof(b)) == 0 &&
           !strcmp(b, "abc"),
       "boundary");
    ok(multipart_boundary("multipart/form-data; boundary=\"a b\"", b, sizeof(b)) == 0 &&
           !strcmp(b, "a b"),
       "quoted boundary");
    ok(multipart_boundary("application/json", b, sizeof(b)) < 0, "not multipart");
    const char body[] =
        "--X\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{}\r\n"
        "--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.txt\"\r\n"
        "Content-Type: text/plain\r\n\r\nline1\r\nline2\r\n--X--\r\n";
    struct mp_part parts[4];
    char names[256];
    int n = 0;
    ok(multipart_parse(body, sizeof(body) - 1, "X", parts, 4, &n, names, sizeof(names)) == 0 &&
           n == 2,
       "two parts");
    ok(!strcmp(parts[0].name, "metadata") && !parts[0].filename && parts[0].len == 2,
       "metadata part without filename");
    ok(!strcmp(parts[1].name, "file") && !strcmp(parts[1].filename, "f.txt") &&
           parts[1].len == 12 && !memcmp(parts[1].data, "line1\r\nline2", 12),
       "file part keeps inner CRLF");
    ok(multipart_parse(body, 40, "X", parts, 4, &n, names, sizeof(names)) < 0,
       "truncated body rejected");
}

static void test_misc(void)
{
    mode_t m;
    ok(mode_from_digits(755, &m) == 0 && m == 0755, "755 -> 0755");
    ok(mode_from_digits(4755, &m) == 0 && m == 04755, "4755 -> 04755");
    ok(mode_from_digits(789, &m) < 0, "digit 8/9 rejected");
    ok(mode_to_digits(0100644) == 644 && mode_to_digits(01777) == 1777, "mode to digits");
    ok(glob_match("*.txt", "a.txt") && !glob_match("*.txt", "a.log"), "glob *");
    ok(glob_match("**", ".hidden") && glob_match("*", ".x"),
       "* matches a leading dot (doublestar)");
    ok(glob_match("{a,b}.{c,d}", "b.d") && !glob_match("{a,b}.{c,d}", "c.d"), "braces");
    ok(glob_match("[ab]?", "bz") && !glob_match("[ab]?", "cz"), "classes and ?");
    char out[64];
    size_t n = json_escape("a\"\\\n\x01\xff\xc3\xa9", 8, out);
    out[n] = 0;
    ok(!strcmp(out, "a\\\"\\\\\\n\\u0001\\ufffd\xc3\xa9"), "json_escape: %s", out);
    char path[PATH_BUF];
    ok(resolve_path("/a//b/./c/../d/", path, sizeof(path)) == 0 && !strcmp(path, "/a/b/d"),
       "clean path");
    ok(resolve_path("/a/$HOME/x", path, sizeof(path)) == 0 && !strcmp(path, "/a/$HOME/x"),
       "$ kept literally");
    ok(resolve_path("/../..", path, sizeof(path)) == 0 && !strcmp(path, "/"), "no escape above /");
    ok(resolve_path("", path, sizeof(path)) == -EINVAL, "empty path rejected");
    setenv("HOME", "/home/u", 1);
    ok(resolve_path("~/x", path, sizeof(path)) == 0 && !strcmp(path, "/home/u/x"), "~ expanded");
    ok(resolve_path("~x", path, sizeof(path)) == 0 && strstr(path, "/~x"), "~x is a relative name");
}

static void test_bodies(void)
{
    const char *err = "";
    struct run_req r;
    json_t *j = json_loads("{\"command\":\"ls\",\"timeout\":5,\"uid\":1,\"gid\":2,\"envs\":{\"A\":"
                           "\"b\"},\"background\":true}",
                           0, NULL);
    ok(run_req_parse(j, &r, &err) == 0 && r.timeout_ms == 5 && r.has_uid && r.gid == 2 &&
           r.background,
       "run request");
    json_decref(j);
    j = json_loads("{\"command\":\"ls\",\"gid\":2}", 0, NULL);
    int rc = run_req_parse(j, &r, &err);
    ok(rc < 0, "gid without uid rejected: %s", err);
    json_decref(j);
    j = json_loads("{\"command\":\"\"}", 0, NULL);
    ok(run_req_parse(j, &r, &err) < 0, "empty command rejected");
    json_decref(j);
    j = json_loads("{\"command\":\"x\",\"envs\":{\"A\":1}}", 0, NULL);
    ok(run_req_parse(j, &r, &err) < 0, "non-string env rejected");
    json_decref(j);
    struct replace_req rp;
    j = json_loads("{\"old\":\"\",\"new\":\"x\"}", 0, NULL);
    ok(replace_req_parse(j, &rp, &err) < 0, "empty old rejected");
    json_decref(j);
    struct perm_req p;
    j = json_loads("{\"mode\":0}", 0, NULL);
    ok(perm_req_parse(j, &p, &err) == 0 && !p.has_mode, "mode 0 means no chmod");
    json_decref(j);
    struct times_req t;
    j = json_loads("{\"path\":\"/f\",\"mtime\":-315619199500000000,\"atime\":\"now\"}", 0, NULL);
    ok(times_req_parse(j, &t, &err) == 0 && t.ts[0].tv_nsec == UTIME_NOW &&
           t.ts[1].tv_sec == -315619200 && t.ts[1].tv_nsec == 500000000,
       "times: \"now\", and nanoseconds before 1970");
    json_decref(j);
    j = json_loads("{\"path\":\"/f\",\"atime\":null}", 0, NULL);
    ok(times_req_parse(j, &t, &err) == 0 && t.ts[0].tv_nsec == UTIME_OMIT &&
           t.ts[1].tv_nsec == UTIME_OMIT,
       "times: null and absent leave the time as it is");
    json_decref(j);
    j = json_loads("{\"path\":\"/f\",\"mtime\":\"yesterday\"}", 0, NULL);
    ok(times_req_parse(j, &t, &err) < 0, "times: other strings rejected");
    json_decref(j);
    j = json_loads("{\"mtime\":1}", 0, NULL);
    ok(times_req_parse(j, &t, &err) < 0, "times: path required");
    json_decref(j);
}

static void test_direct(void)
{
    char *env[] = {"PATH=/usr/bin", "HOME=/root", NULL};
    const char *const *p = direct_candidates("true", env);
    ok(p && !strcmp(p[0], "/usr/bin/true"), "true: /usr/bin/true first");
    p = direct_candidates(" \tfalse  ", env);
    ok(p && !strcmp(p[0], "/usr/bin/false"), "false with blanks around");
    ok(direct_candidates("true", NULL) != NULL, "no environment");
    static const char *const shell[] = {"true x", "true --help", "false;", "truex",    "xtrue",
                                        "true\n", "TRUE",        "",       "A=1 true", "echo"};
    bool none = true;
    for (size_t i = 0; i < sizeof(shell) / sizeof(*shell); i++)
        none = none && direct_candidates(shell[i], env) == NULL;
    ok(none, "arguments, metacharacters, other words: the shell");
    static char *const bad[] = {
        "BASH_ENV=/rc",     "ENV=/rc",  "SHELLOPTS=xtrace",          "BASHOPTS=x",
        "POSIXLY_CORRECT=", "LC_ALL=C", "BASH_FUNC_true%%=() { :; }"};
    none = true;
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        char *e[] = {"PATH=/usr/bin", bad[i], NULL};
        none = none && direct_candidates("true", e) == NULL;
    }
    ok(none, "environments that change what the shell does: the shell");
    char *similar[] = {"ENVX=1", "MY_ENV=1", "LC_ALLX=1", "BASH=1", NULL};
    ok(direct_candidates("false", similar) != NULL, "similar names do not count");
}

/* json_plain_run against a byte-at-a-time definition: every byte value at every position of
 * buffers around the 8-byte word size. */
static void test_plain_run(void)
{
    char b[19];
    int bad = 0;
    for (int c = 0; c < 256; c++)
        for (size_t len = 1; len <= sizeof(b); len++)
            for (size_t at = 0; at < len; at++) {
                memset(b, 'x', sizeof(b));
                b[at] = (char)c;
                bool plain = c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
                size_t want = plain ? len : at;
                if (json_plain_run(b, len) != want) bad++;
            }
    ok(bad == 0, "json_plain_run matches the byte definition everywhere (%d mismatches)", bad);
    size_t n = json_escape("0123456789abcdef\"0123456789", 27, (char[64]){0});
    ok(n == 28, "json_escape: a quote after two plain words");
}

/* Feeds text to a splitter in pieces of `step` bytes; returns the events' text fields. */
static void split(const char *text, size_t step, bool drop_empty, char *got, size_t cap)
{
    struct sse_out o;
    struct line_split ls;
    sse_out_init(&o, NULL, SSE_BUF); /* never flushed: the events fit in its buffer */
    line_split_init(&ls, drop_empty);
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i += step)
        line_split_feed(&ls, &o, "stdout", text + i, n - i < step ? n - i : step);
    line_split_flush(&ls, &o, "stdout");
    size_t g = 0;
    got[0] = 0;
    for (char *p = o.buf; p < o.buf + o.len;) {
        char *t = memmem(p, (size_t)(o.buf + o.len - p), "\"text\":\"", 8);
        if (!t) break;
        t += 8;
        char *e = strstr(t, "\",\"timestamp\"");
        g += (size_t)snprintf(got + g, cap - g, "[%.*s]", (int)(e - t), t);
        p = e;
    }
    line_split_free(&ls);
    sse_out_free(&o);
}

static void test_line_split(void)
{
    static const char *in = "a\r\nbb\rccc\n\ndd\r\r\neee";
    char got[256];
    int bad = 0;
    for (size_t step = 1; step <= strlen(in); step++) {
        split(in, step, false, got, sizeof(got));
        if (strcmp(got, "[a][bb][ccc][\\n][dd][\\n][eee]")) bad++;
    }
    ok(bad == 0, "\\n, \\r and \\r\\n end lines whatever the read sizes: %s", got);
    split(in, 4, true, got, sizeof(got));
    ok(!strcmp(got, "[a][bb][ccc][dd][eee]"), "sessions drop empty lines: %s", got);
    char many[4096];
    memset(many, '\r', sizeof(many) - 2);
    many[sizeof(many) - 2] = '\n';
    many[sizeof(many) - 1] = 0;
    split(many, sizeof(many), true, got, sizeof(got));
    ok(!strcmp(got, ""), "a run of \\r only makes empty lines");
}

/* The reference: strftime and a trimmed fraction, as fmt_rfc3339nano wrote it before. */
static void ref_rfc3339(int64_t ns, char *out, size_t n)
{
    struct timespec ts = ns_to_timespec(ns);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t k = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
    if (ts.tv_nsec) {
        k += (size_t)snprintf(out + k, n - k, ".%09ld", ts.tv_nsec);
        while (out[k - 1] == '0')
            k--;
    }
    snprintf(out + k, n - k, "Z");
}

static void test_rfc3339(void)
{
    int64_t cases[] = {0,
                       1,
                       -1,
                       500000000,
                       1796617201123456789,
                       -315619199500000000,
                       INT64_MAX,
                       INT64_MIN,
                       86399999999999,
                       951782400000000010};
    int bad = 0;
    char a[64], b[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fmt_rfc3339nano(cases[i], a, sizeof a);
        ref_rfc3339(cases[i], b, sizeof b);
        bad += strcmp(a, b) != 0;
    }
    for (int64_t ns = INT64_MIN / 2; ns < INT64_MAX / 2; ns += INT64_MAX / 5000 + 12345) {
        fmt_rfc3339nano(ns, a, sizeof a);
        ref_rfc3339(ns, b, sizeof b);
        bad += strcmp(a, b) != 0;
    }
    ok(bad == 0, "RFC 3339 times: as strftime wrote them, 1677 to 2262");
    fmt_rfc3339nano(1796617201120000000, a, 12);
    ok(strcmp(a, "2026-12-07T") == 0, "RFC 3339 time cut to its buffer");
}

int main(void)
{
    test_rfc3339();
    test_direct();
    test_plain_run();
    test_line_split();
    test_head();
    test_chunked();
    test_range();
    test_multipart();
    test_misc();
    test_bodies();
    return done_testing(0);
}
