/* The Docker runtime: init, create, inspect, pause/resume, delete, list (runtime.h) and its ops
 * table. Images, snapshots and the internal network are in runtime_docker_image.c. */
#include "net.h"
#include "runtime_docker.h"
#include "runtime_ops.h"
#include "runtime_util.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct dk_ctx dk_ctx;

static void make_tag(const char *s, char out[9])
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    snprintf(out, 9, "%08x", h);
}

static void set_socket(void)
{
    const char *host = getenv("DOCKER_HOST");
    if (host && !strncmp(host, "unix://", 7))
        snprintf(dk_ctx.sock, sizeof dk_ctx.sock, "%s", host + 7);
    else
        snprintf(dk_ctx.sock, sizeof dk_ctx.sock, "/var/run/docker.sock");
}

static int dk_init(const char *state_dir, const char *execd_path, char err[RT_ERR_MAX])
{
    char state[PATH_MAX];
    int r = rt_mkdir_p(state_dir, 0700);
    if (r < 0) return rt_fail(err, r, "mkdir '%s': %s", state_dir, strerror(-r));
    if (!realpath(state_dir, state)) return rt_fail(err, -errno, "state dir '%s': %m", state_dir);
    if (!realpath(execd_path, dk_ctx.execd) || access(dk_ctx.execd, X_OK) < 0)
        return rt_fail(err, -ENOENT, "execd binary '%s': %m", execd_path);
    make_tag(state, dk_ctx.tag);
    set_socket();
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return rt_fail(err, -EIO, "curl_global_init failed");
    r = dk_do("GET", "/_ping", NULL, "docker engine", err) ?: dk_network_ensure(err);
    dk_ctx.ready = r == 0;
    return r;
}

static int name_of(const char *id, char out[RT_ID_MAX + 16], char *err)
{
    if (!rt_id_valid(id)) return rt_fail(err, -EINVAL, "invalid sandbox id '%s'", id ? id : "");
    snprintf(out, RT_ID_MAX + 16, "%s%s", DK_NAME_PREFIX, id);
    return 0;
}

static enum rt_state state_of(json_t *st)
{
    const char *s = json_string_value(json_object_get(st, "Status"));
    if (!s) return RT_ABSENT;
    if (json_is_true(json_object_get(st, "Paused")) || !strcmp(s, "paused")) return RT_PAUSED;
    if (!strcmp(s, "running") || !strcmp(s, "restarting")) return RT_RUNNING;
    if (!strcmp(s, "created")) return RT_CREATING;
    return RT_STOPPED; /* exited, dead, removing */
}

/* The first network address the container has: bridge or sandboxd-internal. */
static void addr_of(json_t *c, struct rt_info *info)
{
    json_t *nets = json_object_get(json_object_get(c, "NetworkSettings"), "Networks"), *n;
    const char *key;
    json_object_foreach(nets, key, n)
    {
        const char *ip = json_string_value(json_object_get(n, "IPAddress"));
        if (!ip || !ip[0]) continue;
        snprintf(info->execd_addr, sizeof info->execd_addr, "%s:%d", ip, NET_SANDBOX_PORT);
        return;
    }
}

static void info_of(json_t *c, struct rt_info *info)
{
    json_t *st = json_object_get(c, "State");
    info->state = state_of(st);
    info->init_pid = (int)json_integer_value(json_object_get(st, "Pid"));
    info->exit_status = -1;
    if (info->state == RT_STOPPED) {
        info->init_pid = 0;
        info->exit_status = (int)json_integer_value(json_object_get(st, "ExitCode"));
    }
    addr_of(c, info);
}

/* Nothing to re-adopt after a restart: the engine keeps the container and its network. */
static int dk_inspect(const char *id, struct rt_info *info, char err[RT_ERR_MAX])
{
    char name[RT_ID_MAX + 16], path[RT_ID_MAX + 64];
    memset(info, 0, sizeof *info);
    int r = name_of(id, name, err);
    if (r < 0) return r;
    snprintf(path, sizeof path, "/containers/%s/json", name);
    long status;
    json_t *c = NULL;
    r = dk_call("GET", path, NULL, &status, &c, err);
    if (r == 0 && status == 404) {
        json_decref(c);
        return 0; /* RT_ABSENT */
    }
    if (r == 0) r = dk_status(status, c, "docker inspect", err);
    if (r == 0) info_of(c, info);
    json_decref(c);
    return r;
}

