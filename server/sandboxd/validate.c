/* API input validation. Every failure names the field and what to fix. */
#include "validate.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#define BAD(e, ...) api_fail(e, 400, E_INVALID_PARAMETER, __VA_ARGS__)

int parse_cpu(const char *s, uint64_t *ret)
{
    char *end;
    double v;
    if (!s || !*s || isspace((unsigned char)*s) || *s == '-') return -EINVAL;
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || v <= 0) return -EINVAL;
    if (!strcmp(end, "m"))
        v /= 1000.0;
    else if (*end)
        return -EINVAL;
    if (v > 4096 || v * 1000 < 1) return -EINVAL;
    *ret = (uint64_t)(v * 1000 + 0.5);
    return 0;
}

int parse_memory(const char *s, uint64_t *ret)
{
    static const struct {
        const char *suffix;
        double mult;
    } units[] = {{"", 1},
                 {"k", 1e3},
                 {"K", 1e3},
                 {"M", 1e6},
                 {"G", 1e9},
                 {"T", 1e12},
                 {"Ki", 1024.0},
                 {"Mi", 1048576.0},
                 {"Gi", 1073741824.0},
                 {"Ti", 1099511627776.0}};
    char *end;
    double v;
    if (!s || !*s || isspace((unsigned char)*s) || *s == '-') return -EINVAL;
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || v <= 0) return -EINVAL;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(end, units[i].suffix)) continue;
        v *= units[i].mult;
        if (v < 1 || v > 1e18) return -EINVAL;
        *ret = (uint64_t)v;
        return 0;
    }
    return -EINVAL;
}

int metadata_check(const char *key, const json_t *value, struct api_err *e)
{
    if (!*key || strlen(key) > META_KEY_MAX)
        return api_fail(e, 400, E_INVALID_METADATA_LABEL,
                        "metadata key '%.80s' must be 1 to %d characters", key, META_KEY_MAX);
    if (!strncmp(key, RESERVED_PREFIX, strlen(RESERVED_PREFIX)))
        return api_fail(e, 400, E_INVALID_METADATA_LABEL,
                        "metadata key '%.200s' uses the reserved prefix '" RESERVED_PREFIX
                        "'; choose another key",
                        key);
    if (value && !json_is_string(value))
        return api_fail(e, 400, E_INVALID_METADATA_LABEL,
                        "metadata value of '%.200s' must be a string", key);
    if (value && strlen(json_string_value(value)) > META_VALUE_MAX)
        return api_fail(e, 400, E_INVALID_METADATA_LABEL,
                        "metadata value of '%.200s' is longer than %d bytes", key, META_VALUE_MAX);
    return 0;
}

int metadata_merge(json_t *meta, const json_t *patch, struct api_err *e)
{
    const char *k;
    json_t *v;
    if (!json_is_object(patch))
        return api_fail(e, 400, "INVALID_METADATA_FORMAT",
                        "the metadata patch must be a JSON object of string or null values");
    json_object_foreach((json_t *)patch, k, v)
    {
        if (!json_is_null(v) && metadata_check(k, v, e)) return -1;
        if (json_is_null(v) && metadata_check(k, NULL, e)) return -1;
    }
    json_object_foreach((json_t *)patch, k, v)
    {
        if (json_is_null(v))
            json_object_del(meta, k);
        else
            json_object_set(meta, k, v);
    }
    if (json_object_size(meta) > META_MAX_KEYS)
        return api_fail(e, 400, E_INVALID_METADATA_LABEL, "more than %d metadata keys",
                        META_MAX_KEYS);
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes s[0..n) into a new string ('+' is a space, as in form encoding). */
static char *pct_decode(const char *s, size_t n)
{
    char *out = malloc(n + 1), *o = out;
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            *o++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            *o++ = s[i] == '+' ? ' ' : s[i];
        }
    }
    *o = 0;
    return out;
}

