/* Image resolution and the local image store: see image.h. */
#include "image.h"
#include "runtime.h"
#include "runtime_spawn.h"
#include "runtime_util.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char images_dir[PATH_MAX];
static char state_dir[PATH_MAX];

void image_set_state(const char *sd)
{
    snprintf(state_dir, sizeof state_dir, "%s", sd);
    snprintf(images_dir, sizeof images_dir, "%s/images", sd);
}

/* "docker.io/library/x" -> "x"; no tag -> ":latest" (digests kept as they are). */
static int normalize(const char *name, char out[IMAGE_NAME_MAX])
{
    const char *n = name;
    if (strncmp(n, "docker.io/", 10) == 0) n += 10;
    if (strncmp(n, "library/", 8) == 0) n += 8;
    const char *slash = strrchr(n, '/');
    const char *tail = slash ? slash + 1 : n;
    bool tagged = strchr(tail, ':') || strchr(tail, '@');
    int len = snprintf(out, IMAGE_NAME_MAX, "%s%s", n, tagged ? "" : ":latest");
    return len >= IMAGE_NAME_MAX ? -ENAMETOOLONG : 0;
}

/* Store directory name: [a-z0-9._-] as they are, everything else as %XX. */
static int escape(const char *norm, char *out, size_t cap)
{
    size_t o = 0;
    for (const unsigned char *c = (const unsigned char *)norm; *c; c++) {
        bool plain = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '.' ||
                     *c == '_' || *c == '-';
        if (o + 4 >= cap) return -ENAMETOOLONG;
        if (plain)
            out[o++] = (char)*c;
        else
            o += (size_t)snprintf(out + o, cap - o, "%%%02X", *c);
    }
    out[o] = 0;
    return o ? 0 : -EINVAL;
}

static int store_dir(const char *name, char out[PATH_MAX], char norm[IMAGE_NAME_MAX])
{
    char esc[IMAGE_NAME_MAX * 3];
    if (normalize(name, norm) < 0 || escape(norm, esc, sizeof esc) < 0) return -EINVAL;
    return rt_path(out, "%s/store/%s", images_dir, esc);
}

static bool overlay_safe(const char *p)
{
    return !strpbrk(p, ":,\\\n");
}

static int resolve_dir(const char *path, struct image *ret, char *err)
{
    char real[PATH_MAX];
    struct stat st;
    if (!realpath(path, real) || stat(real, &st) < 0 || !S_ISDIR(st.st_mode))
        return rt_fail(err, -ENOENT,
                       "image '%s' is not a directory on this host: give an existing directory "
                       "rootfs, \"host\", or an image imported with 'rtctl import'",
                       path);
    size_t sl = strlen(state_dir);
    if (strcmp(real, "/") == 0 ||
        (strncmp(real, state_dir, sl) == 0 && (!real[sl] || real[sl] == '/')))
        return rt_fail(err, -EINVAL,
                       "image '%s' cannot be used as a rootfs (the host root or the "
                       "state dir)",
                       path);
    if (!overlay_safe(real))
        return rt_fail(err, -EINVAL, "image path '%s' contains ':', ',' or '\\'", real);
    snprintf(ret->ref, sizeof ret->ref, "dir:%s", real);
    ret->config[0] = 0;
    snprintf(ret->lower, sizeof ret->lower, "%s", real);
    ret->host = false;
    return 0;
}

static int resolve_host(struct image *ret, char *err)
{
    int r = image_host_build(images_dir, err);
    if (r < 0) return r;
    snprintf(ret->ref, sizeof ret->ref, "host");
    ret->config[0] = 0;
    if (rt_path(ret->lower, "%s/host/rootfs", images_dir) < 0)
        return rt_fail(err, -ENAMETOOLONG, "state dir path too long");
    ret->host = true;
    return 0;
}

