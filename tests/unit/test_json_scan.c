/* The JSON pull scanner (backend/json_scan.c): what it accepts, what it decodes, its limits. The
 * fuzz target files_fileinfo compares it with jansson on arbitrary input; these are the cases
 * worth naming. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "../../backend/json_scan.h"
#include "tap.h"

static char scratch[1 << 16];

/* The whole text as one value: 0 or -EINVAL; v gets the value (strings kept). */
static int scan(const char *text, size_t len, struct jscan_value *v)
{
    struct jscan s;
    jscan_init(&s, text, len, scratch);
    int r = jscan_value(&s, v, true, 1);
    return r ? r : jscan_end(&s);
}

static int valid(const char *text)
{
    struct jscan_value v;
    return scan(text, strlen(text), &v) == 0;
}

static void test_strings(void)
{
    struct jscan_value v;
    const char *t = "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\te\"";
    ok(scan(t, strlen(t), &v) == 0 && v.kind == JSCAN_STRING && v.len == 13 &&
           memcmp(v.str, "a\"b\\c/d\b\f\n\r\te", 14) == 0,
       "short escapes decode");
    t = "\"\\u00e9\\u20AC\\ud83d\\ude00\"";
    ok(scan(t, strlen(t), &v) == 0 && strcmp(v.str, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80") == 0,
       "\\u escapes and a surrogate pair become UTF-8");
    ok(valid("\"\xc3\xa9\xf0\x9f\x98\x80\""), "raw UTF-8 kept");
    ok(!valid("\"\\ud83d\"") && !valid("\"\\ude00\"") && !valid("\"\\ud83d\\u0041\""),
       "lone or mismatched surrogates refused");
    ok(!valid("\"\\u0000\"") && !valid("\"a\\x\"") && !valid("\"\\u12G4\""), "bad escapes refused");
    ok(!valid("\"\xc0\xaf\"") && !valid("\"\xed\xa0\x80\"") && !valid("\"\xf4\x90\x80\x80\"") &&
           !valid("\"\xe2\x82\""),
       "overlong, surrogate, too large and cut UTF-8 refused");
    ok(!valid("\"a\nb\"") && !valid("\"abc") && valid("\"\x7f\""),
       "control bytes and an open string refused, DEL allowed");
}

static void test_numbers(void)
{
    struct jscan_value v;
    ok(scan("-9223372036854775808", 20, &v) == 0 && v.kind == JSCAN_INT &&
           v.num == (-9223372036854775807LL - 1),
       "LLONG_MIN");
    ok(scan("9223372036854775807", 19, &v) == 0 && v.num == 9223372036854775807LL, "LLONG_MAX");
    ok(!valid("9223372036854775808") && !valid("-9223372036854775809"), "past long long refused");
    ok(scan("-0", 2, &v) == 0 && v.kind == JSCAN_INT && v.num == 0, "-0 is an integer");
    ok(scan("1.5e3", 5, &v) == 0 && v.kind == JSCAN_REAL && scan("1E+2", 4, &v) == 0 &&
           v.kind == JSCAN_REAL,
       "reals");
    ok(!valid("1e999") && valid("1e-999"), "overflowing real refused, underflow allowed");
    ok(!valid("01") && !valid("-") && !valid("1.") && !valid(".5") && !valid("1e") && !valid("+1"),
       "malformed numbers refused");
}

static void test_structure(void)
{
    struct jscan s;
    char key[8];
    struct jscan_value v;
    ok(valid(" [ 1 , {\"a\" : [true, false, null]}, \"x\" ] \n"), "nested with blanks");
    ok(!valid("[1,]") && !valid("{\"a\":1,}") && !valid("[1 2]") && !valid("{1:2}") &&
           !valid("{\"a\" 1}"),
       "trailing commas, missing separators, non-string keys refused");
    ok(!valid("[1] x") && !valid("") && !valid("tru") && !valid("nul") && !valid("[1}"),
       "trailing text, empty text, cut literals, mismatched brackets refused");
    ok(scan("[1]\0", 4, &v) == -EINVAL && scan("[1\0]", 4, &v) == -EINVAL,
       "NUL outside strings refused");
    const char *t = "{\"a_long_key\":1,\"k\":2}";
    jscan_init(&s, t, strlen(t), scratch);
    ok(jscan_open(&s, '{') == 1 && jscan_key(&s, key, sizeof key) == 0 && key[0] == 0 &&
           jscan_value(&s, &v, false, 2) == 0 && jscan_more(&s, '}') == 1 &&
           jscan_key(&s, key, sizeof key) == 0 && strcmp(key, "k") == 0,
       "a key longer than the buffer comes back empty, the next one whole");
    ok(jscan_value(&s, &v, false, 2) == 0 && v.num == 2 && jscan_more(&s, '}') == 0 &&
           jscan_end(&s) == 0,
       "object walked to its end");
}

/* n arrays nested, with an integer inside when scalar is set */
static int nested(int n, bool scalar)
{
    char *t = malloc((size_t)n * 2 + 2);
    int len = 0;
    for (int i = 0; i < n; i++)
        t[len++] = '[';
    if (scalar) t[len++] = '1';
    for (int i = 0; i < n; i++)
        t[len++] = ']';
    struct jscan_value v;
    int r = scan(t, (size_t)len, &v);
    free(t);
    return r;
}

static void test_depth(void)
{
    ok(nested(2047, true) == 0 && nested(2048, false) == 0, "depth 2048 accepted (scalars count)");
    ok(nested(2048, true) == -EINVAL && nested(2049, false) == -EINVAL, "depth 2049 refused");
}

int main(void)
{
    test_strings();
    test_numbers();
    test_structure();
    test_depth();
    return done_testing(0);
}