int metadata_filter_parse(const char *s, json_t **ret, struct api_err *e)
{
    json_t *f = json_object();
    const char *p = s;
    while (*p) {
        size_t n = strcspn(p, "&");
        const char *eq = memchr(p, '=', n);
        if (n == 0) {
            p++;
            continue;
        }
        if (!eq) {
            json_decref(f);
            return BAD(e, "metadata filter '%.200s' must look like key=value&key2=value2", s);
        }
        char *k = pct_decode(p, (size_t)(eq - p)),
             *v = pct_decode(eq + 1, n - (size_t)(eq - p) - 1);
        json_object_set_new(f, k, json_string(v));
        free(k);
        free(v);
        p += n;
    }
    *ret = f;
    return 0;
}

bool metadata_matches(const json_t *meta, const json_t *filter)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)filter, k, v)
    {
        json_t *have = json_object_get(meta, k);
        if (!json_is_string(have) || strcmp(json_string_value(have), json_string_value(v)))
            return false;
    }
    return true;
}

static bool has_dotdot(const char *p)
{
    for (const char *s = p; (s = strstr(s, "..")); s += 2)
        if ((s == p || s[-1] == '/') && (s[2] == 0 || s[2] == '/')) return true;
    return false;
}

/* True when path equals prefix or lies below it (component boundary). */
static bool under(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    while (n > 1 && prefix[n - 1] == '/')
        n--;
    if (strncmp(path, prefix, n)) return false;
    return path[n] == 0 || path[n] == '/' || (n == 1 && prefix[0] == '/');
}

int host_volume_resolve(const struct sd_config *cfg, const char *path, const char *sub, char **ret,
                        struct api_err *e)
{
    char joined[PATH_MAX], real[PATH_MAX], realprefix[PATH_MAX];
    struct stat st;

    if (!path || path[0] != '/' || has_dotdot(path))
        return BAD(e, "volume host.path '%.200s' must be an absolute path without '..'",
                   path ? path : "");
    if (sub && (sub[0] == '/' || has_dotdot(sub)))
        return BAD(e, "volume subPath '%.200s' must be relative without '..'", sub);
    if (cfg->n_allowed_host_paths == 0)
        return BAD(e,
                   "host volumes are disabled: add a prefix of '%.200s' to allowed_host_paths in "
                   "the sandboxd config file",
                   path);
    if ((size_t)snprintf(joined, sizeof(joined), "%s%s%s", path, sub && *sub ? "/" : "",
                         sub ? sub : "") >= sizeof(joined))
        return BAD(e, "volume path is too long");
    if (!realpath(joined, real) || stat(real, &st) != 0)
        return BAD(e, "volume host path '%.200s' does not exist on the server", joined);
    for (size_t i = 0; i < cfg->n_allowed_host_paths; i++) {
        const char *pre = cfg->allowed_host_paths[i];
        if (realpath(pre, realprefix)) pre = realprefix;
        if (under(real, pre)) {
            *ret = strdup(real);
            return 0;
        }
    }
    return BAD(e, "volume host path '%.200s' is not under an allowed prefix (allowed_host_paths)",
               joined);
}

void create_req_free(struct create_req *r)
{
    free(r->image);
    free(r->snapshot_id);
    json_decref(r->entrypoint);
    json_decref(r->env);
    json_decref(r->metadata);
    json_decref(r->platform);
    json_decref(r->extensions);
    json_decref(r->resources);
    json_decref(r->volumes);
    for (size_t i = 0; i < r->n_vols; i++)
        free(r->vol_host[i]);
    memset(r, 0, sizeof(*r));
}

