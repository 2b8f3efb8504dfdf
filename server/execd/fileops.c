/* FileInfo JSON, permissions, mkdir -p, rm -rf, and the doublestar name glob. */
#include "execd.h"
#include "fsutil.h"
#include "reqparse.h"
#include "textbuf.h"
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Upstream knows files, directories and symlinks; the file-type extension names the rest. */
static const char *type_name(mode_t m)
{
    if (S_ISREG(m)) return "file";
    if (S_ISDIR(m)) return "directory";
    if (S_ISLNK(m)) return "symlink";
    if (g_cfg.upstream_compat) return "other";
    if (S_ISFIFO(m)) return "fifo";
    if (S_ISSOCK(m)) return "socket";
    if (S_ISCHR(m)) return "char_device";
    if (S_ISBLK(m)) return "block_device";
    return "other";
}

static void put_key(struct textbuf *b, const char *key)
{
    tb_putc(b, ',');
    tb_putc(b, '"');
    tb_puts(b, key);
    tb_put(b, "\":", 2);
}

static void put_int(struct textbuf *b, const char *key, long long v)
{
    put_key(b, key);
    tb_int(b, v);
}

static void put_str(struct textbuf *b, const char *key, const char *v)
{
    put_key(b, key);
    tb_jstr(b, v);
}

/* The extension fields after upstream's. */
static void put_extensions(struct textbuf *b, const char *abspath, const struct stat *st)
{
    if (S_ISLNK(st->st_mode)) {
        char target[PATH_BUF];
        ssize_t n = readlink(abspath, target, sizeof(target) - 1);
        if (n >= 0) {
            target[n] = 0;
            put_str(b, "link_target", target);
        }
    }
    put_int(b, "uid", st->st_uid);
    put_int(b, "gid", st->st_gid);
    put_int(b, "nlink", (long long)st->st_nlink);
    put_int(b, "ino", (long long)st->st_ino);
    put_int(b, "mtime_ns", timespec_to_ns(&st->st_mtim));
    if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
        put_int(b, "rdev_major", major(st->st_rdev));
        put_int(b, "rdev_minor", minor(st->st_rdev));
    }
}

void fileinfo_put(struct textbuf *b, const char *abspath, const struct stat *st)
{
    char mt[64], ct[64], owner[256], group[256];
    fmt_rfc3339nano(timespec_to_ns(&st->st_mtim), mt, sizeof(mt));
    fmt_rfc3339nano(timespec_to_ns(&st->st_ctim), ct, sizeof(ct));
    uid_name(st->st_uid, owner, sizeof(owner));
    gid_name(st->st_gid, group, sizeof(group));
    tb_put(b, "{\"path\":", 8);
    tb_jstr(b, abspath);
    put_str(b, "type", type_name(st->st_mode));
    put_int(b, "size", (long long)st->st_size);
    put_str(b, "modified_at", mt);
    put_str(b, "created_at", ct);
    put_str(b, "owner", owner);
    put_str(b, "group", group);
    put_int(b, "mode", mode_to_digits(st->st_mode));
    if (!g_cfg.upstream_compat) put_extensions(b, abspath, st);
    tb_putc(b, '}');
}

int apply_perms(const char *path, const char *owner, const char *group, bool has_mode, mode_t mode,
                const char **ret_what)
{
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (owner && *owner && name_uid(owner, &uid) < 0) {
        *ret_what = "unknown owner";
        return -EINVAL;
    }
    if (group && *group && name_gid(group, &gid) < 0) {
        *ret_what = "unknown group";
        return -EINVAL;
    }
    /* chown first: it clears setuid/setgid, which the chmod then sets */
    if (lchown(path, uid, gid) < 0) {
        *ret_what = "chown";
        return -errno;
    }
    if (has_mode && chmod(path, mode) < 0) {
        *ret_what = "chmod";
        return -errno;
    }
    return 0;
}

int mkdir_parents(const char *path, mode_t mode)
{
    char buf[PATH_BUF];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) return -ENAMETOOLONG;
    for (char *p = buf + 1;; p++) {
        if (*p && *p != '/') continue;
        char c = *p;
        *p = 0;
        struct stat st;
        if (mkdir(buf, mode) < 0 && errno != EEXIST) return -errno;
        if (stat(buf, &st) < 0) return -errno;
        if (!S_ISDIR(st.st_mode)) return -ENOTDIR;
        if (!c) break;
        *p = c;
    }
    return 0;
}

int mkdir_parent_of(const char *path)
{
    char buf[PATH_BUF];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) return -ENAMETOOLONG;
    char *slash = strrchr(buf, '/');
    if (!slash || slash == buf) return 0;
    *slash = 0;
    return mkdir_parents(buf, 0755);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    if (flag == FTW_DP) return rmdir(p) < 0 && errno != ENOENT ? -errno : 0;
    return unlink(p) < 0 && errno != ENOENT ? -errno : 0;
}

int remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0) return errno == ENOENT ? 0 : -errno;
    if (!S_ISDIR(st.st_mode)) return unlink(path) < 0 ? -errno : 0;
    int r = nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
    return r < 0 ? (r == -1 ? -errno : r) : 0;
}

/* Expands the first {a,b,...} group and matches each alternative (bounded recursion). */
static bool brace_match(const char *pat, const char *name, int depth, int *budget)
{
    if (--*budget < 0) return false;
    const char *open = strchr(pat, '{');
    if (!open || depth > 8) return fnmatch(pat, name, 0) == 0;
    int level = 0;
    const char *close = NULL;
    for (const char *p = open; *p; p++) {
        if (*p == '{')
            level++;
        else if (*p == '}' && --level == 0) {
            close = p;
            break;
        }
    }
    if (!close) return fnmatch(pat, name, 0) == 0;
    size_t plen = strlen(pat);
    char *buf = malloc(plen + 1);
    if (!buf) return false;
    bool hit = false;
    const char *alt = open + 1;
    level = 0;
    for (const char *p = open + 1; p <= close && !hit; p++) {
        if (*p == '{')
            level++;
        else if (*p == '}' && level > 0 && p != close)
            level--;
        else if ((*p == ',' && level == 0) || p == close) {
            int n = snprintf(buf, plen + 1, "%.*s%.*s%s", (int)(open - pat), pat, (int)(p - alt),
                             alt, close + 1);
            (void)n;
            hit = brace_match(buf, name, depth + 1, budget);
            alt = p + 1;
        }
    }
    free(buf);
    return hit;
}

bool glob_match(const char *pattern, const char *name)
{
    if (!*pattern || strlen(pattern) > 1024) return false;
    int budget = 4096; /* alternatives tried per name */
    return brace_match(pattern, name, 0, &budget);
}
