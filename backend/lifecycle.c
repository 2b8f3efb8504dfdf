/* Lifecycle API client (sandboxd or any OpenSandbox server). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lifecycle.h"

#define LIST_PAGE 200
#define LIST_MAX_PAGES 100

__attribute__((format(printf, 2, 3))) static void set_msg(char **msg, const char *fmt, ...)
{
    if (!msg)
        return;
    free(*msg);
    *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(msg, fmt, ap) < 0)
        *msg = NULL;
    va_end(ap);
}

/* Extracts "message" from an error answer for the log. */
static void error_message(int status, const struct sbx_buf *b, char **msg)
{
    char code[16];
    snprintf(code, sizeof code, "HTTP %d", status);
    json_t *j = b->data ? json_loads(b->data, 0, NULL) : NULL;
    const char *m = j ? json_string_value(json_object_get(j, "message")) : NULL;
    set_msg(msg, "%s: %s", code, m ? m : (b->data && b->len < 300 ? b->data : ""));
    json_decref(j);
}

int sbx_lc_call(const struct sbx_server *s, const char *method, const char *path, json_t *body,
                json_t **out, char **msg)
{
    char url[1024];
    if (snprintf(url, sizeof url, "%s/v1%s", s->base, path) >= (int)sizeof url)
        return -ENAMETOOLONG;
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    struct sbx_req req = {.method = method, .url = url, .body = text,
                          .body_len = text ? strlen(text) : 0};
    int h = 0;
    if (s->key_hdr[0])
        req.headers[h++] = s->key_hdr;
    if (text)
        req.headers[h++] = "Content-Type: application/json";
    struct sbx_buf b;
    int status = sbx_http(&req, &b, NULL);
    free(text);
    if (out)
        *out = NULL;
    if (status < 0) {
        set_msg(msg, "%s: %s", url, strerror(-status));
        return status;
    }
    int rc = sbx_http_errno(status);
    if (rc)
        error_message(status, &b, msg);
    else if (out && b.len)
        *out = json_loadb(b.data, b.len, 0, NULL);
    sbx_buf_free(&b);
    return rc;
}

int sbx_lc_list(const struct sbx_server *s, json_t **items, char **msg)
{
    json_t *all = json_array();
    for (int page = 1; page <= LIST_MAX_PAGES; page++) {
        char path[64];
        snprintf(path, sizeof path, "/sandboxes?page=%d&pageSize=%d", page, LIST_PAGE);
        json_t *ans;
        int rc = sbx_lc_call(s, "GET", path, NULL, &ans, msg);
        if (rc) {
            json_decref(all);
            return rc;
        }
        json_array_extend(all, json_object_get(ans, "items"));
        json_t *more = json_object_get(json_object_get(ans, "pagination"), "hasNextPage");
        int next = json_is_true(more);
        json_decref(ans);
        if (!next)
            break;
    }
    *items = all;
    return 0;
}

int sbx_lc_endpoint(const struct sbx_server *s, const char *id, int port, char *url, size_t cap,
                    json_t **headers, char **msg)
{
    char path[256];
    snprintf(path, sizeof path, "/sandboxes/%s/endpoints/%d", id, port);
    json_t *ans;
    int rc = sbx_lc_call(s, "GET", path, NULL, &ans, msg);
    if (rc)
        return rc;
    const char *ep = json_string_value(json_object_get(ans, "endpoint"));
    if (!ep) {
        json_decref(ans);
        set_msg(msg, "endpoint answer without an endpoint");
        return -EPROTO;
    }
    if (!sbx_url_chars_ok(ep)) {
        json_decref(ans);
        set_msg(msg, "endpoint answer with characters no URL has");
        return -EPROTO;
    }
    int has_scheme = strstr(ep, "://") != NULL;
    if (snprintf(url, cap, "%s%s", has_scheme ? "" : "http://", ep) >= (int)cap)
        rc = -ENAMETOOLONG;
    if (headers) {
        *headers = json_object_get(ans, "headers");
        json_incref(*headers);
    }
    json_decref(ans);
    return rc;
}

/* An endpoint ".../proxy/44772" is execd's proxy to itself: talk to execd directly, one hop less
 * (checked by pinging it; kept as is when that fails). */
static void prefer_direct(struct sbx_execd *x)
{
    size_t n = strlen(x->base);
    static const char tail[] = "/proxy/44772";
    if (n <= sizeof tail - 1 || strcmp(x->base + n - (sizeof tail - 1), tail))
        return;
    struct sbx_execd direct = *x;
    direct.base[n - (sizeof tail - 1)] = '\0';
    if (sbx_execd_ping(&direct) == 0)
        *x = direct;
}

int sbx_lc_execd(const struct sbx_server *s, const char *id, struct sbx_execd *x, char **msg)
{
    json_t *headers = NULL;
    memset(x, 0, sizeof *x);
    int rc = sbx_lc_endpoint(s, id, 44772, x->base, sizeof x->base, &headers, msg);
    if (rc)
        return rc;
    const char *k;
    json_t *v;
    json_object_foreach(headers, k, v)
    {
        if (json_is_string(v) && sbx_header_line(x->token_hdr, sizeof x->token_hdr, k,
                                                 json_string_value(v), json_string_length(v))) {
            set_msg(msg, "execd's header '%.64s' from the server is not a header we can send", k);
            rc = -EPROTO;
            break;
        }
    }
    json_decref(headers);
    if (rc)
        return rc;
    prefer_direct(x);
    rc = sbx_execd_ping(x);
    if (rc)
        set_msg(msg, "execd at %s: %s", x->base, strerror(-rc));
    return rc;
}