static int container_create(const struct rt_spec *s, const char *name, char *err)
{
    char image[DK_IMAGE_MAX], path[RT_ID_MAX + 64];
    int r = dk_image_for(s, image, err);
    if (r < 0) return r;
    json_t *body = dk_create_body(s, image, err);
    if (!body) return -EINVAL;
    snprintf(path, sizeof path, "/containers/create?name=%s", name);
    r = dk_do("POST", path, body, "docker create", err);
    json_decref(body);
    if (r == -EBUSY) return rt_fail(err, -EEXIST, "sandbox '%s' already exists", s->id);
    return r;
}

static int dk_delete(const char *id, char err[RT_ERR_MAX])
{
    char name[RT_ID_MAX + 16], path[RT_ID_MAX + 64];
    int r = name_of(id, name, err);
    if (r < 0) return r;
    snprintf(path, sizeof path, "/containers/%s?force=1&v=1", name);
    r = dk_do("DELETE", path, NULL, "docker rm", err);
    return r == -ENOENT ? 0 : r;
}

static int dk_create(const struct rt_spec *s, struct rt_info *info, char err[RT_ERR_MAX])
{
    char name[RT_ID_MAX + 16], path[RT_ID_MAX + 64];
    if (!dk_ctx.ready) return rt_fail(err, -EINVAL, "docker runtime not initialised (rt_init)");
    int r = name_of(s->id, name, err);
    r = r ?: container_create(s, name, err);
    if (r < 0) return r;
    snprintf(path, sizeof path, "/containers/%s/start", name);
    r = dk_do("POST", path, NULL, "docker start", err);
    r = r ?: dk_inspect(s->id, info, err);
    if (r == 0 && (info->state != RT_RUNNING || !info->execd_addr[0]))
        r = rt_fail(err, -EIO, "container %s is not running with an address after start", name);
    if (r < 0) dk_delete(s->id, NULL); /* nothing left behind */
    return r;
}

static int pause_or_resume(const char *id, const char *verb, char *err)
{
    char name[RT_ID_MAX + 16], path[RT_ID_MAX + 64], what[32];
    int r = name_of(id, name, err);
    if (r < 0) return r;
    snprintf(path, sizeof path, "/containers/%s/%s", name, verb);
    snprintf(what, sizeof what, "docker %s", verb);
    return dk_do("POST", path, NULL, what, err);
}

static int dk_pause(const char *id, char err[RT_ERR_MAX])
{
    return pause_or_resume(id, "pause", err);
}

static int dk_resume(const char *id, char err[RT_ERR_MAX])
{
    return pause_or_resume(id, "unpause", err);
}

/* GET /containers/json?all=1&filters={"label":["io.sandboxd.instance=TAG"]}, URL-encoded. */
static int dk_list(int (*fn)(const char *id, void *arg), void *arg, char err[RT_ERR_MAX])
{
    char path[256];
    snprintf(path, sizeof path,
             "/containers/json?all=1&filters=%%7B%%22label%%22%%3A%%5B%%22%s%%3D%s%%22%%5D%%7D",
             DK_LABEL_INSTANCE, dk_ctx.tag);
    long status;
    json_t *list = NULL, *c;
    int r = dk_call("GET", path, NULL, &status, &list, err);
    if (r == 0) r = dk_status(status, list, "docker ps", err);
    size_t i;
    json_array_foreach(list, i, c)
    {
        const char *id =
            json_string_value(json_object_get(json_object_get(c, "Labels"), DK_LABEL_ID));
        if (r == 0 && id && rt_id_valid(id) && fn(id, arg)) break;
    }
    json_decref(list);
    return r;
}

const struct rt_ops rt_docker_ops = {
    .name = "docker",
    .init = dk_init,
    .create = dk_create,
    .inspect = dk_inspect,
    .pause = dk_pause,
    .resume = dk_resume,
    .delete = dk_delete,
    .snapshot = dk_snapshot,
    .snapshot_delete = dk_snapshot_delete,
    .list = dk_list,
};
