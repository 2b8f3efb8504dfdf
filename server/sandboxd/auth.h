/* The API key: OPEN-SANDBOX-API-KEY must equal it on every route except /health and the
 * proxy routes. Read from --api-key-file, else STATE_DIR/api_key, generated (0600) on the
 * first start. */
#ifndef SANDBOXD_AUTH_H
#define SANDBOXD_AUTH_H
#include <stddef.h>

#include "apierr.h"
#include "config.h"

int auth_init(const struct sd_config *cfg, char *err, size_t errlen);
/* 0 when given matches, else -1 with e filled (401 MISSING_API_KEY / INVALID_API_KEY). */
int auth_check(const char *given, struct api_err *e);
#endif
