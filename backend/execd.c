/* execd client: URL building, auth header, ping and extension detection. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "execd.h"

int sbx_execd_url(const struct sbx_execd *x, char *url, size_t cap, const char *fmt, ...)
{
    int n = snprintf(url, cap, "%s", x->base);
    if (n < 0 || (size_t)n >= cap)
        return -ENAMETOOLONG;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(url + n, cap - (size_t)n, fmt, ap);
    va_end(ap);
    if (m < 0 || (size_t)m >= cap - (size_t)n)
        return -ENAMETOOLONG;
    return 0;
}

void sbx_execd_headers(const struct sbx_execd *x, struct sbx_req *req, const char *extra)
{
    int i = 0;
    if (x->token_hdr[0])
        req->headers[i++] = x->token_hdr;
    if (extra)
        req->headers[i++] = extra;
    req->headers[i] = NULL;
}

static const struct {
    const char *name;
    unsigned bit;
} ext_names[] = {
    {"command-list", SBX_EXT_COMMAND_LIST}, {"raw-output", SBX_EXT_RAW_OUTPUT},
    {"write-at", SBX_EXT_WRITE_AT},         {"truncate", SBX_EXT_TRUNCATE},
    {"symlink", SBX_EXT_SYMLINK},           {"command-id-header", SBX_EXT_COMMAND_ID_HEADER},
    {"file-type", SBX_EXT_FILE_TYPE},       {"status-wait", SBX_EXT_STATUS_WAIT},
    {"session-stderr", SBX_EXT_SESSION_STDERR}, {"times", SBX_EXT_TIMES},
    {"start-wait", SBX_EXT_START_WAIT},
};

static unsigned parse_extensions(const char *list)
{
    unsigned bits = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save, *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
        for (size_t i = 0; i < sizeof ext_names / sizeof ext_names[0]; i++)
            if (!strcmp(tok, ext_names[i].name))
                bits |= ext_names[i].bit;
    return bits;
}

int sbx_execd_ping(struct sbx_execd *x)
{
    char url[512];
    int rc = sbx_execd_url(x, url, sizeof url, "/ping");
    if (rc)
        return rc;
    struct sbx_req req = {.url = url, .timeout_ms = 5000};
    struct sbx_resp_meta meta;
    sbx_execd_headers(x, &req, NULL);
    rc = sbx_http(&req, NULL, &meta);
    if (rc < 0)
        return rc;
    rc = sbx_http_errno(rc);
    if (!rc)
        x->ext = parse_extensions(meta.extensions);
    return rc;
}
