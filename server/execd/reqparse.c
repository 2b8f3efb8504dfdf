/* JSON body validators. */
#include "reqparse.h"
#include "execd.h"
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static int fail(const char **ret_err, const char *msg)
{
    *ret_err = msg;
    return -EINVAL;
}

/* Optional string member: absent/null leaves *out NULL; other types are an error. */
static int opt_str(json_t *o, const char *key, const char **out)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v)) return 0;
    if (!json_is_string(v)) return -EINVAL;
    *out = json_string_value(v);
    return 0;
}

static int opt_u32(json_t *o, const char *key, bool *has, uint32_t *out)
{
    json_t *v = json_object_get(o, key);
    *has = false;
    if (!v || json_is_null(v)) return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 0xffffffffLL)
        return -EINVAL;
    *has = true;
    *out = (uint32_t)json_integer_value(v);
    return 0;
}

int run_req_parse(json_t *j, struct run_req *r, const char **ret_err)
{
    memset(r, 0, sizeof(*r));
    if (!json_is_object(j)) return fail(ret_err, "request body must be a JSON object");
    if (opt_str(j, "command", &r->command) < 0 || !r->command || !*r->command)
        return fail(ret_err, "field 'command' is required and must be a non-empty string");
    if (opt_str(j, "cwd", &r->cwd) < 0) return fail(ret_err, "field 'cwd' must be a string");
    json_t *bg = json_object_get(j, "background");
    if (bg && !json_is_null(bg) && !json_is_boolean(bg))
        return fail(ret_err, "field 'background' must be a boolean");
    r->background = json_is_true(bg);
    json_t *t = json_object_get(j, "timeout");
    if (t && !json_is_null(t)) {
        if (!json_is_integer(t) || json_integer_value(t) < 0)
            return fail(ret_err, "field 'timeout' must be a non-negative integer (ms)");
        r->timeout_ms = json_integer_value(t);
    }
    if (opt_u32(j, "uid", &r->has_uid, &r->uid) < 0)
        return fail(ret_err, "field 'uid' must be a non-negative integer");
    if (opt_u32(j, "gid", &r->has_gid, &r->gid) < 0)
        return fail(ret_err, "field 'gid' must be a non-negative integer");
    if (r->has_gid && !r->has_uid) return fail(ret_err, "field 'gid' requires 'uid'");
    json_t *e = json_object_get(j, "envs");
    if (e && !json_is_null(e)) {
        if (!json_is_object(e)) return fail(ret_err, "field 'envs' must be an object of strings");
        const char *k;
        json_t *v;
        json_object_foreach(e, k, v)
        {
            if (!json_is_string(v) || !*k || strchr(k, '='))
                return fail(ret_err, "field 'envs' must map names (without '=') to strings");
        }
        r->envs = e;
    }
    return 0;
}

int code_req_parse(json_t *j, struct code_req *r, const char **ret_err)
{
    memset(r, 0, sizeof(*r));
    if (!json_is_object(j)) return fail(ret_err, "request body must be a JSON object");
    if (opt_str(j, "code", &r->code) < 0 || !r->code || !*r->code)
        return fail(ret_err, "field 'code' is required and must be a non-empty string");
    json_t *ctx = json_object_get(j, "context");
    if (ctx && !json_is_null(ctx)) {
        if (!json_is_object(ctx) || opt_str(ctx, "language", &r->language) < 0 ||
            opt_str(ctx, "id", &r->context_id) < 0)
            return fail(ret_err,
                        "field 'context' must be {\"id\"?: string, \"language\"?: string}");
    }
    return 0;
}

int mode_from_digits(int64_t digits, mode_t *ret)
{
    if (digits < 0 || digits > 7777) return -EINVAL;
    mode_t m = 0, mul = 1;
    for (int64_t d = digits; d; d /= 10, mul *= 8) {
        if (d % 10 > 7) return -EINVAL;
        m += (mode_t)(d % 10) * mul;
    }
    *ret = m;
    return 0;
}

int64_t mode_to_digits(mode_t m)
{
    int64_t d = 0, mul = 1;
    m &= 07777;
    for (; m; m /= 8, mul *= 10)
        d += (int64_t)(m % 8) * mul;
    return d;
}

