/* Images of the native runtime: what becomes the read-only lower layer of a sandbox's overlay root.
 *
 *   "host"        a skeleton built once in STATE/images/host/rootfs (a filtered copy of /etc, empty
 *                 /root /home /tmp /var, symlinks like the host's /bin -> usr/bin) plus read-only
 *                 binds of the host's /usr and /lib* directories (image_host_binds).
 *   "/abs/dir"    a directory rootfs used as it is (never "/", never inside the state dir).
 *   anything else an image in the local store STATE/images/store/<escaped name>/rootfs, imported
 *                 with image_import (rtctl import NAME SOURCE).
 */
#ifndef SANDBOXD_IMAGE_H
#define SANDBOXD_IMAGE_H
#include <limits.h>
#include <stdbool.h>

#define IMAGE_NAME_MAX 256
#define IMAGE_BINDS_MAX 8

struct image {
    char ref[PATH_MAX + 8]; /* "host", "dir:/path" or "store:NAME": what the bundle records */
    char lower[PATH_MAX];   /* the overlay lower directory */
    bool host;              /* add image_host_binds */
    char config[PATH_MAX];  /* the image's OCI runtime config (env, cwd) from umoci, or "" */
};

/* Sets the state dir (STATE/images is created on use). */
void image_set_state(const char *state_dir);

/* Resolves a user's image name; -ENOENT with a message naming the image and how to provide it,
 * -EINVAL for a name that cannot be an image. Builds the host skeleton on first use. */
int image_resolve(const char *name, struct image *ret, char *err);
/* Resolves a recorded ref (struct image.ref) again, for snapshots. */
int image_from_ref(const char *ref, struct image *ret, char *err);

/* The host directories bind-mounted read-only into a "host" sandbox: paths like "/usr". */
int image_host_binds(const char *ret[IMAGE_BINDS_MAX]);

/* Imports NAME into the store from an OCI image layout directory (SOURCE or SOURCE:TAG) or a
 * tar archive holding one (docker save of Docker >= 25, skopeo copy ... oci-archive:). */
int image_import(const char *name, const char *source, char *err);
/* Removes NAME from the store (sandboxes using it must be deleted first). */
int image_remove(const char *name, char *err);

/* Builds STATE/images/host/rootfs if it is missing (internal to image*.c). */
int image_host_build(const char *images_dir, char *err);
#endif
