/* Images and the internal network of the Docker runtime. Images come from the engine's local
 * store only: sandboxd never pulls (docker load or docker import provide them). */
#include "runtime_docker.h"
#include "runtime_util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* A reference the engine's URL paths can carry as is: [A-Za-z0-9._:/@-], not starting with '-'. */
static bool image_ref_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n >= DK_IMAGE_MAX || s[0] == '-') return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/@-") == n;
}

static int image_exists(const char *image, const char *what, char *err)
{
    char path[DK_IMAGE_MAX + 32];
    long status;
    snprintf(path, sizeof path, "/images/%s/json", image);
    int r = dk_call("GET", path, NULL, &status, NULL, err);
    if (r < 0) return r;
    if (status == 404) return -ENOENT;
    return dk_status(status, NULL, what, err);
}

static int store_image(const char *image, char out[DK_IMAGE_MAX], char *err)
{
    if (!strcmp(image, "host"))
        return rt_fail(err, -EINVAL,
                       "image 'host' is the native runtime's (the host's own binaries); the "
                       "docker runtime runs images of Docker's local store only");
    if (image[0] == '/')
        return rt_fail(err, -EINVAL,
                       "image '%s': directory images are the native runtime's; with docker, "
                       "import it first: tar -C '%s' -c . | docker import - NAME",
                       image, image);
    if (!image_ref_valid(image)) return rt_fail(err, -EINVAL, "invalid image name '%s'", image);
    int r = image_exists(image, "image", err);
    if (r == -ENOENT)
        return rt_fail(err, -ENOENT,
                       "image '%s' is not in Docker's local image store; provide it with "
                       "`docker load -i FILE.tar` or `docker import ROOTFS.tar %s` "
                       "(sandboxd never pulls)",
                       image, image);
    if (r == 0) snprintf(out, DK_IMAGE_MAX, "%s", image);
    return r;
}

int dk_image_for(const struct rt_spec *s, char out[DK_IMAGE_MAX], char *err)
{
    if (!s->snapshot) return store_image(s->image ? s->image : "", out, err);
    if (!rt_id_valid(s->snapshot))
        return rt_fail(err, -EINVAL, "invalid snapshot id '%s'", s->snapshot);
    snprintf(out, DK_IMAGE_MAX, "%s:%s", DK_SNAPSHOT_REPO, s->snapshot);
    int r = image_exists(out, "snapshot image", err);
    if (r == -ENOENT)
        return rt_fail(err, -ENOENT, "snapshot '%s' does not exist (no image %s)", s->snapshot,
                       out);
    return r;
}

int dk_network_ensure(char *err)
{
    long status;
    int r = dk_call("GET", "/networks/" DK_NETWORK_INTERNAL, NULL, &status, NULL, err);
    if (r < 0 || status == 200) return r;
    json_t *body = json_pack("{s:s s:b s:b s:s}", "Name", DK_NETWORK_INTERNAL, "Internal", 1,
                             "CheckDuplicate", 1, "Driver", "bridge");
    r = dk_do("POST", "/networks/create", body, "create network " DK_NETWORK_INTERNAL, err);
    json_decref(body);
    return r == -EBUSY ? 0 : r; /* 409: another sandboxd created it meanwhile */
}

int dk_snapshot(const char *id, const char *snap_id, char err[RT_ERR_MAX])
{
    char path[512], image[DK_IMAGE_MAX];
    if (!rt_id_valid(id) || !rt_id_valid(snap_id))
        return rt_fail(err, -EINVAL, "invalid sandbox or snapshot id");
    snprintf(image, sizeof image, "%s:%s", DK_SNAPSHOT_REPO, snap_id);
    int r = image_exists(image, "snapshot image", err);
    if (r == 0) return rt_fail(err, -EEXIST, "snapshot '%s' already exists", snap_id);
    if (r != -ENOENT) return r;
    snprintf(path, sizeof path, "/commit?container=%s%s&repo=%s&tag=%s&pause=1", DK_NAME_PREFIX, id,
             DK_SNAPSHOT_REPO, snap_id);
    r = dk_do("POST", path, NULL, "docker commit", err);
    if (r == -ENOENT) return rt_fail(err, -ENOENT, "sandbox '%s' does not exist", id);
    return r;
}

int dk_snapshot_delete(const char *snap_id, char err[RT_ERR_MAX])
{
    char path[512];
    if (!rt_id_valid(snap_id))
        return rt_fail(err, -EINVAL, "invalid snapshot id '%s'", snap_id ? snap_id : "");
    snprintf(path, sizeof path, "/images/%s:%s?force=1", DK_SNAPSHOT_REPO, snap_id);
    int r = dk_do("DELETE", path, NULL, "remove snapshot image", err);
    return r == -ENOENT ? 0 : r;
}
