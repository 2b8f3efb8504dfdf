/* Unit tests of sandboxd's HTTP helpers: routes, response heads, chunked decoding; and of the
 * store (SQLite in a temp dir). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "http.h"
#include "httpmsg.h"
#include "store.h"

static void test_routes(void)
{
    char p[MAX_PARAMS][PARAM_MAX], path[256], id[PARAM_MAX];
    int port = -1;
    route_normalize("/v1/sandboxes/", path, sizeof(path));
    ok(!strcmp(path, "sandboxes"), "normalize /v1/sandboxes/");
    route_normalize("/sandboxes/abc?x=1", path, sizeof(path));
    ok(!strcmp(path, "sandboxes/abc"), "normalize without /v1, query dropped");
    ok(route_match("sandboxes/*/endpoints/*", "sandboxes/abc/endpoints/44772", p) &&
           !strcmp(p[0], "abc") && !strcmp(p[1], "44772"),
       "captures");
    ok(!route_match("sandboxes/*", "sandboxes/abc/pause", p), "no prefix match");
    ok(!route_match("sandboxes/*", "sandboxes", p), "no empty capture");
    ok(route_is_proxy("sandboxes/abc/proxy/8080/x/y", id, &port) && !strcmp(id, "abc") &&
           port == 8080,
       "proxy path");
    ok(route_is_proxy("sandboxes/abc/proxy/99999", id, &port) && port == 0,
       "proxy path with a bad port");
    ok(!route_is_proxy("sandboxes/abc/endpoints/1", id, &port), "not a proxy path");
}

static void test_head(void)
{
    char buf[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-A:  b c \r\n\r\nbody";
    struct http_head h;
    size_t n = http_head_len(buf, strlen(buf));
    ok(n == strlen(buf) - 4, "head length");
    ok(http_parse_response_head(buf, n, &h) == 0 && h.status == 200 && h.n == 2, "head parsed");
    ok(!strcmp(http_head_get(&h, "x-a"), "b c"), "header lookup trims");
    char bad[] = "HTTP/1.1 2x0 OK\r\n\r\n";
    ok(http_parse_response_head(bad, strlen(bad), &h) != 0, "bad status rejected");
    char bad2[] = "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n";
    ok(http_parse_response_head(bad2, strlen(bad2), &h) != 0, "bad header rejected");
    ok(http_head_len("HTTP/1.1 200 OK\r\n", 17) == 0, "incomplete head");
    ok(http_value_has_token("keep-alive, Upgrade", "upgrade"), "token in a list");
    ok(!http_value_has_token("upgrades", "upgrade"), "no partial token");
}

static void test_chunked(void)
{
    const char *in =
        "4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nT: x\r\n\r\n";
    char out[128];
    struct chunk_dec d = {0};
    size_t w = 0;
    /* Byte by byte: framing split anywhere must decode the same. */
    for (size_t i = 0; in[i]; i++)
        w += chunk_decode(&d, in + i, 1, out + w);
    out[w] = 0;
    ok(d.state == CH_DONE && !strcmp(out, "Wikipedia in\r\n\r\nchunks."), "chunked decode");
    struct chunk_dec d2 = {0};
    w = chunk_decode(&d2, "zz\r\n", 4, out);
    ok(d2.state == CH_ERROR, "bad chunk size is an error");
}

static void test_store(void)
{
    char dir[] = "/tmp/sbxd-store-XXXXXX", path[128], err[256];
    char ids[4][RT_ID_MAX];
    size_t n = 0;
    struct sbx_rec r = {0}, got;
    struct sbx_rec *v;
    ok(mkdtemp(dir) != NULL, "temp dir");
    snprintf(path, sizeof(path), "%s/db", dir);
    ok(store_open(path, err, sizeof(err)) == 0, "store opens");
    snprintf(r.id, sizeof(r.id), "a");
    snprintf(r.state, sizeof(r.state), "Pending");
    snprintf(r.token, sizeof(r.token), "tok");
    r.created_ms = r.transition_ms = 1000;
    r.expires_ms = 5000;
    r.image = "host";
    r.entrypoint = json_pack("[s]", "sh");
    r.metadata = json_pack("{s:s}", "k", "v");
    r.spec = json_object();
    ok(store_sbx_insert(&r) == 0, "insert a");
    snprintf(r.id, sizeof(r.id), "b");
    r.created_ms = 2000;
    r.expires_ms = 0;
    ok(store_sbx_insert(&r) == 0, "insert b");
    int saved = dup(2), devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    dup2(devnull, 2); /* the store logs the (expected) constraint error */
    ok(store_sbx_insert(&r) != 0, "duplicate id rejected");
    dup2(saved, 2);
    close(saved);
    close(devnull);
    ok(store_sbx_get("a", &got) == 0 && !strcmp(got.state, "Pending") &&
           !strcmp(json_string_value(json_object_get(got.metadata, "k")), "v") &&
           !strcmp(got.image, "host") && got.expires_ms == 5000,
       "get a");
    sbx_rec_free(&got);
    ok(store_sbx_get("zz", &got) == -ENOENT, "unknown id is ENOENT");
    ok(store_sbx_set_state("a", "Running", "ready", "m") == 0 && store_sbx_get("a", &got) == 0 &&
           !strcmp(got.state, "Running") && !strcmp(got.reason, "ready"),
       "set state");
    sbx_rec_free(&got);
    ok(store_sbx_list(&v, &n) == 0 && n == 2 && !strcmp(v[0].id, "b"), "list newest first");
    sbx_rec_free_all(v, n);
    ok(store_next_expiry() == 5000, "next expiry");
    ok(store_expired(4999, ids, 4, &n) == 0 && n == 0, "nothing expired yet");
    ok(store_expired(5000, ids, 4, &n) == 0 && n == 1 && !strcmp(ids[0], "a"), "a expired");
    ok(store_sbx_set_expiry("a", 9000) == 0 && store_next_expiry() == 9000, "renew moves it");
    ok(store_sbx_delete("a") == 0 && store_sbx_delete("a") == -ENOENT, "delete");
    ok(store_next_expiry() == 0, "no expiry left");
    store_close();
    ok(store_open(path, err, sizeof(err)) == 0 && store_sbx_get("b", &got) == 0,
       "records survive reopening");
    sbx_rec_free(&got);
    store_close();
    json_decref(r.entrypoint);
    json_decref(r.metadata);
    json_decref(r.spec);
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ok(system(cmd) == 0, "cleanup");
}

int main(void)
{
    test_routes();
    test_head();
    test_chunked();
    test_store();
    return done_testing(0);
}
