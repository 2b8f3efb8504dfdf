/* The one call sandboxd makes to execd itself: GET /ping with the sandbox's access token. */
#ifndef SANDBOXD_EXECD_CLIENT_H
#define SANDBOXD_EXECD_CLIENT_H

/* 0 when execd at addr answers /ping with 200 within timeout_ms; -ECONNREFUSED while nothing
 * listens yet, -EACCES on 401, -EPROTO on another status, other -errno otherwise. */
int execd_ping(const char *addr, const char *token, int timeout_ms);
#endif
