/* Unit tests of sandboxd's input validation, times and config parsing. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "config.h"
#include "util.h"
#include "validate.h"

static struct sd_config cfg;

static int parse(const char *json, struct create_req *q, struct api_err *e)
{
    json_t *j = json_loads(json, 0, NULL);
    int r = create_req_parse(j, &cfg, q, e);
    json_decref(j);
    return r;
}

static void test_sizes(void)
{
    uint64_t v = 0;
    ok(parse_cpu("500m", &v) == 0 && v == 500, "cpu 500m");
    ok(parse_cpu("1", &v) == 0 && v == 1000, "cpu 1");
    ok(parse_cpu("0.25", &v) == 0 && v == 250, "cpu 0.25");
    ok(parse_cpu("-1", &v) != 0 && parse_cpu("abc", &v) != 0 && parse_cpu("", &v) != 0,
       "bad cpu rejected");
    ok(parse_memory("512Mi", &v) == 0 && v == 512ULL << 20, "memory 512Mi");
    ok(parse_memory("2Gi", &v) == 0 && v == 2ULL << 30, "memory 2Gi");
    ok(parse_memory("1G", &v) == 0 && v == 1000000000ULL, "memory 1G");
    ok(parse_memory("4096", &v) == 0 && v == 4096, "memory bytes");
    ok(parse_memory("12Qi", &v) != 0 && parse_memory("-5Mi", &v) != 0, "bad memory rejected");
}

static void test_times(void)
{
    int64_t ms = 0;
    char buf[TIME_STR_MAX];
    ok(time_parse("2025-11-16T14:30:45Z", &ms) == 0 && ms == 1763303445000LL, "parse Z");
    ok(time_parse("2025-11-16T14:30:45.5+01:00", &ms) == 0 && ms == 1763299845500LL,
       "parse fraction and offset");
    ok(time_parse("2025-11-16T14:30:45.123456789Z", &ms) == 0 && ms % 1000 == 123,
       "parse nanoseconds");
    ok(time_parse("2025-11-16", &ms) != 0 && time_parse("x", &ms) != 0 &&
           time_parse("2025-13-01T00:00:00Z", &ms) != 0,
       "bad times rejected");
    time_format(1763303445123LL, buf);
    ok(!strcmp(buf, "2025-11-16T14:30:45.123Z"), "format %s", buf);
}

static void test_create(void)
{
    struct create_req q;
    struct api_err e;
    ok(parse("{\"image\":{\"uri\":\"host\"},\"entrypoint\":[\"sleep\",\"9\"],\"timeout\":120,"
             "\"resourceLimits\":{\"cpu\":\"500m\",\"memory\":\"512Mi\"},\"env\":{\"A\":\"1\"},"
             "\"metadata\":{\"tag\":\"x\"}}",
             &q, &e) == 0 &&
           q.timeout_s == 120 && !q.manual_cleanup && q.cpu_millis == 500 &&
           q.memory_bytes == 512ULL << 20 && !strcmp(q.image, "host"),
       "valid create parsed");
    create_req_free(&q);
    ok(parse("{\"image\":{\"uri\":\"host\"}}", &q, &e) == 0 && q.manual_cleanup &&
           q.entrypoint == NULL,
       "timeout and entrypoint optional");
    create_req_free(&q);
    ok(parse("{\"image\":{\"uri\":\"host\"},\"timeout\":30}", &q, &e) != 0 && e.status == 400 &&
           strstr(e.message, "at least 60"),
       "timeout < 60 rejected: %s", e.message);
    ok(parse("{\"image\":{\"uri\":\"host\"},\"snapshotId\":\"s\"}", &q, &e) != 0 &&
           strstr(e.message, "exactly one"),
       "image and snapshotId rejected");
    ok(parse("{}", &q, &e) != 0, "neither image nor snapshot rejected");
    ok(parse("{\"image\":{\"uri\":\"host\"},\"metadata\":{\"opensandbox.io/x\":\"1\"}}", &q, &e) !=
               0 &&
           !strcmp(e.code, E_INVALID_METADATA_LABEL),
       "reserved metadata key rejected");
    ok(parse("{\"image\":{\"uri\":\"host\"},\"networkPolicy\":{\"defaultAction\":\"deny\"}}", &q,
             &e) == 0 &&
           q.deny_egress,
       "deny all egress");
    create_req_free(&q);
    ok(parse("{\"image\":{\"uri\":\"host\"},\"networkPolicy\":{\"defaultAction\":\"deny\","
             "\"egress\":[{\"action\":\"allow\",\"target\":\"pypi.org\"}]}}",
             &q, &e) != 0 &&
           strstr(e.message, "not supported"),
       "egress allow rules rejected clearly");
    ok(parse("{\"image\":{\"uri\":\"host\"},\"volumes\":[{\"name\":\"v\",\"host\":{\"path\":"
             "\"/tmp\"},\"mountPath\":\"/data\"}]}",
             &q, &e) != 0 &&
           strstr(e.message, "allowed_host_paths"),
       "host volume without allow-list rejected");
    cfg.allowed_host_paths[0] = strdup("/tmp");
    cfg.n_allowed_host_paths = 1;
    ok(parse("{\"image\":{\"uri\":\"host\"},\"volumes\":[{\"name\":\"v\",\"host\":{\"path\":"
             "\"/tmp\"},\"mountPath\":\"/data\",\"readOnly\":true}]}",
             &q, &e) == 0 &&
           q.n_vols == 1 && q.vols[0].read_only && !strcmp(q.vols[0].mount_path, "/data"),
       "allowed host volume accepted");
    create_req_free(&q);
    ok(parse("{\"image\":{\"uri\":\"host\"},\"volumes\":[{\"name\":\"v\",\"host\":{\"path\":"
             "\"/etc\"},\"mountPath\":\"/data\"}]}",
             &q, &e) != 0 &&
           strstr(e.message, "not under"),
       "host volume outside the allow-list rejected");
    ok(parse("{\"image\":{\"uri\":\"host\"},\"volumes\":[{\"name\":\"v\",\"host\":{\"path\":"
             "\"/tmp/../etc\"},\"mountPath\":\"/data\"}]}",
             &q, &e) != 0,
       "'..' in a host path rejected");
    ok(parse("{\"image\":{\"uri\":\"host\"},\"resourceLimits\":{\"gpu\":\"1\"}}", &q, &e) != 0,
       "gpu rejected");
    ok(parse("{\"image\":{\"uri\":\"host\"},\"platform\":{\"os\":\"windows\",\"arch\":\"amd64\"}}",
             &q, &e) != 0,
       "impossible platform rejected");
    ok(parse("{\"image\":{\"uri\":\"host\"},\"extensions\":{\"poolRef\":\"p\"}}", &q, &e) != 0,
       "poolRef rejected");
}

static void test_metadata(void)
{
    json_t *meta = json_pack("{s:s, s:s}", "a", "1", "b", "2"), *patch, *f = NULL;
    struct api_err e;
    patch = json_pack("{s:s, s:n, s:s}", "a", "9", "b", "c", "3");
    ok(metadata_merge(meta, patch, &e) == 0 && json_object_size(meta) == 2 &&
           !strcmp(json_string_value(json_object_get(meta, "a")), "9") &&
           !json_object_get(meta, "b"),
       "merge patch sets, deletes, adds");
    json_decref(patch);
    patch = json_pack("{s:s}", "opensandbox.io/id", "x");
    ok(metadata_merge(meta, patch, &e) != 0 && json_object_size(meta) == 2,
       "reserved key in patch rejected, nothing changed");
    json_decref(patch);
    patch = json_pack("{s:i}", "a", 1);
    ok(metadata_merge(meta, patch, &e) != 0, "non-string value rejected");
    json_decref(patch);
    ok(metadata_filter_parse("a=9&c=3", &f, &e) == 0 && metadata_matches(meta, f),
       "AND filter matches");
    json_decref(f);
    ok(metadata_filter_parse("a=9&c=4", &f, &e) == 0 && !metadata_matches(meta, f),
       "AND filter rejects a partial match");
    json_decref(f);
    ok(metadata_filter_parse("note=Demo%2520Test", &f, &e) == 0 &&
           !strcmp(json_string_value(json_object_get(f, "note")), "Demo%20Test"),
       "filter values are percent-decoded once");
    json_decref(f);
    json_decref(meta);
}

static void test_config(void)
{
    struct sd_config c;
    char err[CFG_ERR_MAX];
    config_defaults(&c, "sandboxd");
    ok(!strcmp(c.listen, "127.0.0.1:8080") && c.min_timeout == 60, "defaults");
    ok(config_apply_line(&c, "min_timeout = 2", err) == 0 && c.min_timeout == 2, "int key");
    ok(config_apply_line(&c, "[server]", err) == 0 && config_apply_line(&c, "# x", err) == 0,
       "sections and comments");
    ok(config_apply_line(&c, "public_host = \"example:1\"", err) == 0 &&
           !strcmp(c.public_host, "example:1"),
       "string key");
    ok(config_apply_line(&c, "allowed_host_paths = [\"/a\", \"/b/c\"]", err) == 0 &&
           c.n_allowed_host_paths == 2 && !strcmp(c.allowed_host_paths[1], "/b/c"),
       "array key");
    ok(config_apply_line(&c, "nonsense = 1", err) != 0, "unknown key rejected");
    ok(config_apply_line(&c, "listen = unquoted", err) != 0, "unquoted string rejected");
    config_free(&c);
}

int main(void)
{
    config_defaults(&cfg, "sandboxd");
    test_sizes();
    test_times();
    test_create();
    test_metadata();
    test_config();
    config_free(&cfg);
    return done_testing(0);
}
