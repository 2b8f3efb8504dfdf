/* The cached command list and execd's changes to it (GET /command/list?since=). */
#include <jansson.h>
#include <stdbool.h>
#include "command_merge.h"

static bool finished(json_t *rec)
{
    return json_is_false(json_object_get(rec, "running"));
}

const char *cmd_rec_id(json_t *rec)
{
    return json_string_value(json_object_get(rec, "id"));
}

/* Indexes records (or ids) from..to of a by id into o. */
static bool index_ids(json_t *o, json_t *a, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        json_t *r = json_array_get(a, i);
        const char *id = json_is_string(r) ? json_string_value(r) : cmd_rec_id(r);
        if (!id || json_object_set(o, id, r)) return false;
    }
    return true;
}

json_t *cmd_list_merge(json_t *cached, size_t *local, json_t *changed, json_t *removed)
{
    size_t i, n = json_array_size(cached), old = n - (*local < n ? *local : n), still = 0;
    json_t *by_id = json_object(), *gone = json_object(), *mine = json_object();
    json_t *out = json_array(), *r, *c;
    bool ok =
        by_id && gone && mine && out && index_ids(by_id, changed, 0, json_array_size(changed)) &&
        index_ids(gone, removed, 0, json_array_size(removed)) && index_ids(mine, cached, old, n);
    for (i = 0; ok && i < old; i++) { /* records made before the base */
        r = json_array_get(cached, i);
        const char *id = cmd_rec_id(r);
        if (json_object_get(gone, id)) continue;
        if ((c = json_object_get(by_id, id)) && !(finished(r) && !finished(c))) r = c;
        ok = !json_array_append(out, r);
        json_object_del(by_id, id);
    }
    for (i = 0; ok && i < json_array_size(changed); i++) { /* made since the base */
        r = json_array_get(changed, i);
        if (!json_object_get(by_id, cmd_rec_id(r)) || json_object_get(gone, cmd_rec_id(r)))
            continue;
        c = json_object_get(mine, cmd_rec_id(r));
        ok = !json_array_append(out, c && finished(c) && !finished(r) ? c : r);
        json_object_del(mine, cmd_rec_id(r));
    }
    for (i = old; ok && i < n; i++) { /* started here after execd answered (or gone since) */
        r = json_array_get(cached, i);
        if (json_object_get(mine, cmd_rec_id(r)) && !json_object_get(gone, cmd_rec_id(r)))
            ok = !json_array_append(out, r), still++;
    }
    json_decref(by_id);
    json_decref(gone);
    json_decref(mine);
    if (!ok) json_decref(out);
    *local = still;
    return ok ? out : NULL;
}
