/* libFuzzer target for sandboxd's parsers: HTTP response heads, chunked bodies, RFC 3339 times,
 * resource sizes, metadata filters and patches, routes, and the create request. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http.h"
#include "httpmsg.h"
#include "util.h"
#include "validate.h"

static struct sd_config cfg;

static char *cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    return s;
}

static void fuzz_http(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1), *out = malloc(size + 1);
    struct http_head h;
    struct chunk_dec d = {0};
    memcpy(buf, data, size);
    size_t n = http_head_len(buf, size);
    if (n && http_parse_response_head(buf, n, &h) == 0) {
        http_head_get(&h, "Content-Length");
        for (size_t i = 0; i < h.n; i++)
            http_value_has_token(h.h[i].value, "chunked");
    }
    chunk_decode(&d, (const char *)data, size, out);
    free(buf);
    free(out);
}

static void fuzz_strings(const char *s)
{
    int64_t ms;
    uint64_t v;
    char path[256], params[MAX_PARAMS][PARAM_MAX], id[PARAM_MAX];
    int port;
    json_t *f = NULL;
    struct api_err e;
    char t[TIME_STR_MAX];

    if (time_parse(s, &ms) == 0) time_format(ms, t);
    parse_cpu(s, &v);
    parse_memory(s, &v);
    if (metadata_filter_parse(s, &f, &e) == 0) json_decref(f);
    route_normalize(s, path, sizeof(path));
    route_match("sandboxes/*/endpoints/*", path, params);
    route_is_proxy(path, id, &port);
}

static void fuzz_json(const uint8_t *data, size_t size)
{
    json_t *j = json_loadb((const char *)data, size, 0, NULL), *meta;
    struct create_req q;
    struct api_err e;
    if (!j) return;
    if (create_req_parse(j, &cfg, &q, &e) == 0) create_req_free(&q);
    meta = json_object();
    metadata_merge(meta, j, &e);
    json_decref(meta);
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = cstr(data, size);
    if (!cfg.listen[0]) config_defaults(&cfg, "sandboxd");
    fuzz_http(data, size);
    fuzz_strings(s);
    fuzz_json(data, size);
    free(s);
    return 0;
}
