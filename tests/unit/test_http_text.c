/* backend/http_text.c: what a server hands us (execd's header, an endpoint's URL and headers)
 * is checked before it goes into a request or a curl config. */
#include <errno.h>
#include <string.h>
#include "../../backend/http.h"
#include "tap.h"

static int line(const char *name, const char *value, size_t len, char *out, size_t cap)
{
    return sbx_header_line(out, cap, name, value, len);
}

static void test_header_line(void)
{
    char b[64];
    ok(line("X-EXECD-ACCESS-TOKEN", "abc123", 6, b, sizeof b) == 0 &&
           !strcmp(b, "X-EXECD-ACCESS-TOKEN: abc123"),
       "a token header is kept as it is");
    ok(line("X-A", "quote \" back\\slash\ttab", 22, b, sizeof b) == 0,
       "quotes, backslashes and tabs are legal in a value");
    ok(line("X-A", "v\r\nX-Injected: 1", 17, b, sizeof b) == -EINVAL, "CR LF in a value: EINVAL");
    ok(line("X-A", "v\nupload-file = /etc/shadow", 27, b, sizeof b) == -EINVAL,
       "a bare LF in a value: EINVAL");
    ok(line("X-A", "a\0b", 3, b, sizeof b) == -EINVAL, "a NUL inside a value: EINVAL");
    ok(line("X-A", "\x7f", 1, b, sizeof b) == -EINVAL, "DEL in a value: EINVAL");
    ok(line("X A", "v", 1, b, sizeof b) == -EINVAL, "a space in a name: EINVAL");
    ok(line("X-A:", "v", 1, b, sizeof b) == -EINVAL, "a colon in a name: EINVAL");
    ok(line("", "v", 1, b, sizeof b) == -EINVAL, "an empty name: EINVAL");
    ok(line("X-A", "0123456789012345678901234567890123456789012345678901234567890", 61, b,
            sizeof b) == -ENAMETOOLONG,
       "a line longer than the buffer: ENAMETOOLONG");
}

static void test_url(void)
{
    ok(sbx_url_chars_ok("127.0.0.1:8080/proxy/6080"), "host:port/path");
    ok(sbx_url_chars_ok("https://h.example/a?b=c&d=%20#f"), "scheme, query, escapes, fragment");
    ok(sbx_url_chars_ok("[::1]:80/x"), "an IPv6 literal");
    ok(!sbx_url_chars_ok(""), "empty: refused");
    ok(!sbx_url_chars_ok("h:1/\"\nupload-file = /etc/shadow"), "a quote and a newline: refused");
    ok(!sbx_url_chars_ok("h:1/a b"), "a space: refused");
    ok(!sbx_url_chars_ok("h:1/a\\b"), "a backslash: refused");
    ok(!sbx_url_chars_ok("h:1/<script>"), "angle brackets: refused");
    ok(!sbx_url_chars_ok("h:1/\xc3\xa9"), "non-ASCII: refused (a server percent-encodes it)");
}

static void test_quote(void)
{
    char b[64];
    ok(sbx_conf_quote(b, sizeof b, "X-A: v") == 0 && !strcmp(b, "\"X-A: v\""), "plain text");
    ok(sbx_conf_quote(b, sizeof b, "X-A: \"q\" \\") == 0 && !strcmp(b, "\"X-A: \\\"q\\\" \\\\\""),
       "quotes and backslashes are escaped");
    ok(sbx_conf_quote(b, sizeof b, "a\nb") == -EINVAL, "a newline: EINVAL");
    ok(sbx_conf_quote(b, 5, "abc") == -ENAMETOOLONG && sbx_conf_quote(b, 6, "abc") == 0,
       "the closing quote and the NUL count");
    ok(sbx_conf_quote(b, 6, "a\"b") == -ENAMETOOLONG && sbx_conf_quote(b, 7, "a\"b") == 0,
       "so do escapes");
}

int main(void)
{
    plan(24);
    test_header_line();
    test_url();
    test_quote();
    return done_testing(1);
}
