/* Validation of API input: the create request, metadata patches and filters, resource sizes,
 * host volume paths. Pure functions (no I/O except realpath/stat of volume paths). */
#ifndef SANDBOXD_VALIDATE_H
#define SANDBOXD_VALIDATE_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "apierr.h"
#include "config.h"
#include "runtime.h"

#define MAX_VOLUMES 16
#define META_KEY_MAX 253
#define META_VALUE_MAX 1024
#define META_MAX_KEYS 64
#define RESERVED_PREFIX "opensandbox.io/"

/* A validated create request. json_t members are owned references (never NULL once parsed). */
struct create_req {
    char *image;         /* image uri, or NULL with snapshot_id */
    char *snapshot_id;   /* or NULL */
    json_t *entrypoint;  /* array of strings; NULL when absent from the request */
    json_t *env;         /* object of strings */
    json_t *metadata;    /* object of strings */
    json_t *platform;    /* object or NULL */
    json_t *extensions;  /* object of strings */
    json_t *resources;   /* resourceLimits as given, {} if absent */
    json_t *volumes;     /* volumes as given, [] if absent */
    bool manual_cleanup; /* timeout null or absent */
    int64_t timeout_s;
    uint64_t cpu_millis, memory_bytes, pids;
    bool deny_egress;
    struct rt_volume vols[MAX_VOLUMES];
    char *vol_host[MAX_VOLUMES]; /* resolved host paths (owned) */
    size_t n_vols;
};

/* Parses and checks body against cfg. On failure fills e (400) and leaves out freed. */
int create_req_parse(const json_t *body, const struct sd_config *cfg, struct create_req *out,
                     struct api_err *e);
void create_req_free(struct create_req *r);

/* "500m", "1", "0.5" -> millicores. Returns 0 or -EINVAL. */
int parse_cpu(const char *s, uint64_t *ret);
/* "512Mi", "2Gi", "1G", "1048576" -> bytes. Returns 0 or -EINVAL. */
int parse_memory(const char *s, uint64_t *ret);

/* Checks a metadata key/value pair as the API accepts it (reserved prefix, sizes). */
int metadata_check(const char *key, const json_t *value, struct api_err *e);

/* Applies an RFC 7396 merge patch (string values set, null deletes) to meta. On error meta is
 * unchanged and e is filled. */
int metadata_merge(json_t *meta, const json_t *patch, struct api_err *e);

/* Parses a list filter "k=v&k2=v2" (each part percent-decoded) into an object. */
int metadata_filter_parse(const char *s, json_t **ret, struct api_err *e);
/* True when every pair of filter is in meta. */
bool metadata_matches(const json_t *meta, const json_t *filter);

/* Resolves a host volume path (plus optional subPath) and checks it against the allow-list.
 * On success *ret is a malloc'ed real path. */
int host_volume_resolve(const struct sd_config *cfg, const char *path, const char *sub, char **ret,
                        struct api_err *e);
#endif
