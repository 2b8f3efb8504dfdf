/* The container a sandbox is, as the body of POST /containers/create: execd (bind-mounted
 * read-only) as its entrypoint running the sandbox's entrypoint, its env and token, limits,
 * volumes, labels, network. Docker's default capabilities and seccomp profile are those the
 * native runtime gives its sandboxes (bundle.c). */
#include "bundle.h"
#include "runtime_docker.h"
#include "runtime_util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static json_t *strings(char *const *v)
{
    json_t *a = json_array();
    for (; a && v && *v; v++)
        json_array_append_new(a, json_string(*v));
    return a;
}

/* execd --listen ADDR --; the sandbox's entrypoint (default tail -f /dev/null) is Cmd. */
static json_t *entrypoint(void)
{
    return json_pack("[s s s s]", BUNDLE_EXECD_PATH, "--listen", BUNDLE_EXECD_LISTEN, "--");
}

static json_t *command(const struct rt_spec *s)
{
    if (s->entrypoint && s->entrypoint[0]) return strings(s->entrypoint);
    return json_pack("[s s s]", "tail", "-f", "/dev/null");
}

static json_t *environment(const struct rt_spec *s)
{
    json_t *a = strings(s->env);
    if (a && s->execd_token && s->execd_token[0]) {
        char tok[256];
        snprintf(tok, sizeof tok, "EXECD_ACCESS_TOKEN=%s", s->execd_token);
        json_array_append_new(a, json_string(tok));
    }
    return a;
}

static int add_bind(json_t *binds, const char *host, const char *dest, bool ro, char *err)
{
    char b[2 * PATH_MAX + 8];
    if (strchr(host, ':') || strchr(dest, ':'))
        return rt_fail(err, -EINVAL, "volume '%s:%s': docker binds cannot hold ':'", host, dest);
    if ((size_t)snprintf(b, sizeof b, "%s:%s:%s", host, dest, ro ? "ro" : "rw") >= sizeof b)
        return rt_fail(err, -ENAMETOOLONG, "volume '%s': path too long", host);
    return json_array_append_new(binds, json_string(b)) ? rt_fail(err, -ENOMEM, "out of memory")
                                                        : 0;
}

static json_t *binds(const struct rt_spec *s, char *err)
{
    json_t *a = json_array();
    int r = a ? add_bind(a, dk_ctx.execd, BUNDLE_EXECD_PATH, true, err) : -ENOMEM;
    for (size_t i = 0; r == 0 && i < s->n_volumes; i++) {
        const struct rt_volume *v = &s->volumes[i];
        if (!v->host_path || v->host_path[0] != '/' || !v->mount_path || v->mount_path[0] != '/')
            r = rt_fail(err, -EINVAL, "volume paths must be absolute");
        else if (!rt_exists(v->host_path))
            r = rt_fail(err, -ENOENT, "volume host path '%s' does not exist", v->host_path);
        else
            r = add_bind(a, v->host_path, v->mount_path, v->read_only, err);
    }
    if (r == 0) return a;
    json_decref(a);
    return NULL;
}

/* Limits, binds, network, a capped log (execd's own output), no restart. */
static json_t *host_config(const struct rt_spec *s, char *err)
{
    json_t *b = binds(s, err);
    if (!b) return NULL;
    json_t *h = json_pack("{s:o s:s s:{s:s s:{s:s s:s}}}", "Binds", b, "NetworkMode",
                          s->deny_egress ? DK_NETWORK_INTERNAL : "bridge", "LogConfig", "Type",
                          "json-file", "Config", "max-size", "4m", "max-file", "1");
    if (!h) return NULL;
    if (s->cpu_millis)
        json_object_set_new(h, "NanoCpus", json_integer((json_int_t)s->cpu_millis * 1000000));
    if (s->memory_bytes)
        json_object_set_new(h, "Memory", json_integer((json_int_t)s->memory_bytes));
    if (s->pids) json_object_set_new(h, "PidsLimit", json_integer((json_int_t)s->pids));
    return h;
}

json_t *dk_create_body(const struct rt_spec *s, const char *image, char *err)
{
    json_t *h = host_config(s, err);
    if (!h) {
        if (!err || !err[0]) rt_fail(err, -ENOMEM, "out of memory");
        return NULL;
    }
    json_t *body =
        json_pack("{s:s s:s s:o s:o s:o s:{s:s s:s} s:o}", "Image", image, "Hostname", s->id,
                  "Entrypoint", entrypoint(), "Cmd", command(s), "Env", environment(s), "Labels",
                  DK_LABEL_ID, s->id, DK_LABEL_INSTANCE, dk_ctx.tag, "HostConfig", h);
    if (!body) rt_fail(err, -ENOMEM, "cannot build the container's config");
    return body;
}
