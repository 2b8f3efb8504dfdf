/* libmicrohttpd glue: one thread per connection, request bodies accumulated up to MAX_BODY,
 * routing, authentication, and the JSON/empty/error answers of every API route. */
#include "http.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "log.h"
#include "proxy.h"
#include "util.h"

const struct sd_config *g_cfg;
static struct MHD_Daemon *daemon_handle;

const char *req_param(const struct req *r, int i)
{
    return r->params[i];
}

const char *req_query(const struct req *r, const char *key)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

struct collect {
    const char *key;
    const char **vals;
    size_t n, cap;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    struct collect *c = cls;
    (void)kind;
    if (key && value && !strcmp(key, c->key) && c->n < c->cap) c->vals[c->n++] = value;
    return MHD_YES;
}

size_t req_query_all(const struct req *r, const char *key, const char **vals, size_t cap)
{
    struct collect c = {key, vals, 0, cap};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect_arg, &c);
    return c.n;
}

const char *req_header(const struct req *r, const char *key)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, key);
}

int req_json(const struct req *r, json_t **ret, bool allow_empty, struct api_err *e)
{
    json_error_t jerr;
    json_t *j;
    if (r->body_len == 0) {
        if (allow_empty) {
            *ret = NULL;
            return 0;
        }
        return api_fail(e, 400, E_INVALID_PARAMETER, "the request needs a JSON body");
    }
    j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        return api_fail(e, 400, E_INVALID_PARAMETER,
                        "the request body is not valid JSON: %s (line %d, column %d)", jerr.text,
                        jerr.line, jerr.column);
    *ret = j;
    return 0;
}

static void req_free(struct req *r)
{
    if (!r) return;
    proxy_free(r->proxy);
    free(r->raw_uri);
    free(r->body);
    free(r);
}

static void add_common_headers(struct req *r, struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "X-Request-ID", r->request_id);
}

static enum MHD_Result queue_body(struct req *r, int status, const char *ctype, char *body,
                                  size_t len, const char *location)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, body ? body : (char *)"", body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret;
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    add_common_headers(r, resp);
    if (ctype) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (location && *location) MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location);
    ret = MHD_queue_response(r->conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

int http_send_error(struct req *r, const struct api_err *e)
{
    json_t *j = json_pack("{s:s, s:s}", "code", e->code, "message", e->message);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (e->status >= 500)
        log_warn("%s %s -> %d %s: %s", r->method, r->raw_uri, e->status, e->code, e->message);
    return (int)queue_body(r, e->status, "application/json", s, strlen(s), NULL);
}

static enum MHD_Result send_resp(struct req *r, struct resp *out)
{
    char *s;
    if (!out->json) return queue_body(r, out->status, NULL, NULL, 0, out->location);
    s = json_dumps(out->json, JSON_COMPACT);
    json_decref(out->json);
    out->json = NULL;
    return queue_body(r, out->status, "application/json", s, strlen(s), out->location);
}

static void set_request_id(struct req *r)
{
    const char *given = req_header(r, "X-Request-ID");
    if (given && *given && strlen(given) < sizeof(r->request_id) && !strpbrk(given, "\r\n"))
        snprintf(r->request_id, sizeof(r->request_id), "%s", given);
    else if (uuid4(r->request_id))
        snprintf(r->request_id, sizeof(r->request_id), "unknown");
}

/* First call for a request: routes it and checks the API key. Returns 0 to go on reading the
 * body, or -1 with e filled. */
static int begin(struct req *r, const char *url, struct api_err *e)
{
    char path[1024], proxy_id[PARAM_MAX];
    int status = 404, port;

    route_normalize(url, path, sizeof(path));
    if (route_is_proxy(path, proxy_id, &port)) return proxy_begin(r, proxy_id, port, e);
    r->route = route_find(r->method, path, r->params, &status);
    if (!r->route) {
        if (status == 405)
            return api_fail(e, 405, E_METHOD_NOT_ALLOWED, "method %s is not allowed on /%s",
                            r->method, path);
        return api_fail(e, 404, E_ROUTE_NOT_FOUND, "no route /%s", path);
    }
    if (!(r->route->flags & ROUTE_NOAUTH))
        return auth_check(req_header(r, "OPEN-SANDBOX-API-KEY"), e);
    return 0;
}

static void body_append(struct req *r, const char *data, size_t n)
{
    char *nb;
    if (r->too_large || r->body_len + n > MAX_BODY) {
        r->too_large = true;
        return;
    }
    nb = realloc(r->body, r->body_len + n + 1);
    if (!nb) {
        r->too_large = true;
        return;
    }
    r->body = nb;
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    r->body[r->body_len] = 0;
}

static enum MHD_Result finish(struct req *r)
{
    struct api_err e = {0};
    struct resp out = {.status = 200};
    if (r->too_large) {
        api_fail(&e, 413, E_BODY_TOO_LARGE, "the request body is larger than %d bytes", MAX_BODY);
        return (enum MHD_Result)http_send_error(r, &e);
    }
    if (r->route->fn(r, &out, &e) != 0) {
        json_decref(out.json);
        return (enum MHD_Result)http_send_error(r, &e);
    }
    return send_resp(r, &out);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    struct req *r = *con_cls;
    struct api_err e = {0};
    (void)cls;
    (void)version;
    if (!r) return MHD_NO;
    if (!r->started) {
        r->started = true;
        r->conn = conn;
        r->method = method;
        set_request_id(r);
        if (begin(r, url, &e) != 0) {
            r->route = NULL;
            r->failed = true; /* the body is discarded; the error is answered at the end */
            r->early = e;
            r->proxy = proxy_free(r->proxy);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (r->proxy)
            proxy_upload(r, upload_data, *upload_size);
        else if (r->route)
            body_append(r, upload_data, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->proxy) return proxy_finish(r);
    if (r->failed || !r->route) return (enum MHD_Result)http_send_error(r, &r->early);
    return finish(r);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct req *r = calloc(1, sizeof(*r));
    (void)cls;
    if (!r) return NULL;
    r->conn = conn;
    r->raw_uri = strdup(uri ? uri : "/");
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    req_free(*con_cls);
    *con_cls = NULL;
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
    char buf[512];
    (void)cls;
    vsnprintf(buf, sizeof(buf), fmt, ap);
    buf[strcspn(buf, "\n")] = 0;
    log_debug("http: %s", buf);
}

int http_start(int listen_fd, const struct sd_config *cfg)
{
    g_cfg = cfg;
    daemon_handle = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_ALLOW_UPGRADE |
            MHD_USE_ERROR_LOG | MHD_USE_POLL,
        0, NULL, NULL, on_request, NULL, MHD_OPTION_LISTEN_SOCKET, listen_fd,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)600, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error,
        NULL, MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000, MHD_OPTION_END);
    return daemon_handle ? 0 : -EIO;
}

void http_stop(void)
{
    if (daemon_handle) MHD_stop_daemon(daemon_handle);
    daemon_handle = NULL;
}
