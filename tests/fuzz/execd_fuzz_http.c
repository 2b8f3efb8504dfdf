/* Fuzz target: HTTP request head, query lookup, URL decoding and chunked body decoding. */
#include "http.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void fuzz_chunked(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    struct chunked_dec d = {0};
    size_t off = 0, step = 1 + (size ? data[0] % 7 : 0); /* odd splits exercise resumption */
    while (off < size && !d.done) {
        size_t n = size - off < step ? size - off : step, out = 0;
        ssize_t used = chunked_decode(&d, buf + off, n, &out);
        if (used <= 0) break;
        off += (size_t)used;
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > HTTP_MAX_HEAD) return 0;
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = 0;
    size_t end = http_head_end(buf, size);
    struct http_request req;
    if (end && http_parse_head(buf, end, &req) == 0) {
        char v[256];
        http_header_get(&req, "Content-Type");
        http_query_get(req.query, "path", v, sizeof(v));
        http_query_get_nth(req.query, "path", 1, v, sizeof(v));
    }
    free(buf);
    char out[64];
    http_url_decode((const char *)data, size, out, sizeof(out), true);
    fuzz_chunked(data, size);
    return 0;
}
