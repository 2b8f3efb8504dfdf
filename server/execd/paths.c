/* Literal path resolution and owner-name lookups without NSS. */
#include "fsutil.h"
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Lexically cleans an absolute path in place: //, /./ and /../ (as Go's filepath.Clean). */
static void clean(char *p)
{
    char *out = p, *s = p;
    while (*s) {
        while (*s == '/')
            s++;
        if (!*s) break;
        size_t n = strcspn(s, "/");
        if (n == 1 && s[0] == '.') {
        } else if (n == 2 && s[0] == '.' && s[1] == '.') {
            while (out > p && *--out != '/')
                ;
        } else {
            *out++ = '/';
            memmove(out, s, n);
            out += n;
        }
        s += n;
    }
    if (out == p) *out++ = '/';
    *out = 0;
}

int resolve_path(const char *in, char *out, size_t outsz)
{
    char tmp[PATH_BUF * 2];
    if (!in || !*in) return -EINVAL;
    if (in[0] == '~' && (in[1] == 0 || in[1] == '/')) {
        char home[PATH_BUF];
        if (home_dir(home, sizeof(home)) < 0) return -ENOENT;
        if (snprintf(tmp, sizeof(tmp), "%s/%s", home, in + 1) >= (int)sizeof(tmp))
            return -ENAMETOOLONG;
    } else if (in[0] != '/') {
        char cwd[PATH_BUF];
        if (!getcwd(cwd, sizeof(cwd))) return -errno;
        if (snprintf(tmp, sizeof(tmp), "%s/%s", cwd, in) >= (int)sizeof(tmp)) return -ENAMETOOLONG;
    } else if (snprintf(tmp, sizeof(tmp), "%s", in) >= (int)sizeof(tmp)) {
        return -ENAMETOOLONG;
    }
    clean(tmp);
    if (strlen(tmp) >= outsz) return -ENAMETOOLONG;
    strcpy(out, tmp);
    return 0;
}

/* Walks name:x:id:... lines; field 2 is the id. Calls match() for each line. */
static int scan_db(const char *file, const char *name, long id, char *ret_name, size_t namesz,
                   long *ret_id, char *ret_home, size_t homesz)
{
    FILE *f = fopen(file, "re");
    if (!f) return -ENOENT;
    char line[2048];
    int r = -ENOENT;
    while (fgets(line, sizeof(line), f)) {
        char *fields[7] = {0};
        int nf = 0;
        char *save, *tok = line;
        for (char *p = line; nf < 7; p++) {
            if (*p == ':' || *p == '\n' || !*p) {
                char c = *p;
                *p = 0;
                fields[nf++] = tok;
                tok = p + 1;
                if (c != ':') break;
            }
        }
        (void)save;
        if (nf < 3 || !*fields[2]) continue;
        char *end;
        long lid = strtol(fields[2], &end, 10);
        if (*end) continue;
        if ((name && strcmp(fields[0], name) == 0) || (!name && lid == id)) {
            if (ret_name) snprintf(ret_name, namesz, "%s", fields[0]);
            if (ret_id) *ret_id = lid;
            if (ret_home && nf >= 6) snprintf(ret_home, homesz, "%s", fields[5]);
            r = 0;
            break;
        }
    }
    fclose(f);
    return r;
}

/* The last id looked up in a database, valid while the file keeps its inode and mtime: a
 * directory listing asks for the same owner and group once per entry, and scanning
 * /etc/passwd and /etc/group for each one made listings cost ~45 us per entry. */
struct id_memo {
    pthread_mutex_t lock;
    bool valid;
    long id;
    dev_t dev;
    ino_t ino;
    struct timespec mtim;
    char name[256];
};
static struct id_memo pw_memo = {.lock = PTHREAD_MUTEX_INITIALIZER};
static struct id_memo gr_memo = {.lock = PTHREAD_MUTEX_INITIALIZER};

static bool memo_get(struct id_memo *m, const struct stat *st, long id, char *out, size_t outsz)
{
    pthread_mutex_lock(&m->lock);
    bool hit = m->valid && m->id == id && m->dev == st->st_dev && m->ino == st->st_ino &&
               m->mtim.tv_sec == st->st_mtim.tv_sec && m->mtim.tv_nsec == st->st_mtim.tv_nsec;
    if (hit) snprintf(out, outsz, "%s", m->name);
    pthread_mutex_unlock(&m->lock);
    return hit;
}

static void memo_put(struct id_memo *m, const struct stat *st, long id, const char *name)
{
    pthread_mutex_lock(&m->lock);
    m->valid = true;
    m->id = id;
    m->dev = st->st_dev;
    m->ino = st->st_ino;
    m->mtim = st->st_mtim;
    snprintf(m->name, sizeof(m->name), "%s", name);
    pthread_mutex_unlock(&m->lock);
}

static void id_name(struct id_memo *m, const char *file, long id, char *out, size_t outsz)
{
    struct stat st;
    bool have = stat(file, &st) == 0;
    if (have && memo_get(m, &st, id, out, outsz)) return;
    if (scan_db(file, NULL, id, out, outsz, NULL, NULL, 0) < 0) {
        snprintf(out, outsz, "%ld", id);
        return;
    }
    if (have) memo_put(m, &st, id, out);
}

void uid_name(uid_t uid, char *out, size_t outsz)
{
    id_name(&pw_memo, "/etc/passwd", (long)uid, out, outsz);
}

void gid_name(gid_t gid, char *out, size_t outsz)
{
    id_name(&gr_memo, "/etc/group", (long)gid, out, outsz);
}

static int numeric(const char *s, long *ret)
{
    char *end;
    if (!*s) return -EINVAL;
    long v = strtol(s, &end, 10);
    if (*end || v < 0) return -EINVAL;
    *ret = v;
    return 0;
}

int name_uid(const char *name, uid_t *ret)
{
    long id;
    if (scan_db("/etc/passwd", name, 0, NULL, 0, &id, NULL, 0) == 0 || numeric(name, &id) == 0) {
        *ret = (uid_t)id;
        return 0;
    }
    return -ENOENT;
}

int name_gid(const char *name, gid_t *ret)
{
    long id;
    if (scan_db("/etc/group", name, 0, NULL, 0, &id, NULL, 0) == 0 || numeric(name, &id) == 0) {
        *ret = (gid_t)id;
        return 0;
    }
    return -ENOENT;
}

int home_dir(char *out, size_t outsz)
{
    const char *h = getenv("HOME");
    if (h && *h) {
        snprintf(out, outsz, "%s", h);
        return 0;
    }
    if (scan_db("/etc/passwd", NULL, (long)getuid(), NULL, 0, NULL, out, outsz) == 0 && *out)
        return 0;
    snprintf(out, outsz, "/");
    return 0;
}
