/* An API error on its way to the client: HTTP status, upstream error code, message. */
#ifndef SANDBOXD_APIERR_H
#define SANDBOXD_APIERR_H
#include <stdarg.h>
#include <stdio.h>

#define API_MSG_MAX 768

struct api_err {
    int status;       /* HTTP status */
    const char *code; /* static string, e.g. "SANDBOX::INVALID_PARAMETER" */
    char message[API_MSG_MAX];
};

/* Upstream's codes (OpenSandbox server/services/constants.py); sandboxd plays the role of the
 * single-machine Docker runtime, so its runtime errors use the DOCKER:: codes. */
#define E_INVALID_PARAMETER "SANDBOX::INVALID_PARAMETER"
#define E_INVALID_METADATA_LABEL "SANDBOX::INVALID_METADATA_LABEL"
#define E_API_NOT_SUPPORTED "SANDBOX::API_NOT_SUPPORTED"
#define E_UNKNOWN "SANDBOX::UNKNOWN_ERROR"
#define E_NOT_FOUND "DOCKER::SANDBOX_NOT_FOUND"
#define E_NOT_RUNNING "DOCKER::SANDBOX_NOT_RUNNING"
#define E_NOT_PAUSED "DOCKER::SANDBOX_NOT_PAUSED"
#define E_START_FAILED "DOCKER::SANDBOX_START_FAILED"
#define E_IMAGE_FAILED "DOCKER::SANDBOX_IMAGE_PULL_FAILED"
#define E_DELETE_FAILED "DOCKER::SANDBOX_DELETE_FAILED"
#define E_PAUSE_FAILED "DOCKER::SANDBOX_PAUSE_FAILED"
#define E_RESUME_FAILED "DOCKER::SANDBOX_RESUME_FAILED"
#define E_INVALID_EXPIRATION "DOCKER::INVALID_EXPIRATION"
#define E_INVALID_PORT "DOCKER::INVALID_PORT"
#define E_QUERY_FAILED "DOCKER::SANDBOX_QUERY_FAILED"
#define E_SNAP_NOT_FOUND "SNAPSHOT::NOT_FOUND"
#define E_SNAP_NOT_READY "SNAPSHOT::NOT_READY"
#define E_SNAP_SOURCE_STATE "SNAPSHOT::INVALID_SOURCE_STATE"
#define E_SNAP_DELETE_CONFLICT "SNAPSHOT::DELETE_CONFLICT"
#define E_SNAP_RESTORE "SNAPSHOT::INVALID_RESTORE_CONFIG"
#define E_GENERAL "GENERAL::UNKNOWN_ERROR"
#define E_QUOTA "SANDBOX::QUOTA_EXCEEDED"
#define E_ROUTE_NOT_FOUND "GENERAL::NOT_FOUND"
#define E_METHOD_NOT_ALLOWED "GENERAL::METHOD_NOT_ALLOWED"
#define E_MISSING_API_KEY "MISSING_API_KEY"
#define E_INVALID_API_KEY "INVALID_API_KEY"
#define E_BODY_TOO_LARGE "GENERAL::REQUEST_TOO_LARGE"
#define E_BAD_GATEWAY "GENERAL::BAD_GATEWAY"

/* Fills e and returns -1 (so handlers can `return api_fail(e, ...)`). */
__attribute__((format(printf, 4, 5))) static inline int
api_fail(struct api_err *e, int status, const char *code, const char *fmt, ...)
{
    va_list ap;
    e->status = status;
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
    return -1;
}
#endif
