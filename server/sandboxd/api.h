/* API handlers (api_sandboxes.c, api_snapshots.c, api_endpoints.c) and their JSON views. */
#ifndef SANDBOXD_API_H
#define SANDBOXD_API_H
#include "http.h"
#include "store.h"

int api_health(struct req *r, struct resp *out, struct api_err *e);
int api_list(struct req *r, struct resp *out, struct api_err *e);
int api_create(struct req *r, struct resp *out, struct api_err *e);
int api_get(struct req *r, struct resp *out, struct api_err *e);
int api_delete(struct req *r, struct resp *out, struct api_err *e);
int api_patch_metadata(struct req *r, struct resp *out, struct api_err *e);
int api_pause(struct req *r, struct resp *out, struct api_err *e);
int api_resume(struct req *r, struct resp *out, struct api_err *e);
int api_renew(struct req *r, struct resp *out, struct api_err *e);
int api_endpoint(struct req *r, struct resp *out, struct api_err *e);
int api_snapshot_create(struct req *r, struct resp *out, struct api_err *e);
int api_snapshot_list(struct req *r, struct resp *out, struct api_err *e);
int api_snapshot_get(struct req *r, struct resp *out, struct api_err *e);
int api_snapshot_delete(struct req *r, struct resp *out, struct api_err *e);
/* The SDKs' create-latency telemetry (POST /v1/metrics/events): logged, answered 204. */
int api_metrics_event(struct req *r, struct resp *out, struct api_err *e);

/* JSON views. full=false gives the CreateSandboxResponse shape (no image/snapshotId). */
json_t *sandbox_json(const struct sbx_rec *s, bool full);
json_t *snapshot_json(const struct snap_rec *s);
/* Reads page/pageSize; fills *page, *size or e (400). */
int pagination_parse(const struct req *r, int *page, int *size, struct api_err *e);
json_t *pagination_json(int page, int size, size_t total);
#endif