static int string_map(const json_t *body, const char *field, json_t **ret, struct api_err *e)
{
    json_t *v = json_object_get(body, field), *copy;
    const char *k;
    json_t *x;
    if (!v || json_is_null(v)) {
        *ret = json_object();
        return 0;
    }
    if (!json_is_object(v)) return BAD(e, "'%s' must be an object of string values", field);
    json_object_foreach(v, k, x)
    {
        if (!json_is_string(x)) return BAD(e, "'%s.%.200s' must be a string", field, k);
    }
    copy = json_deep_copy(v);
    *ret = copy;
    return 0;
}

static int parse_image(const json_t *body, const struct sd_config *cfg, struct create_req *r,
                       struct api_err *e)
{
    json_t *img = json_object_get(body, "image"), *snap = json_object_get(body, "snapshotId");
    bool has_img = img && !json_is_null(img), has_snap = snap && !json_is_null(snap);
    if (has_img == has_snap) return BAD(e, "give exactly one of 'image' or 'snapshotId'");
    if (has_snap) {
        if (!json_is_string(snap) || !*json_string_value(snap))
            return BAD(e, "'snapshotId' must be a non-empty string");
        r->snapshot_id = strdup(json_string_value(snap));
        return 0;
    }
    json_t *uri = json_object_get(img, "uri");
    if (!json_is_object(img) || !json_is_string(uri) || !*json_string_value(uri))
        return BAD(e, "'image.uri' must be a non-empty string (e.g. \"host\")");
    if (strlen(json_string_value(uri)) >= 1024) return BAD(e, "'image.uri' is too long");
    if (json_string_value(uri)[0] == '/') /* a directory rootfs is a host path like a volume */
        return host_volume_resolve(cfg, json_string_value(uri), NULL, &r->image, e);
    r->image = strdup(json_string_value(uri));
    return 0;
}

static int parse_entrypoint(const json_t *body, struct create_req *r, struct api_err *e)
{
    json_t *ep = json_object_get(body, "entrypoint"), *x;
    size_t i;
    if (!ep || json_is_null(ep)) return 0;
    if (!json_is_array(ep) || json_array_size(ep) == 0 || json_array_size(ep) > 256)
        return BAD(e, "'entrypoint' must be a non-empty array of strings, e.g. [\"tail\", "
                      "\"-f\", \"/dev/null\"]");
    json_array_foreach(ep, i, x)
    {
        if (!json_is_string(x)) return BAD(e, "'entrypoint[%zu]' must be a string", i);
    }
    if (!*json_string_value(json_array_get(ep, 0)))
        return BAD(e, "'entrypoint[0]' must name a program");
    r->entrypoint = json_deep_copy(ep);
    return 0;
}

static int parse_timeout(const json_t *body, const struct sd_config *cfg, struct create_req *r,
                         struct api_err *e)
{
    json_t *t = json_object_get(body, "timeout");
    if (!t || json_is_null(t)) {
        r->manual_cleanup = true;
        return 0;
    }
    if (!json_is_integer(t))
        return BAD(e, "'timeout' must be an integer number of seconds or null");
    r->timeout_s = json_integer_value(t);
    if (r->timeout_s < cfg->min_timeout)
        return BAD(e, "'timeout' must be at least %lld seconds (or null for manual cleanup)",
                   (long long)cfg->min_timeout);
    if (cfg->max_timeout && r->timeout_s > cfg->max_timeout)
        return BAD(e, "'timeout' must be at most %lld seconds (max_timeout)",
                   (long long)cfg->max_timeout);
    if (r->timeout_s > 10LL * 365 * 86400) return BAD(e, "'timeout' is too large");
    return 0;
}

