/* The HTTP layer between libmicrohttpd and the API handlers.
 *
 * A request is routed by method and path (after an optional "/v1" prefix) through the const
 * route table of routes.c. Handlers fill a struct resp and return 0, or fill a struct api_err
 * and return -1; the layer adds X-Request-ID, JSON content type, and Content-Length: 0 on
 * empty answers. Proxy routes (/sandboxes/ID/proxy/PORT/...) stream instead (proxy.c). */
#ifndef SANDBOXD_HTTP_H
#define SANDBOXD_HTTP_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "apierr.h"
#include "config.h"

#define MAX_BODY (1 << 20)
#define MAX_PARAMS 3
#define PARAM_MAX 256
#define REQUEST_ID_MAX 128

struct MHD_Connection;
struct proxy;

struct req {
    struct MHD_Connection *conn;
    char *raw_uri; /* as received, with the query string */
    const char *method;
    char request_id[REQUEST_ID_MAX];
    const struct route *route;
    char params[MAX_PARAMS][PARAM_MAX];
    char *body;
    size_t body_len;
    bool too_large, started;
    bool failed; /* routing or auth failed: early is answered once the body is read */
    struct api_err early;
    struct proxy *proxy; /* proxy routes only */
};

struct resp {
    int status;
    json_t *json;       /* owned; NULL = empty body */
    char location[256]; /* optional Location header */
};

typedef int (*handler_fn)(struct req *r, struct resp *out, struct api_err *e);

#define ROUTE_NOAUTH 1

struct route {
    const char *method;
    const char *pattern; /* segments; "*" captures one segment */
    handler_fn fn;
    int flags;
};

/* Matches path (no leading "/v1", no query) against the table. Returns the route, or NULL with
 * *ret_status 404 (no such path) or 405 (path known, method not). Captures into params. */
const struct route *route_find(const char *method, const char *path,
                               char params[MAX_PARAMS][PARAM_MAX], int *ret_status);

/* Pure matcher used by route_find: 1 when path matches pattern, capturing "*" segments. */
int route_match(const char *pattern, const char *path, char params[MAX_PARAMS][PARAM_MAX]);

/* Strips "/v1" and trailing slashes: "/v1/sandboxes/" -> "sandboxes". */
void route_normalize(const char *url, char *out, size_t cap);

/* Is this a proxy path ("sandboxes/ID/proxy/PORT[/...]")? Fills id and port and the offset of
 * the rest (including its leading '/') in the raw path. */
bool route_is_proxy(const char *path, char id[PARAM_MAX], int *port);

/* Request helpers for handlers. */
const char *req_param(const struct req *r, int i);
const char *req_query(const struct req *r, const char *key);
size_t req_query_all(const struct req *r, const char *key, const char **vals, size_t cap);
const char *req_header(const struct req *r, const char *key);
/* Parses the body as JSON (an empty body is NULL when allow_empty). */
int req_json(const struct req *r, json_t **ret, bool allow_empty, struct api_err *e);

/* Answers with a {"code","message"} error. */
int http_send_error(struct req *r, const struct api_err *e);

/* Starts the server on an already listening socket. Returns 0 or -errno. */
int http_start(int listen_fd, const struct sd_config *cfg);
void http_stop(void);

/* The configuration the server runs with (set by http_start). */
extern const struct sd_config *g_cfg;
#endif
