/* Text that a server hands us and that we put into requests or curl configs: checked before
 * use, so that nothing a server sends can add a header, a request line or a config option. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "http.h"

/* RFC 9110 token characters (a header name). */
static bool tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

int sbx_header_line(char *dst, size_t cap, const char *name, const char *value, size_t value_len)
{
    if (!*name) return -EINVAL;
    for (const char *p = name; *p; p++)
        if (!tchar((unsigned char)*p)) return -EINVAL;
    for (size_t i = 0; i < value_len; i++) {
        unsigned char c = (unsigned char)value[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) return -EINVAL;
    }
    int n = snprintf(dst, cap, "%s: %.*s", name, (int)value_len, value);
    return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

bool sbx_url_chars_ok(const char *url)
{
    static const char other[] = "-._~:/?#[]@!$&'()*+,;=%";
    if (!*url) return false;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr(other, *p)))
            return false;
    return true;
}

bool sbx_id_ok(const char *id, size_t cap)
{
    size_t n = id ? strlen(id) : 0;
    return n && n < cap && id[0] != '.' &&
           strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

int sbx_conf_quote(char *dst, size_t cap, const char *s)
{
    size_t o = 0;
    if (cap < 3) return -ENAMETOOLONG;
    dst[o++] = '"';
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 && c != '\t') return -EINVAL;
        bool esc = c == '"' || c == '\\';
        if (o + (esc ? 2 : 1) + 2 > cap) return -ENAMETOOLONG;
        if (esc) dst[o++] = '\\';
        dst[o++] = (char)c;
    }
    dst[o++] = '"';
    dst[o] = '\0';
    return 0;
}