static int parse_resources(const json_t *body, struct create_req *r, struct api_err *e)
{
    const char *k;
    json_t *v;
    if (string_map(body, "resourceLimits", &r->resources, e)) return -1;
    json_object_foreach(r->resources, k, v)
    {
        const char *s = json_string_value(v);
        if (!strcmp(k, "cpu")) {
            if (parse_cpu(s, &r->cpu_millis))
                return BAD(e,
                           "resourceLimits.cpu '%.50s' must be cores (\"1\", \"0.5\") or "
                           "millicores (\"500m\")",
                           s);
        } else if (!strcmp(k, "memory")) {
            if (parse_memory(s, &r->memory_bytes))
                return BAD(e,
                           "resourceLimits.memory '%.50s' must be bytes with an optional "
                           "unit (\"512Mi\", \"2Gi\", \"1G\")",
                           s);
        } else if (!strcmp(k, "pids")) {
            char *end;
            errno = 0;
            unsigned long long n = strtoull(s, &end, 10);
            if (errno || end == s || *end || n == 0 || *s == '-')
                return BAD(e, "resourceLimits.pids '%.50s' must be a positive integer", s);
            r->pids = n;
        } else {
            return BAD(e,
                       "resourceLimits.%.50s is not supported by this server (cpu, memory, "
                       "pids are)",
                       k);
        }
    }
    return 0;
}

static int parse_platform(const json_t *body, struct create_req *r, struct api_err *e)
{
    json_t *p = json_object_get(body, "platform");
    struct utsname u;
    const char *arch = "amd64";
    if (!p || json_is_null(p)) return 0;
    const char *os = json_string_value(json_object_get(p, "os"));
    const char *want = json_string_value(json_object_get(p, "arch"));
    if (!json_is_object(p) || !os || !want)
        return BAD(e, "'platform' needs string fields 'os' and 'arch'");
    if (uname(&u) == 0 && !strcmp(u.machine, "aarch64")) arch = "arm64";
    if (strcmp(os, "linux") || strcmp(want, arch))
        return BAD(e, "platform %.20s/%.20s cannot be satisfied: this server runs linux/%s", os,
                   want, arch);
    r->platform = json_deep_copy(p);
    return 0;
}

static int parse_network(const json_t *body, struct create_req *r, struct api_err *e)
{
    json_t *np = json_object_get(body, "networkPolicy"), *rules, *rule;
    json_t *cp = json_object_get(body, "credentialProxy");
    const char *def;
    size_t i, n_allow = 0, n_deny = 0;

    if (cp && json_is_true(json_object_get(cp, "enabled")))
        return BAD(e, "credentialProxy is not supported by this server (no egress sidecar)");
    if (!np || json_is_null(np) || (json_is_object(np) && json_object_size(np) == 0)) return 0;
    if (!json_is_object(np)) return BAD(e, "'networkPolicy' must be an object");
    def = json_string_value(json_object_get(np, "defaultAction"));
    if (json_object_get(np, "defaultAction") &&
        (!def || (strcmp(def, "allow") && strcmp(def, "deny"))))
        return BAD(e, "networkPolicy.defaultAction must be \"allow\" or \"deny\"");
    rules = json_object_get(np, "egress");
    if (rules && !json_is_null(rules) && !json_is_array(rules))
        return BAD(e, "networkPolicy.egress must be an array of rules");
    json_array_foreach(rules, i, rule)
    {
        const char *a = json_string_value(json_object_get(rule, "action"));
        if (!a || !json_is_string(json_object_get(rule, "target")) ||
            (strcmp(a, "allow") && strcmp(a, "deny")))
            return BAD(e, "networkPolicy.egress[%zu] needs action \"allow\"|\"deny\" and a target",
                       i);
        if (!strcmp(a, "allow"))
            n_allow++;
        else
            n_deny++;
    }
    if (!def || !strcmp(def, "deny")) {
        if (n_allow)
            return BAD(e, "networkPolicy egress allow rules are not supported by this server yet: "
                          "it can only deny all egress (defaultAction \"deny\" with no allow "
                          "rules) or allow all");
        r->deny_egress = true;
        return 0;
    }
    if (n_deny)
        return BAD(e, "networkPolicy egress deny rules are not supported by this server yet: it "
                      "can only deny all egress or allow all");
    return 0;
}

