/* multipart/form-data over a complete body in memory (or mmap). */
#include "fsutil.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int multipart_boundary(const char *ctype, char *out, size_t outsz)
{
    if (!ctype || strncasecmp(ctype, "multipart/form-data", 19) != 0) return -EINVAL;
    const char *b = strcasestr(ctype, "boundary=");
    if (!b) return -EINVAL;
    b += 9;
    size_t n;
    if (*b == '"') {
        b++;
        const char *e = strchr(b, '"');
        if (!e) return -EINVAL;
        n = (size_t)(e - b);
    } else {
        n = strcspn(b, "; \t");
    }
    if (n == 0 || n > 70 || n >= outsz) return -EINVAL;
    memcpy(out, b, n);
    out[n] = 0;
    return 0;
}

/* Copies the value of param (name= or filename=) from a Content-Disposition header. */
static int disp_param(const char *h, size_t hl, const char *param, char *out, size_t outsz)
{
    size_t pl = strlen(param);
    for (size_t i = 0; i + pl < hl; i++) {
        if ((i == 0 || h[i - 1] == ';' || h[i - 1] == ' ' || h[i - 1] == '\t') &&
            strncasecmp(h + i, param, pl) == 0 && h[i + pl] == '=') {
            const char *v = h + i + pl + 1, *end = h + hl;
            size_t n = 0;
            if (v < end && *v == '"') {
                v++;
                while (v + n < end && v[n] != '"')
                    n++;
            } else {
                while (v + n < end && v[n] != ';' && v[n] != ' ')
                    n++;
            }
            if (n >= outsz) return -EINVAL;
            memcpy(out, v, n);
            out[n] = 0;
            return 0;
        }
    }
    return -ENOENT;
}

/* Parses a part's headers in [h, e); fills name/filename into strbuf. */
static int part_headers(const char *h, const char *e, struct mp_part *p, char *strbuf, size_t strsz,
                        size_t *used)
{
    p->name = p->filename = NULL;
    while (h < e) {
        const char *le = memmem(h, (size_t)(e - h), "\r\n", 2);
        if (!le) le = e;
        size_t hl = (size_t)(le - h);
        if (hl > 20 && strncasecmp(h, "Content-Disposition:", 20) == 0) {
            char *nb = strbuf + *used;
            size_t room = strsz - *used;
            if (disp_param(h + 20, hl - 20, "name", nb, room) == 0) {
                p->name = nb;
                *used += strlen(nb) + 1;
            }
            nb = strbuf + *used;
            room = strsz - *used;
            if (disp_param(h + 20, hl - 20, "filename", nb, room) == 0) {
                p->filename = nb;
                *used += strlen(nb) + 1;
            }
        }
        h = le + 2;
    }
    return p->name ? 0 : -EINVAL;
}

int multipart_parse(const char *body, size_t len, const char *boundary, struct mp_part *parts,
                    int max, int *ret_n, char *strbuf, size_t strsz)
{
    char delim[80];
    int dl = snprintf(delim, sizeof(delim), "--%s", boundary);
    if (dl <= 2 || dl >= (int)sizeof(delim)) return -EINVAL;
    const char *end = body + len;
    const char *p = memmem(body, len, delim, (size_t)dl);
    size_t used = 0;
    int n = 0;
    if (!p) return -EINVAL;
    for (;;) {
        p += dl;
        if (end - p >= 2 && p[0] == '-' && p[1] == '-') break; /* closing delimiter */
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n') return -EINVAL;
        p += 2;
        const char *he = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
        const char *hs = p;
        if (he == NULL && end - p >= 2 && p[0] == '\r' && p[1] == '\n')
            he = p - 2; /* no headers at all */
        if (!he || n == max) return -EINVAL;
        const char *data = he + 4;
        char nd[84];
        int ndl = snprintf(nd, sizeof(nd), "\r\n%s", delim);
        const char *next = memmem(data, (size_t)(end - data), nd, (size_t)ndl);
        if (!next) return -EINVAL;
        if (part_headers(hs, he, &parts[n], strbuf, strsz, &used) < 0) return -EINVAL;
        parts[n].data = data;
        parts[n].len = (size_t)(next - data);
        n++;
        p = next + 2;
    }
    *ret_n = n;
    return 0;
}
