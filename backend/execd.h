/* Client for one sandbox's execd (the OpenSandbox execd API plus our extensions, docs/execd.md).
 * All functions return 0 (or a count) on success, a negative errno on failure. */
#ifndef SBX_EXECD_H
#define SBX_EXECD_H
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "http.h"

/* Extensions announced in X-Execd-Extensions (0 against upstream's execd). */
enum {
    SBX_EXT_COMMAND_LIST = 1 << 0,
    SBX_EXT_RAW_OUTPUT = 1 << 1,
    SBX_EXT_WRITE_AT = 1 << 2,
    SBX_EXT_TRUNCATE = 1 << 3,
    SBX_EXT_SYMLINK = 1 << 4,
    SBX_EXT_COMMAND_ID_HEADER = 1 << 5,
    SBX_EXT_FILE_TYPE = 1 << 6,
    SBX_EXT_STATUS_WAIT = 1 << 7,
    SBX_EXT_SESSION_STDERR = 1 << 8,
    SBX_EXT_TIMES = 1 << 9,
    SBX_EXT_START_WAIT = 1 << 10,
};

struct sbx_execd {
    char base[256];      /* "http://HOST:PORT" or "http://HOST:PORT/proxy/44772", no trailing '/' */
    char token_hdr[192]; /* "X-EXECD-ACCESS-TOKEN: ..." or "" when none */
    unsigned ext;        /* SBX_EXT_* */
};

/* Builds "BASE/route" into url (cap bytes); -ENAMETOOLONG if it does not fit. */
int sbx_execd_url(const struct sbx_execd *x, char *url, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Fills req->headers with the token header (if any) and the given extra header (may be NULL). */
void sbx_execd_headers(const struct sbx_execd *x, struct sbx_req *req, const char *extra);

/* GET /ping; records the extensions announced. */
int sbx_execd_ping(struct sbx_execd *x);

#endif