static int parse_one_volume(const json_t *v, size_t i, const struct sd_config *cfg,
                            struct create_req *r, struct api_err *e)
{
    const char *name = json_string_value(json_object_get(v, "name"));
    const char *mp = json_string_value(json_object_get(v, "mountPath"));
    json_t *host = json_object_get(v, "host"), *sub = json_object_get(v, "subPath");
    char *real = NULL;

    if (!json_is_object(v) || !name || !*name || !mp || mp[0] != '/' || has_dotdot(mp))
        return BAD(e, "volumes[%zu] needs a 'name' and an absolute 'mountPath' without '..'", i);
    if (json_object_get(v, "pvc") || json_object_get(v, "ossfs"))
        return BAD(e, "volumes[%zu] ('%.60s'): only 'host' volumes are supported by this server", i,
                   name);
    if (!json_is_object(host))
        return BAD(e, "volumes[%zu] ('%.60s') needs a 'host' backend with a 'path'", i, name);
    if (sub && !json_is_null(sub) && !json_is_string(sub))
        return BAD(e, "volumes[%zu].subPath must be a string", i);
    if (host_volume_resolve(cfg, json_string_value(json_object_get(host, "path")),
                            json_string_value(sub), &real, e))
        return -1;
    r->vol_host[r->n_vols] = real;
    r->vols[r->n_vols].host_path = real;
    r->vols[r->n_vols].mount_path = mp; /* borrowed from r->volumes */
    r->vols[r->n_vols].read_only = json_is_true(json_object_get(v, "readOnly"));
    r->n_vols++;
    return 0;
}

static int parse_volumes(const json_t *body, const struct sd_config *cfg, struct create_req *r,
                         struct api_err *e)
{
    json_t *vols = json_object_get(body, "volumes"), *v;
    size_t i;
    if (!vols || json_is_null(vols)) {
        r->volumes = json_array();
        return 0;
    }
    if (!json_is_array(vols) || json_array_size(vols) > MAX_VOLUMES)
        return BAD(e, "'volumes' must be an array of at most %d volumes", MAX_VOLUMES);
    r->volumes = json_deep_copy(vols);
    json_array_foreach(r->volumes, i, v)
    {
        if (parse_one_volume(v, i, cfg, r, e)) return -1;
    }
    return 0;
}

static int check_metadata(struct create_req *r, struct api_err *e)
{
    const char *k;
    json_t *v;
    json_object_foreach(r->metadata, k, v)
    {
        if (metadata_check(k, v, e)) return -1;
    }
    if (json_object_size(r->metadata) > META_MAX_KEYS)
        return api_fail(e, 400, E_INVALID_METADATA_LABEL, "more than %d metadata keys",
                        META_MAX_KEYS);
    return 0;
}

static int check_extensions(struct create_req *r, struct api_err *e)
{
    if (json_object_get(r->extensions, "poolRef"))
        return api_fail(e, 400, "SANDBOX::UNSUPPORTED_POOL_REF",
                        "extensions.poolRef is not supported by this server (no pools)");
    return 0;
}

int create_req_parse(const json_t *body, const struct sd_config *cfg, struct create_req *out,
                     struct api_err *e)
{
    struct create_req r = {0};
    if (!json_is_object(body)) {
        BAD(e, "the request body must be a JSON object");
        return -1;
    }
    if (parse_image(body, cfg, &r, e) || parse_entrypoint(body, &r, e) ||
        parse_timeout(body, cfg, &r, e) || string_map(body, "env", &r.env, e) ||
        string_map(body, "metadata", &r.metadata, e) || check_metadata(&r, e) ||
        string_map(body, "extensions", &r.extensions, e) || check_extensions(&r, e) ||
        parse_resources(body, &r, e) || parse_platform(body, &r, e) || parse_network(body, &r, e) ||
        parse_volumes(body, cfg, &r, e)) {
        create_req_free(&r);
        return -1;
    }
    *out = r;
    return 0;
}
