/* The "host" image skeleton: see image.h. /etc is copied with its secrets left out. */
#include "image.h"
#include "runtime.h"
#include "runtime_util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

/* Host top-level entries a sandbox sees read-only (bind) or as the same symlink. */
static const char *const system_dirs[] = {"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"};

/* Paths under /etc never copied (with everything below them). */
static const char *const etc_deny[] = {
    "shadow",
    "shadow-",
    "gshadow",
    "gshadow-",
    "sudoers",
    "sudoers.d",
    ".pwd.lock",
    "ssl/private",
    "security/opasswd",
    "krb5.keytab",
    "NetworkManager/system-connections",
    "wireguard",
    "apt/auth.conf",
    "apt/auth.conf.d",
    "sandboxd",
    "docker",
    "containerd",
    "ssh/ssh_host_", /* prefix: every host key */
};

/* Empty directories of the skeleton, and their modes. */
static const struct {
    const char *path;
    mode_t mode;
} skel_dirs[] = {
    {"tmp", 01777},      {"root", 0700},    {"home", 0755},      {"var", 0755},
    {"var/tmp", 01777},  {"var/log", 0755}, {"var/cache", 0755}, {"var/lib", 0755},
    {"var/spool", 0755}, {"run", 0755},     {"proc", 0555},      {"sys", 0555},
    {"dev", 0755},       {"opt", 0755},     {"mnt", 0755},       {"srv", 0755},
    {"media", 0755},
};

static pthread_mutex_t build_lock = PTHREAD_MUTEX_INITIALIZER;
static char copy_dest[PATH_MAX];

/* Which system dirs are real directories (bound) rather than symlinks: decided once. */
static const char *bind_list[IMAGE_BINDS_MAX];
static int bind_count;
static pthread_once_t bind_once = PTHREAD_ONCE_INIT;

static void find_binds(void)
{
    static char paths[sizeof system_dirs / sizeof *system_dirs][16];
    for (size_t i = 0; i < sizeof system_dirs / sizeof *system_dirs; i++) {
        struct stat st;
        snprintf(paths[i], sizeof paths[i], "/%s", system_dirs[i]);
        if (lstat(paths[i], &st) == 0 && S_ISDIR(st.st_mode) && bind_count < IMAGE_BINDS_MAX)
            bind_list[bind_count++] = paths[i];
    }
}

int image_host_binds(const char *ret[IMAGE_BINDS_MAX])
{
    pthread_once(&bind_once, find_binds);
    memcpy(ret, bind_list, sizeof bind_list);
    return bind_count;
}

static bool etc_denied(const char *rel)
{
    for (size_t i = 0; i < sizeof etc_deny / sizeof *etc_deny; i++) {
        const char *d = etc_deny[i];
        size_t n = strlen(d);
        if (d[n - 1] == '_' && strncmp(rel, d, n) == 0) return true;
        if (strncmp(rel, d, n) == 0 && (rel[n] == 0 || rel[n] == '/')) return true;
    }
    return false;
}

static int copy_reg(const char *src, const char *dst, const struct stat *st)
{
    int in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in < 0) return errno == ENOENT ? 0 : -errno;
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int r = out < 0 ? -errno : 0;
    off_t left = st->st_size;
    while (r == 0 && left > 0) {
        ssize_t n = sendfile(out, in, NULL, (size_t)left);
        if (n <= 0)
            r = n < 0 ? -errno : 0, left = 0;
        else
            left -= n;
    }
    if (r == 0 && (fchown(out, st->st_uid, st->st_gid) < 0 || fchmod(out, st->st_mode & 07777) < 0))
        r = -errno;
    if (out >= 0) close(out);
    close(in);
    return r;
}

static int copy_link(const char *src, const char *dst, const struct stat *st)
{
    char target[PATH_MAX];
    ssize_t n = readlink(src, target, sizeof target - 1);
    if (n < 0) return errno == ENOENT ? 0 : -errno;
    target[n] = 0;
    if (symlink(target, dst) < 0 || lchown(dst, st->st_uid, st->st_gid) < 0) return -errno;
    return 0;
}

static int copy_dir(const char *dst, const struct stat *st)
{
    if (mkdir(dst, 0700) < 0 && errno != EEXIST) return -errno;
    if (chown(dst, st->st_uid, st->st_gid) < 0 || chmod(dst, st->st_mode & 07777) < 0)
        return -errno;
    return 0;
}

