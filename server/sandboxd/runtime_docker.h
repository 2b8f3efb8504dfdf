/* Internals shared by runtime_docker*.c: the Docker runtime talks to the Docker Engine API on
 * its unix socket (/var/run/docker.sock, or DOCKER_HOST=unix://PATH) with libcurl.
 *
 * What it keeps on Docker's side, nothing on the host:
 *   container  sandboxd-ID, labels io.sandboxd.id=ID and io.sandboxd.instance=TAG (a hash of
 *              sandboxd's state dir, so that several sandboxd sharing one engine list only their
 *              own containers)
 *   image      sandboxd-snapshot:SNAP for each snapshot (docker commit of the container)
 *   network    sandboxd-internal (--internal: no route out), for sandboxes that deny egress
 */
#ifndef SANDBOXD_RUNTIME_DOCKER_H
#define SANDBOXD_RUNTIME_DOCKER_H
#include "runtime.h"

#include <jansson.h>
#include <limits.h>

#define DK_NAME_PREFIX "sandboxd-"
#define DK_LABEL_ID "io.sandboxd.id"
#define DK_LABEL_INSTANCE "io.sandboxd.instance"
#define DK_SNAPSHOT_REPO "sandboxd-snapshot"
#define DK_NETWORK_INTERNAL "sandboxd-internal"
#define DK_BODY_MAX (4 << 20) /* cap on an answer of the engine */
#define DK_IMAGE_MAX 256      /* cap on an image reference */

struct dk_ctx {
    char sock[PATH_MAX];  /* the engine's unix socket */
    char execd[PATH_MAX]; /* execd on the host, bind-mounted read-only into every container */
    char tag[9];          /* io.sandboxd.instance */
    bool ready;
};
extern struct dk_ctx dk_ctx;

/* One request to the engine: METHOD PATH (with its query), an optional JSON body. Sets
 * *ret_status to the HTTP status and, when ret_json is not NULL, *ret_json to the parsed answer
 * (NULL when it is empty or not JSON; the caller frees it). Returns 0 when the engine answered
 * (whatever the status) or a negative errno with err naming the request. */
int dk_call(const char *method, const char *path, json_t *body, long *ret_status, json_t **ret_json,
            char *err);

/* The errno of a status of the engine (one mapping): 2xx/304 = 0, 404 = -ENOENT, 409 = -EBUSY,
 * 400 = -EINVAL, otherwise -EIO; on an error, err gets what and the engine's message. */
int dk_status(long status, json_t *answer, const char *what, char *err);

/* dk_call + dk_status for requests whose answer only matters as a status. */
int dk_do(const char *method, const char *path, json_t *body, const char *what, char *err);

/* The body of POST /containers/create for spec running image (runtime_docker_spec.c). */
json_t *dk_create_body(const struct rt_spec *spec, const char *image, char *err);

/* The image a spec runs: the snapshot's image, or spec->image checked against the engine's
 * local store (never pulled). */
int dk_image_for(const struct rt_spec *spec, char image[DK_IMAGE_MAX], char *err);

/* Creates sandboxd-internal once if the engine does not have it. */
int dk_network_ensure(char *err);

int dk_snapshot(const char *id, const char *snap_id, char err[RT_ERR_MAX]);
int dk_snapshot_delete(const char *snap_id, char err[RT_ERR_MAX]);
#endif
