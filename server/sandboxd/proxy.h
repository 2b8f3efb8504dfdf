/* The server proxy: /sandboxes/{id}/proxy/{port}/{path} forwarded to the sandbox's execd
 * (its own routes for port 44772, its /proxy/{port} for every other port) with the sandbox's
 * access token. Request bodies and responses stream (SSE included); WebSocket upgrades are
 * relayed byte for byte. No API key is needed (as upstream). */
#ifndef SANDBOXD_PROXY_H
#define SANDBOXD_PROXY_H
#include <stddef.h>

#include "http.h"

/* Connects to the sandbox and sends the request head. 0, or -1 with e filled. */
int proxy_begin(struct req *r, const char *id, int port, struct api_err *e);
/* Forwards a piece of the request body. */
void proxy_upload(struct req *r, const char *data, size_t n);
/* Reads the upstream answer head and queues the streamed response (an enum MHD_Result). */
int proxy_finish(struct req *r);
/* Shuts down every open upstream connection (server shutdown: wakes blocked relays). */
void proxy_shutdown_all(void);
/* Frees p (NULL accepted); returns NULL. */
struct proxy *proxy_free(struct proxy *p);
#endif
