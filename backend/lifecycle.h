/* Client for the OpenSandbox Lifecycle API (sandboxd or any server speaking it).
 * Functions return 0 or a negative errno; on failure *msg (if given) receives the server's
 * message (or the transport error), to be freed by the caller. JSON results are jansson
 * references owned by the caller. */
#ifndef SBX_LIFECYCLE_H
#define SBX_LIFECYCLE_H
#include <jansson.h>
#include "execd.h"

struct sbx_server {
    char base[256];    /* "http://127.0.0.1:8080" (no trailing '/'; "/v1" is appended) */
    char key_hdr[256]; /* "OPEN-SANDBOX-API-KEY: ..." or "" */
};

/* Generic call: METHOD /v1PATH with an optional JSON body; *out gets the parsed JSON answer (or
 * NULL for an empty one). */
int sbx_lc_call(const struct sbx_server *s, const char *method, const char *path, json_t *body,
                json_t **out, char **msg);

/* Every sandbox (all pages), newest first: a JSON array of Sandbox objects. */
int sbx_lc_list(const struct sbx_server *s, json_t **items, char **msg);

/* The execd of sandbox id: endpoint of port 44772 + its headers. */
int sbx_lc_execd(const struct sbx_server *s, const char *id, struct sbx_execd *x, char **msg);

/* "http://ENDPOINT" of any port, and its headers object (may be NULL). */
int sbx_lc_endpoint(const struct sbx_server *s, const char *id, int port, char *url, size_t cap,
                    json_t **headers, char **msg);

#endif