static int copy_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    const char *rel = path + 4; /* after "/etc" */
    if (*rel == '/') rel++;
    /* Only what every host user may read: a file without o+r, or a directory without o+rx, is
     * kept from sandboxes along with the named secrets (private keys, pg_hba.conf, ...). */
    bool hidden = flag == FTW_D ? (st->st_mode & 05) != 05 : flag != FTW_SL && !(st->st_mode & 04);
    if (*rel && (etc_denied(rel) || hidden)) return flag == FTW_D ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
    char dst[PATH_MAX];
    if (rt_path(dst, "%s/%s", copy_dest, rel) < 0) return FTW_STOP;
    int r = 0;
    if (flag == FTW_D)
        r = copy_dir(dst, st);
    else if (flag == FTW_SL)
        r = copy_link(path, dst, st);
    else if (flag == FTW_F && S_ISREG(st->st_mode))
        r = copy_reg(path, dst, st);
    return r < 0 ? FTW_STOP : FTW_CONTINUE;
}

static int copy_etc(const char *dest, char *err)
{
    if (rt_path(copy_dest, "%s", dest) < 0)
        return rt_fail(err, -ENAMETOOLONG, "path too long: '%s'", dest);
    int r = nftw("/etc", copy_one, 32, FTW_PHYS | FTW_ACTIONRETVAL);
    if (r != 0) return rt_fail(err, -EIO, "copy /etc into '%s' failed: %m", dest);
    return 0;
}

static int make_skeleton(const char *root, char *err)
{
    char p[PATH_MAX];
    for (size_t i = 0; i < sizeof skel_dirs / sizeof *skel_dirs; i++) {
        if (rt_path(p, "%s/%s", root, skel_dirs[i].path) < 0 || mkdir(p, 0755) < 0 ||
            chmod(p, skel_dirs[i].mode) < 0)
            return rt_fail(err, -errno, "mkdir '%s': %m", p);
    }
    for (size_t i = 0; i < sizeof system_dirs / sizeof *system_dirs; i++) {
        char host[32], target[PATH_MAX];
        struct stat st;
        snprintf(host, sizeof host, "/%s", system_dirs[i]);
        if (lstat(host, &st) < 0) continue;
        if (rt_path(p, "%s/%s", root, system_dirs[i]) < 0)
            return rt_fail(err, -ENAMETOOLONG, "path too long under '%s'", root);
        ssize_t n = S_ISLNK(st.st_mode) ? readlink(host, target, sizeof target - 1) : -1;
        if (n > 0) {
            target[n] = 0;
            if (symlink(target, p) < 0) return rt_fail(err, -errno, "symlink '%s': %m", p);
        } else if (mkdir(p, 0755) < 0) {
            return rt_fail(err, -errno, "mkdir '%s': %m", p);
        }
    }
    if (rt_path(p, "%s/etc", root) < 0) return -ENAMETOOLONG;
    return copy_etc(p, err);
}

static int build_locked(const char *images_dir, char *err)
{
    char dir[PATH_MAX], root[PATH_MAX], tmp[PATH_MAX];
    if (rt_path(dir, "%s/host", images_dir) < 0 || rt_path(root, "%s/rootfs", dir) < 0 ||
        rt_path(tmp, "%s/rootfs.tmp.%d", dir, (int)getpid()) < 0)
        return rt_fail(err, -ENAMETOOLONG, "state dir path too long");
    if (rt_exists(root)) return 0;
    int r = rt_mkdir_p(dir, 0700);
    if (r < 0) return rt_fail(err, r, "mkdir '%s': %s", dir, strerror(-r));
    rt_rm_rf(tmp);
    if (mkdir(tmp, 0755) < 0) return rt_fail(err, -errno, "mkdir '%s': %m", tmp);
    r = make_skeleton(tmp, err);
    if (r == 0 && rename(tmp, root) < 0 && errno != EEXIST && errno != ENOTEMPTY)
        r = rt_fail(err, -errno, "rename '%s': %m", tmp);
    rt_rm_rf(tmp); /* another process won the race, or we failed */
    return r;
}

int image_host_build(const char *images_dir, char *err)
{
    pthread_mutex_lock(&build_lock);
    int r = build_locked(images_dir, err);
    pthread_mutex_unlock(&build_lock);
    return r;
}
