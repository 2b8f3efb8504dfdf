/* The local command registry (see registry.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "registry.h"

static pthread_mutex_t file_lock = PTHREAD_MUTEX_INITIALIZER;

static void registry_path(const struct sfs_sandbox *s, char *out, size_t cap)
{
    snprintf(out, cap, "%s/sandboxfs-registry/%s.commands", sfs_cfg.cache_dir, s->id);
}

int registry_add(struct sfs_sandbox *s, const char *id, const char *command)
{
    char path[2048], dir[2048];
    registry_path(s, path, sizeof path);
    snprintf(dir, sizeof dir, "%s/sandboxfs-registry", sfs_cfg.cache_dir);
    mkdir(dir, 0700);
    json_t *rec = json_pack("{s:s, s:s}", "id", id, "content", command);
    char *line = json_dumps(rec, JSON_COMPACT);
    json_decref(rec);
    if (!line)
        return -ENOMEM;
    pthread_mutex_lock(&file_lock);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int rc = fd < 0 ? -errno : 0;
    if (!rc && (dprintf(fd, "%s\n", line) < 0 || fsync(fd)))
        rc = -EIO;
    if (fd >= 0)
        close(fd);
    pthread_mutex_unlock(&file_lock);
    free(line);
    if (rc)
        sfs_log("%s: cannot record command %s in %s: %s", s->name, id, path, strerror(-rc));
    return rc;
}

/* The commands the cached list knows to have ended: id → record (an end does not change). */
static json_t *known_ends(struct sfs_sandbox *s)
{
    json_t *ends = json_object();
    size_t i;
    json_t *r;
    pthread_mutex_lock(&s->lock);
    json_array_foreach(s->cmds, i, r)
    {
        const char *id = json_string_value(json_object_get(r, "id"));
        if (ends && id && json_is_false(json_object_get(r, "running")) &&
            json_is_integer(json_object_get(r, "exit_code")))
            json_object_set(ends, id, r);
    }
    pthread_mutex_unlock(&s->lock);
    return ends;
}

/* Merges execd's status of one command into its record; one that ended is not asked again. */
static void add_status(const struct sbx_execd *x, json_t *ends, json_t *rec)
{
    const char *id = json_string_value(json_object_get(rec, "id"));
    json_t *st = json_incref(json_object_get(ends, id));
    if (!st && sbx_cmd_status(x, id, &st)) {
        json_object_set_new(rec, "running", json_false());
        return;
    }
    json_object_set(rec, "running", json_is_true(json_object_get(st, "running")) ? json_true()
                                                                                : json_false());
    const char *keys[] = {"exit_code", "started_at", "finished_at"};
    for (size_t i = 0; i < 3; i++)
        if (json_object_get(st, keys[i]))
            json_object_set(rec, keys[i], json_object_get(st, keys[i]));
    json_decref(st);
}

int registry_list(struct sfs_sandbox *s, const struct sbx_execd *x, json_t **list)
{
    char path[2048];
    registry_path(s, path, sizeof path);
    *list = json_array();
    pthread_mutex_lock(&file_lock);
    FILE *f = fopen(path, "re");
    char line[SBX_CMD_MAX * 2 + 256];
    while (f && fgets(line, sizeof line, f) && json_array_size(*list) < REGISTRY_MAX) {
        json_t *rec = json_loads(line, 0, NULL);
        if (json_is_object(rec))
            json_array_append(*list, rec);
        json_decref(rec);
    }
    if (f)
        fclose(f);
    pthread_mutex_unlock(&file_lock);
    size_t i;
    json_t *rec;
    json_t *ends = known_ends(s);
    json_array_foreach(*list, i, rec) add_status(x, ends, rec);
    json_decref(ends);
    return 0;
}