int perm_req_parse(json_t *j, struct perm_req *r, const char **ret_err)
{
    memset(r, 0, sizeof(*r));
    if (!json_is_object(j)) return fail(ret_err, "permission entry must be a JSON object");
    if (opt_str(j, "path", &r->path) < 0 || opt_str(j, "owner", &r->owner) < 0 ||
        opt_str(j, "group", &r->group) < 0)
        return fail(ret_err, "fields 'path', 'owner' and 'group' must be strings");
    json_t *m = json_object_get(j, "mode");
    if (m && !json_is_null(m)) {
        if (!json_is_integer(m) || mode_from_digits(json_integer_value(m), &r->mode) < 0)
            return fail(ret_err,
                        "field 'mode' must be octal digits written as a number (e.g. 755)");
        r->has_mode = json_integer_value(m) != 0; /* upstream: 0 means no chmod */
    }
    return 0;
}

int mv_req_parse(json_t *item, struct mv_req *r, const char **ret_err)
{
    memset(r, 0, sizeof(*r));
    if (!json_is_object(item) || opt_str(item, "src", &r->src) < 0 ||
        opt_str(item, "dest", &r->dest) < 0 || !r->src || !r->dest || !*r->src || !*r->dest)
        return fail(ret_err, "each item needs string fields 'src' and 'dest'");
    json_t *o = json_object_get(item, "overwrite");
    if (o && !json_is_null(o) && !json_is_boolean(o))
        return fail(ret_err, "field 'overwrite' must be a boolean");
    r->overwrite = json_is_true(o);
    return 0;
}

int replace_req_parse(json_t *j, struct replace_req *r, const char **ret_err)
{
    memset(r, 0, sizeof(*r));
    json_t *o = json_object_get(j, "old"), *n = json_object_get(j, "new");
    if (!json_is_object(j) || !json_is_string(o) || (n && !json_is_null(n) && !json_is_string(n)))
        return fail(ret_err, "each entry needs string fields 'old' and 'new'");
    r->old_s = json_string_value(o);
    r->old_len = json_string_length(o);
    r->new_s = json_is_string(n) ? json_string_value(n) : "";
    r->new_len = json_is_string(n) ? json_string_length(n) : 0;
    if (!r->old_len) return fail(ret_err, "field 'old' must not be empty");
    return 0;
}

int symlink_req_parse(json_t *j, struct symlink_req *r, const char **ret_err)
{
    memset(r, 0, sizeof(*r));
    if (!json_is_object(j) || opt_str(j, "path", &r->path) < 0 ||
        opt_str(j, "target", &r->target) < 0 || !r->path || !*r->path || !r->target || !*r->target)
        return fail(ret_err, "body needs non-empty string fields 'path' and 'target'");
    return 0;
}

static int time_field(json_t *o, const char *key, struct timespec *ts)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        *ts = (struct timespec){0, UTIME_OMIT};
        return 0;
    }
    if (json_is_string(v) && !strcmp(json_string_value(v), "now")) {
        *ts = (struct timespec){0, UTIME_NOW};
        return 0;
    }
    if (!json_is_integer(v)) return -1;
    *ts = ns_to_timespec(json_integer_value(v));
    return 0;
}

int times_req_parse(json_t *j, struct times_req *r, const char **ret_err)
{
    memset(r, 0, sizeof(*r));
    if (!json_is_object(j) || opt_str(j, "path", &r->path) < 0 || !r->path || !*r->path)
        return fail(ret_err, "body needs a non-empty string field 'path'");
    if (time_field(j, "atime", &r->ts[0]) < 0 || time_field(j, "mtime", &r->ts[1]) < 0)
        return fail(ret_err, "'atime' and 'mtime' must be nanoseconds since the epoch or \"now\"");
    return 0;
}

void reqparse_all(const char *data, size_t len)
{
    json_t *j = json_loadb(data, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
    if (!j) return;
    const char *err;
    struct run_req rr;
    struct code_req cr;
    struct perm_req pr;
    struct mv_req mr;
    struct replace_req rp;
    struct symlink_req sr;
    struct times_req tr;
    times_req_parse(j, &tr, &err);
    run_req_parse(j, &rr, &err);
    code_req_parse(j, &cr, &err);
    symlink_req_parse(j, &sr, &err);
    const char *k;
    json_t *v;
    if (json_is_object(j)) {
        json_object_foreach(j, k, v)
        {
            perm_req_parse(v, &pr, &err);
            replace_req_parse(v, &rp, &err);
        }
    }
    size_t i;
    if (json_is_array(j)) json_array_foreach(j, i, v) mv_req_parse(v, &mr, &err);
    json_decref(j);
}