static int resolve_store(const char *name, struct image *ret, char *err)
{
    char dir[PATH_MAX], norm[IMAGE_NAME_MAX];
    if (store_dir(name, dir, norm) < 0)
        return rt_fail(err, -EINVAL, "invalid image name '%s'", name);
    if (rt_path(ret->lower, "%s/rootfs", dir) < 0 || !rt_exists(ret->lower))
        return rt_fail(err, -ENOENT,
                       "image '%s' is not in the local image store (%s/store): import it with "
                       "'rtctl import %s OCI-LAYOUT-DIR|ARCHIVE.tar', or use \"host\" or a "
                       "directory rootfs",
                       name, images_dir, norm);
    if (!overlay_safe(ret->lower))
        return rt_fail(err, -EINVAL, "state dir path '%s' contains ':' or ','", ret->lower);
    snprintf(ret->ref, sizeof ret->ref, "store:%s", norm);
    if (rt_path(ret->config, "%s/config.json", dir) < 0 || !rt_exists(ret->config))
        ret->config[0] = 0;
    ret->host = false;
    return 0;
}

int image_resolve(const char *name, struct image *ret, char *err)
{
    if (!name || !*name) return rt_fail(err, -EINVAL, "no image given");
    if (strlen(name) >= IMAGE_NAME_MAX) return rt_fail(err, -EINVAL, "image name too long");
    if (strcmp(name, "host") == 0) return resolve_host(ret, err);
    if (name[0] == '/') return resolve_dir(name, ret, err);
    return resolve_store(name, ret, err);
}

int image_from_ref(const char *ref, struct image *ret, char *err)
{
    if (strcmp(ref, "host") == 0) return resolve_host(ret, err);
    if (strncmp(ref, "dir:", 4) == 0) return resolve_dir(ref + 4, ret, err);
    if (strncmp(ref, "store:", 6) == 0) return resolve_store(ref + 6, ret, err);
    return rt_fail(err, -EINVAL, "unknown image reference '%s'", ref);
}

/* Unpacks an OCI layout (dir or dir:tag) into dest/rootfs with umoci. */
/* Unpacks an OCI layout (dir or dir:tag) into dest/rootfs with umoci, keeping the runtime
 * config umoci derives from the image (env, working dir) as dest/config.json. */
static int unpack_layout(const char *layout, const char *dest, char *err)
{
    char bundle[PATH_MAX], from[PATH_MAX], to[PATH_MAX];
    if (rt_path(bundle, "%s/bundle", dest) < 0) return -ENAMETOOLONG;
    char *argv[] = {"umoci", "unpack", "--image", (char *)layout, bundle, NULL};
    int r = rt_run(argv, err);
    static const char *const keep[] = {"rootfs", "config.json"};
    for (size_t i = 0; r == 0 && i < sizeof keep / sizeof *keep; i++) {
        if (rt_path(from, "%s/%s", bundle, keep[i]) < 0 || rt_path(to, "%s/%s", dest, keep[i]) < 0)
            return -ENAMETOOLONG;
        if (rename(from, to) < 0) r = rt_fail(err, -errno, "rename '%s': %m", from);
    }
    rt_rm_rf(bundle);
    return r;
}

static int untar(const char *archive, const char *dir, char *err)
{
    char *argv[] = {"tar", "-xf", (char *)archive, "-C", (char *)dir, NULL};
    return rt_run(argv, err);
}

/* Without SOURCE:TAG, a layout with a single manifest is unpacked by that manifest's name
 * (docker save names it after the image's tag); umoci's default is "latest". */
static void only_ref_name(const char *index_path, char *tag, size_t cap)
{
    json_t *idx = json_load_file(index_path, 0, NULL);
    json_t *m = json_object_get(idx, "manifests");
    const char *name = json_array_size(m) == 1
                           ? json_string_value(json_object_get(
                                 json_object_get(json_array_get(m, 0), "annotations"),
                                 "org.opencontainers.image.ref.name"))
                           : NULL;
    if (name && strlen(name) < cap && !strpbrk(name, "/:")) snprintf(tag, cap, "%s", name);
    json_decref(idx);
}

