/* Path normalisation and matching (pure; unit-tested). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

void route_normalize(const char *url, char *out, size_t cap)
{
    size_t n;
    while (*url == '/')
        url++;
    if (!strncmp(url, "v1", 2) && (url[2] == '/' || url[2] == 0)) url += 2;
    while (*url == '/')
        url++;
    n = strcspn(url, "?");
    if (n >= cap) n = cap - 1;
    memcpy(out, url, n);
    out[n] = 0;
    while (n > 0 && out[n - 1] == '/')
        out[--n] = 0;
}

int route_match(const char *pattern, const char *path, char params[MAX_PARAMS][PARAM_MAX])
{
    int np = 0;
    const char *p = pattern, *s = path;
    for (;;) {
        size_t pl = strcspn(p, "/"), sl = strcspn(s, "/");
        if (pl == 1 && *p == '*') {
            if (sl == 0 || sl >= PARAM_MAX || np >= MAX_PARAMS) return 0;
            memcpy(params[np], s, sl);
            params[np++][sl] = 0;
        } else if (pl != sl || strncmp(p, s, pl)) {
            return 0;
        }
        p += pl;
        s += sl;
        if (!*p || !*s) return !*p && !*s;
        p++;
        s++;
    }
}

bool route_is_proxy(const char *path, char id[PARAM_MAX], int *port)
{
    const char *p = path;
    size_t n;
    char *end;
    long v;
    if (strncmp(p, "sandboxes/", 10)) return false;
    p += 10;
    n = strcspn(p, "/");
    if (n == 0 || n >= PARAM_MAX || strncmp(p + n, "/proxy/", 7)) return false;
    memcpy(id, p, n);
    id[n] = 0;
    p += n + 7;
    if (*p < '0' || *p > '9') return false;
    v = strtol(p, &end, 10);
    if (*end && *end != '/') return false;
    *port = v < 1 || v > 65535 ? 0 : (int)v;
    return true;
}
