/* The route table and the path matcher. */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

static const struct route routes[] = {
    {"GET", "health", api_health, ROUTE_NOAUTH},
    {"GET", "sandboxes", api_list, 0},
    {"POST", "sandboxes", api_create, 0},
    {"GET", "sandboxes/*", api_get, 0},
    {"DELETE", "sandboxes/*", api_delete, 0},
    {"PATCH", "sandboxes/*/metadata", api_patch_metadata, 0},
    {"POST", "sandboxes/*/pause", api_pause, 0},
    {"POST", "sandboxes/*/resume", api_resume, 0},
    {"POST", "sandboxes/*/renew-expiration", api_renew, 0},
    {"GET", "sandboxes/*/endpoints/*", api_endpoint, 0},
    {"POST", "sandboxes/*/snapshots", api_snapshot_create, 0},
    {"GET", "snapshots", api_snapshot_list, 0},
    {"GET", "snapshots/*", api_snapshot_get, 0},
    {"DELETE", "snapshots/*", api_snapshot_delete, 0},
    {"POST", "metrics/events", api_metrics_event, 0},
};

const struct route *route_find(const char *method, const char *path,
                               char params[MAX_PARAMS][PARAM_MAX], int *ret_status)
{
    bool path_known = false;
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (!route_match(routes[i].pattern, path, params)) continue;
        path_known = true;
        if (!strcmp(routes[i].method, method)) return &routes[i];
    }
    *ret_status = path_known ? 405 : 404;
    return NULL;
}