/* SOURCE or SOURCE:TAG: an OCI layout directory or a tar of one. */
static int import_into(const char *source, const char *tmp, char *err)
{
    struct stat st;
    char src[PATH_MAX], tag[IMAGE_NAME_MAX] = "";
    snprintf(src, sizeof src, "%s", source);
    char *colon = strrchr(src, ':');
    if (stat(src, &st) < 0 && colon) {
        snprintf(tag, sizeof tag, "%s", colon + 1);
        *colon = 0;
    }
    if (stat(src, &st) < 0) return rt_fail(err, -ENOENT, "import source '%s': %m", src);
    char layout[PATH_MAX];
    if (S_ISDIR(st.st_mode)) {
        snprintf(layout, sizeof layout, "%s", src);
    } else {
        if (rt_path(layout, "%s/layout", tmp) < 0 || mkdir(layout, 0700) < 0)
            return rt_fail(err, -errno, "mkdir '%s': %m", layout);
        int r = untar(src, layout, err);
        if (r < 0) return r;
    }
    char probe[PATH_MAX];
    if (rt_path(probe, "%s/index.json", layout) < 0 || !rt_exists(probe))
        return rt_fail(err, -EINVAL,
                       "'%s' is not an OCI image layout (no index.json); convert it with "
                       "'skopeo copy docker-archive:FILE oci:DIR:TAG'",
                       source);
    if (!tag[0]) only_ref_name(probe, tag, sizeof tag);
    char arg[PATH_MAX + IMAGE_NAME_MAX + 2];
    if (strlen(layout) + strlen(tag) + 2 > sizeof arg) return -ENAMETOOLONG;
    snprintf(arg, sizeof arg, "%s%s%s", layout, tag[0] ? ":" : "", tag);
    return unpack_layout(arg, tmp, err);
}

int image_import(const char *name, const char *source, char *err)
{
    char dir[PATH_MAX], norm[IMAGE_NAME_MAX], tmp[PATH_MAX];
    if (!name || strcmp(name, "host") == 0 || name[0] == '/' || store_dir(name, dir, norm) < 0)
        return rt_fail(err, -EINVAL, "invalid image name '%s'", name ? name : "");
    if (rt_path(tmp, "%s.import.%d", dir, (int)getpid()) < 0)
        return rt_fail(err, -ENAMETOOLONG, "path too long");
    if (rt_exists(dir))
        return rt_fail(err, -EEXIST, "image '%s' is already in the store; remove it first", norm);
    int r = rt_mkdir_p(tmp, 0700);
    if (r < 0) return rt_fail(err, r, "mkdir '%s': %s", tmp, strerror(-r));
    r = import_into(source, tmp, err);
    char layout[PATH_MAX];
    if (rt_path(layout, "%s/layout", tmp) == 0) rt_rm_rf(layout);
    if (r == 0 && rt_exists(dir))
        r = rt_fail(err, -EEXIST, "image '%s' is already in the store; remove it first", norm);
    if (r == 0 && rename(tmp, dir) < 0) r = rt_fail(err, -errno, "rename '%s': %m", tmp);
    if (r < 0) rt_rm_rf(tmp);
    return r;
}

/* The first sandbox whose recorded image ref is ref (into who), or "" when none uses it. */
static void find_user(const char *ref, char *who, size_t cap)
{
    char dir[PATH_MAX], p[PATH_MAX], rec[PATH_MAX + 8];
    who[0] = 0;
    if (rt_path(dir, "%s/sandboxes", state_dir) < 0) return;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && !who[0] && (e = readdir(d)))
        if (e->d_name[0] != '.' && rt_path(p, "%s/%s/image", dir, e->d_name) == 0 &&
            rt_read_file(p, rec, sizeof rec) > 0 && strcmp(rec, ref) == 0)
            snprintf(who, cap, "%s", e->d_name);
    if (d) closedir(d);
}

int image_remove(const char *name, char *err)
{
    char dir[PATH_MAX], norm[IMAGE_NAME_MAX], ref[IMAGE_NAME_MAX + 8], who[256];
    if (!name || store_dir(name, dir, norm) < 0)
        return rt_fail(err, -EINVAL, "invalid image name '%s'", name ? name : "");
    snprintf(ref, sizeof ref, "store:%s", norm);
    find_user(ref, who, sizeof who);
    if (who[0])
        return rt_fail(err, -EBUSY, "image '%s' is used by sandbox '%s'; delete it first", norm,
                       who);
    int r = rt_rm_rf(dir);
    return r < 0 ? rt_fail(err, r, "remove '%s': %s", dir, strerror(-r)) : 0;
}
