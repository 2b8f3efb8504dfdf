/* Templates: files in CONFIG_DIR/templates, shown (and edited) as /sandboxes/.templates/.
 * Format: one "key=value" per line, '#' comments; keys: image, snapshot, entrypoint (words, or a
 * JSON array), env (KEY=VALUE, repeatable), cpu, memory, pids, timeout (a duration, or "none"). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sandboxfs.h"

#define TPL_MAX (64 * 1024)

static char dir[PATH_MAX];

static const char default_template[] =
    "# The template of sandboxes whose name matches no other template.\n"
    "image=host\n"
    "cpu=1\n"
    "memory=1Gi\n"
    "pids=1024\n"
    "# timeout=30m  (default: none, the sandbox lives until rmdir)\n";

const char *tpl_dir(void)
{
    return dir;
}

static int mkdir_p(const char *path)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) && errno != EEXIST)
                return -errno;
            *p = '/';
        }
    return mkdir(tmp, 0755) && errno != EEXIST ? -errno : 0;
}

int tpl_init(void)
{
    snprintf(dir, sizeof dir, "%s/templates", sfs_cfg.config_dir);
    int rc = mkdir_p(dir);
    if (rc)
        return rc;
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/default", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
        ssize_t w = write(fd, default_template, sizeof default_template - 1);
        close(fd);
        if (w != (ssize_t)sizeof default_template - 1)
            return -EIO;
    }
    return 0;
}

void tpl_free(struct sfs_template *t)
{
    json_decref(t->entrypoint);
    json_decref(t->env);
    memset(t, 0, sizeof *t);
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int parse_entrypoint(const char *v, struct sfs_template *t)
{
    json_decref(t->entrypoint);
    if (*v == '[') {
        t->entrypoint = json_loads(v, 0, NULL);
        if (!json_is_array(t->entrypoint) || !json_array_size(t->entrypoint))
            return -EINVAL;
        size_t i;
        json_t *w;
        json_array_foreach(t->entrypoint, i, w) if (!json_is_string(w)) return -EINVAL;
        return 0;
    }
    t->entrypoint = json_array();
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", v);
    for (char *save, *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
        json_array_append_new(t->entrypoint, json_string(w));
    return json_array_size(t->entrypoint) ? 0 : -EINVAL;
}

static int copy_field(char *dst, size_t cap, const char *v)
{
    if (!*v || strlen(v) >= cap)
        return -EINVAL;
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

static int parse_number(const char *v, long *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < 0 || end == v)
        return -EINVAL;
    *out = n;
    return 0;
}

static int parse_kv(char *key, char *v, struct sfs_template *t)
{
    if (!strcmp(key, "image"))
        return copy_field(t->image, sizeof t->image, v);
    if (!strcmp(key, "snapshot"))
        return copy_field(t->snapshot, sizeof t->snapshot, v);
    if (!strcmp(key, "cpu"))
        return copy_field(t->cpu, sizeof t->cpu, v);
    if (!strcmp(key, "memory"))
        return copy_field(t->memory, sizeof t->memory, v);
    if (!strcmp(key, "pids"))
        return parse_number(v, &t->pids);
    if (!strcmp(key, "entrypoint"))
        return parse_entrypoint(v, t);
    if (!strcmp(key, "timeout")) {
        if (!strcmp(v, "none") || !strcmp(v, "0")) {
            t->timeout = 0;
            return 0;
        }
        return sfs_parse_duration(v, &t->timeout) || t->timeout < 60 ? -EINVAL : 0;
    }
    if (!strcmp(key, "env")) {
        char *eq = strchr(v, '=');
        if (!eq || eq == v)
            return -EINVAL;
        *eq = '\0';
        if (!t->env)
            t->env = json_object();
        return json_object_set_new(t->env, v, json_string(eq + 1)) ? -EINVAL : 0;
    }
    return -EINVAL;
}

int tpl_parse(const char *text, struct sfs_template *t, int *line)
{
    memset(t, 0, sizeof *t);
    char *copy = strdup(text);
    if (!copy)
        return -ENOMEM;
    int rc = 0, n = 0;
    for (char *save, *l = strtok_r(copy, "\n", &save); l && !rc; l = strtok_r(NULL, "\n", &save)) {
        n++;
        char *s = trim(l);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = -EINVAL;
            break;
        }
        *eq = '\0';
        rc = parse_kv(trim(s), trim(eq + 1), t);
    }
    free(copy);
    if (!rc && !t->image[0] && !t->snapshot[0])
        rc = -EINVAL, n = 0;
    if (rc) {
        if (line)
            *line = n;
        tpl_free(t);
    }
    return rc;
}

static int load(const char *name, struct sfs_template *t)
{
    char path[PATH_MAX + SFS_NAME_MAX + 2];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    char *buf = malloc(TPL_MAX + 1);
    ssize_t n = buf ? read(fd, buf, TPL_MAX + 1) : -1;
    close(fd);
    if (n < 0 || n > TPL_MAX) {
        free(buf);
        return n > TPL_MAX ? -EFBIG : -EIO;
    }
    buf[n] = '\0';
    int line = 0, rc = tpl_parse(buf, t, &line);
    free(buf);
    if (rc)
        sfs_log("template %s: invalid at line %d (keys: image snapshot entrypoint env cpu "
                "memory pids timeout)", name, line);
    return rc;
}

int tpl_resolve(const char *sandbox, struct sfs_template *t, char *used, size_t cap)
{
    const char *dot = strrchr(sandbox, '.');
    const char *order[3] = {sandbox, dot && dot[1] ? dot + 1 : NULL, "default"};
    for (int i = 0; i < 3; i++) {
        if (!order[i])
            continue;
        int rc = load(order[i], t);
        if (rc == -ENOENT)
            continue;
        snprintf(used, cap, "%s", order[i]);
        return rc;
    }
    snprintf(used, cap, "(builtin)");
    return tpl_parse(default_template, t, NULL);
}
