/* files/: metadata operations (attributes, listings, namespace changes) on execd's file API,
 * through the caches of files_cache.c. Open-file I/O lives in files_io.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "files.h"
#include "files_cache.h"
#include "files_prefetch.h"
#include "files_io.h"

static double kernel_ttl; /* the kernel's entry and attribute timeout */

/* Attributes the kernel got with a listing less than this long ago are still there (and stay
 * for at least as long again): the listing may go without them, and its readdir cache stay. */
static double told_fresh(void)
{
    return kernel_ttl / 2;
}

void files_set_cache_ttl(double seconds, double kernel_seconds)
{
    fcache_set_ttl(seconds);
    kernel_ttl = kernel_seconds;
}

/* The mount, learnt from the first request: files_forget runs outside requests. */
static struct fuse *_Atomic mount_fuse;

static void learn_fuse(void)
{
    struct fuse_context *c = fuse_get_context();
    if (c && c->fuse && !mount_fuse) mount_fuse = c->fuse;
}

/* Also drops the kernel's attributes and pages of every node we had cached, so a file changed
 * by a command reads whole at once (the kernel would otherwise keep its size for attr_timeout).
 * Nodes are named "/.files/NAME/PATH" in the mount. Called by the daemon when a command ended
 * (outside any request on these nodes, where kernel invalidation is safe). */
void files_forget(const char *sandbox)
{
    struct fuse *f = mount_fuse;
    size_t n = 0;
    char **paths = f ? fcache_paths(sandbox, FCACHE_MAX_ENTRIES, &n) : NULL;
    fcache_forget(sandbox);
    for (size_t i = 0; i < n; i++) {
        char full[SBX_PATH_MAX + 512];
        if (snprintf(full, sizeof full, "/.files/%s%s", sandbox,
                     strcmp(paths[i], "/") ? paths[i] : "") < (int)sizeof full)
            fuse_invalidate_path(f, full); /* -ENOENT: the kernel does not know it */
        free(paths[i]);
    }
    free(paths);
}

/* Tells the kernel that the parent directory of t changed (its mtime, size, link count). Only
 * ever for the parent: invalidating the node a request is working on could deadlock. */
static void kernel_inval_parent(const struct files_target *t)
{
    struct fuse_context *c = fuse_get_context();
    char parent[SBX_PATH_MAX + 256];
    if (!c || !c->fuse || !t->fuse_path || strcmp(t->fuse_path, "/") == 0) return;
    fcache_parent(parent, sizeof parent, t->fuse_path);
    fuse_invalidate_path(c->fuse, parent); /* -ENOENT when the kernel does not know it: fine */
}

/* Our change to t: drop our entries (the whole subtree when tree) and the kernel's parent. */
static void changed(const struct files_target *t, int tree)
{
    if (tree)
        fcache_drop_tree(t->sandbox, t->path);
    else
        fcache_drop(t->sandbox, t->path);
    kernel_inval_parent(t);
}

static void apply_pending(const char *sb, const char *path, struct stat *st)
{
    off_t p;
    if (!S_ISREG(st->st_mode)) return;
    p = files_io_pending_size(sb, path);
    if (p > st->st_size) {
        st->st_size = p;
        st->st_blocks = (p + 4095) / 4096 * 8;
    }
}

/* Fresh attributes from the server (cached on the way); link gets a symlink's target. */
static int fetch_info(const struct files_target *t, struct sbx_fileinfo *fi)
{
    uint64_t g = fcache_gen();
    int r = sbx_files_info(t->x, t->path, fi);
    if (r == -ENOENT)
        fcache_put_neg(t->sandbox, t->path, g);
    else if (r == 0)
        fcache_put_attr(t->sandbox, t->path, &fi->st, fi->link, g);
    return r;
}

int files_getattr(const struct files_target *t, struct stat *st)
{
    struct sbx_fileinfo *fi;
    int r;
    learn_fuse();
    r = fcache_get_attr(t->sandbox, t->path, st, NULL, 0);
    if (r == 0) {
        if (!(fi = malloc(sizeof *fi))) return -ENOMEM;
        r = fetch_info(t, fi);
        if (r == 0) *st = fi->st;
        free(fi);
    }
    if (r < 0) return r;
    apply_pending(t->sandbox, t->path, st);
    return 0;
}

/* An open directory of files/: its entries as of its first read (offset 0), which later reads
 * of the same open directory continue from. Offsets matter: libfuse 3.14 gives the kernel an
 * entry's attributes with readdirplus only in its offset mode (with offset 0 it sends none, and
 * `ls -l` then looked every entry up again); and a directory read in batches while it changes
 * (`rm -r`, `shutil.rmtree`) neither skips nor repeats an entry. */
struct files_dir {
    struct sbx_dirlist l;
    size_t cap;
    bool loaded;
    bool plus; /* give the kernel the entries' attributes (see load_dir) */
};

struct files_dir *files_opendir(void)
{
    return calloc(1, sizeof(struct files_dir));
}

void files_closedir(struct files_dir *d)
{
    if (!d) return;
    sbx_dirlist_free(&d->l);
    free(d);
}

struct collect_ctx {
    struct files_dir *d;
    const char *sb, *dir;
    bool writing; /* some file of the sandbox is open for writing: sizes may be pending */
    int err;
};

/* Adds one entry to the snapshot, its size raised by data still to be uploaded. */
static int collect_one(void *arg, const char *name, const struct stat *st0)
{
    struct collect_ctx *c = arg;
    struct files_dir *d = c->d;
    if (d->l.n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        struct sbx_dirent *e = realloc(d->l.e, cap * sizeof *e);
        if (!e) return c->err = -ENOMEM, 1;
        d->l.e = e;
        d->cap = cap;
    }
    struct sbx_dirent *e = &d->l.e[d->l.n];
    if (!(e->name = strdup(name))) return c->err = -ENOMEM, 1;
    e->st = *st0;
    if (c->writing && S_ISREG(e->st.st_mode)) {
        char path[SBX_PATH_MAX + SBX_NAME_MAX + 2];
        snprintf(path, sizeof path, "%s/%s", strcmp(c->dir, "/") ? c->dir : "", name);
        apply_pending(c->sb, path, &e->st);
    }
    d->l.n++;
    return 0;
}

static int load_dir(const struct files_target *t, struct files_dir *d)
{
    struct collect_ctx c = {d, t->sandbox, t->path, files_io_writing(t->sandbox), 0};
    sbx_dirlist_free(&d->l);
    d->cap = 0;
    d->loaded = false;
    if (!fcache_fill_dir(t->sandbox, t->path, collect_one, &c)) {
        struct sbx_dirlist l = {0};
        uint64_t g = fcache_gen();
        int r = sbx_files_list(t->x, t->path, &l);
        if (r) return r;
        for (size_t i = 0; i < l.n && !c.err; i++)
            collect_one(&c, l.e[i].name, &l.e[i].st);
        fcache_put_dir(t->sandbox, t->path, &l, g);
    }
    if (c.err) return c.err;
    d->loaded = true;
    /* a repeated `ls -l` then costs the kernel and libfuse no work per entry */
    d->plus = fcache_dir_tell(t->sandbox, t->path, told_fresh());
    prefetch_after_list(t);
    return 0;
}

bool files_dir_kernel_current(const char *sandbox, const char *path)
{
    return kernel_ttl > 0 && fcache_dir_told_within(sandbox, path, told_fresh());
}

bool files_dir_loaded(const struct files_dir *d)
{
    return d && d->loaded;
}

int files_readdir(const struct files_target *t, struct files_dir *d, void *buf,
                  fuse_fill_dir_t filler, off_t off)
{
    if (!d) return -EBADF;
    if (off == 0 || !d->loaded) {
        int r = t ? load_dir(t, d) : -EIO;
        if (r) return r;
    }
    /* entry k: 0 ".", 1 "..", then the listing; the offset given with it is the next one's */
    for (off_t k = off < 0 ? 0 : off; k < (off_t)d->l.n + 2; k++) {
        const struct sbx_dirent *e = k >= 2 ? &d->l.e[k - 2] : NULL;
        if (e ? filler(buf, e->name, &e->st, k + 1, d->plus ? FUSE_FILL_DIR_PLUS : 0)
              : filler(buf, k ? ".." : ".", NULL, k + 1, 0))
            break;
    }
    return 0;
}

/* Exists now? 0 no, 1 yes, or a negative errno. */
static int exists(const struct files_target *t)
{
    struct stat st;
    int r = files_getattr(t, &st);
    return r == 0 ? 1 : r == -ENOENT ? 0 : r;
}

int files_mkdir(const struct files_target *t, mode_t mode)
{
    int r = exists(t); /* POST /directories is mkdir -p: it would not fail on an existing one */
    if (r == 0)
        r = sbx_files_mkdir(t->x, t->path, (mode & 07777) ? mode & 07777 : 0755);
    else if (r == 1)
        r = -EEXIST;
    changed(t, 0);
    if (r == 0) /* lookups in it need not ask until something is created there */
        fcache_put_empty_dir(t->sandbox, t->path, fcache_gen());
    if (r == 0 && (mode & 07777) == 0) r = files_set_mode(t->x, t->path, 0, NULL, NULL);
    return r;
}

int files_rmdir(const struct files_target *t)
{
    int r = sbx_files_rmdir(t->x, t->path);
    changed(t, 1);
    return r;
}

int files_unlink(const struct files_target *t)
{
    int r = sbx_files_delete(t->x, t->path);
    changed(t, 0);
    return r;
}

/* Upstream mv refuses an existing destination: remove it first (not atomic; only without our
 * extensions, which announce write-at alongside mv's "overwrite"). */
static int clear_destination(const struct files_target *to)
{
    struct stat st;
    int r = files_getattr(to, &st);
    if (r == -ENOENT) return 0;
    if (r) return r;
    return S_ISDIR(st.st_mode) ? sbx_files_rmdir(to->x, to->path)
                               : sbx_files_delete(to->x, to->path);
}

int files_rename(const struct files_target *from, const struct files_target *to, unsigned flags)
{
    int overwrite = (from->x->ext & SBX_EXT_WRITE_AT) != 0, r = 0;
    if (flags & RENAME_EXCHANGE) return -EINVAL;
    if (flags & RENAME_NOREPLACE) {
        r = exists(to);
        r = r == 1 ? -EEXIST : r;
        overwrite = 0;
    } else if (!overwrite) {
        r = clear_destination(to);
    }
    if (r == 0) r = files_io_flush_path(from->sandbox, from->path);
    if (r == 0) r = sbx_files_mv(from->x, from->path, to->path, overwrite);
    if (r == 0) files_io_renamed(from->sandbox, from->path, to->path);
    changed(from, 1);
    changed(to, 1);
    return r;
}

/* execd's API has no hard links: ln(1) inside the sandbox, after a check that the new name is
 * free (the kernel only knows what it cached; ln would put the link inside a directory). */
int files_link(const struct files_target *from, const struct files_target *to)
{
    int r = exists(to);
    r = r == 1 ? -EEXIST : r;
    if (r == 0) r = files_io_flush_path(from->sandbox, from->path);
    if (r == 0) {
        const char *argv[] = {"ln", "--", from->path, to->path, NULL};
        r = sbx_files_sh_argv(from->x, argv);
    }
    changed(from, 0);
    changed(to, 0);
    /* The kernel knows the new name as another inode (paths, not inode numbers, name nodes
     * here), so it would keep the old name's link count for the attribute timeout. link(2)
     * holds no page of it, so invalidating this node cannot deadlock, unlike in a read. */
    struct fuse_context *c = fuse_get_context();
    if (r == 0 && c && c->fuse && from->fuse_path) fuse_invalidate_path(c->fuse, from->fuse_path);
    return r;
}

int files_set_mode(const struct sbx_execd *x, const char *path, mode_t mode, const char *owner,
                   const char *group)
{
    char num[8];
    /* the API chmods before it chowns, and the chown clears setuid/setgid: chmod(1) instead;
     * mode 0 means "no change" to the API */
    if ((mode & 07777) && !(mode & 06000))
        return sbx_files_perm(x, path, mode & 07777, owner, group);
    snprintf(num, sizeof num, "%o", (unsigned)(mode & 07777));
    return sbx_files_sh_argv(x, (const char *const[]){"chmod", num, "--", path, NULL});
}

int files_chmod(const struct files_target *t, mode_t mode)
{
    struct sbx_fileinfo *fi = malloc(sizeof *fi);
    int r = fi ? sbx_files_info(t->x, t->path, fi) : -ENOMEM;
    /* the API always chowns: pass the current owner and group */
    if (r == 0) r = files_set_mode(t->x, t->path, mode, fi->owner, fi->group);
    free(fi);
    fcache_drop(t->sandbox, t->path);
    return r;
}

static const char *id_name(char *dst, size_t cap, unsigned id, unsigned cur, const char *curname)
{
    if (id == (unsigned)-1 || id == cur) return curname; /* unchanged: the name execd reported */
    snprintf(dst, cap, "%u", id);
    return dst;
}

int files_chown(const struct files_target *t, uid_t uid, gid_t gid)
{
    struct sbx_fileinfo *fi = malloc(sizeof *fi);
    char u[16], g[16], spec[40];
    int r = fi ? sbx_files_info(t->x, t->path, fi) : -ENOMEM;
    if (r == 0 && S_ISLNK(fi->st.st_mode))
        r = -EOPNOTSUPP; /* the API follows links; fall back to chown -h */
    else if (r == 0)
        r = sbx_files_perm(t->x, t->path, 0, id_name(u, sizeof u, uid, fi->st.st_uid, fi->owner),
                           id_name(g, sizeof g, gid, fi->st.st_gid, fi->group));
    if (r && r != -ENOENT && fi) {
        /* numeric ids the API cannot resolve: chown(1) takes them */
        snprintf(
            spec, sizeof spec, "%s%s%s", uid == (uid_t)-1 ? "" : id_name(u, sizeof u, uid, -1, ""),
            gid == (gid_t)-1 ? "" : ":", gid == (gid_t)-1 ? "" : id_name(g, sizeof g, gid, -1, ""));
        r = sbx_files_sh_argv(t->x,
                              (const char *const[]){"chown", "-h", spec, "--", t->path, NULL});
    }
    free(fi);
    fcache_drop(t->sandbox, t->path);
    return r;
}

int files_truncate(const struct files_target *t, off_t size, struct fuse_file_info *fi)
{
    int r;
    if (fi && fi->fh) return files_io_truncate_handle(fi, size);
    r = files_io_flush_path(t->sandbox, t->path);
    if (r == 0) r = files_io_truncate_remote(t->x, t->path, size);
    fcache_drop(t->sandbox, t->path);
    return r;
}

int files_symlink(const char *target, const struct files_target *t)
{
    int r = sbx_files_symlink(t->x, target, t->path);
    if (r == -EOPNOTSUPP)
        r = sbx_files_sh_argv(t->x, (const char *const[]){"ln", "-s", "--", target, t->path, NULL});
    changed(t, 0);
    return r;
}

/* Without link_target (upstream), readlink(1) in the sandbox tells. */
static int readlink_cmd(const struct files_target *t, char *buf, size_t size)
{
    char q[SBX_PATH_MAX * 4 + 3], cmd[sizeof q + 32];
    int r = sbx_sh_quote(q, sizeof q, t->path);
    if (r) return r;
    snprintf(cmd, sizeof cmd, "readlink -- %s", q);
    r = sbx_files_sh(t->x, cmd, buf, size);
    if (r > 0) return -EINVAL;
    buf[strcspn(buf, "\n")] = 0;
    return r;
}

int files_readlink(const struct files_target *t, char *buf, size_t size)
{
    struct sbx_fileinfo *fi;
    struct stat st;
    int r = fcache_get_attr(t->sandbox, t->path, &st, buf, size);
    if (r == 1 && S_ISLNK(st.st_mode) && buf[0]) return 0;
    if (r == 1 && !S_ISLNK(st.st_mode)) return -EINVAL;
    if (!(fi = malloc(sizeof *fi))) return -ENOMEM;
    r = fetch_info(t, fi);
    if (r == 0 && !S_ISLNK(fi->st.st_mode)) r = -EINVAL;
    if (r == 0 && fi->link[0])
        snprintf(buf, size, "%s", fi->link);
    else if (r == 0)
        r = readlink_cmd(t, buf, size);
    free(fi);
    return r;
}

int files_utimens(const struct files_target *t, const struct timespec tv[2])
{
    struct sbx_fileinfo *fi = malloc(sizeof *fi); /* the attributes execd answers with */
    int r = files_io_flush_path(t->sandbox, t->path); /* a later send would move mtime again */
    uint64_t g = fcache_gen();
    if (r == 0) r = sbx_files_utimens(t->x, t->path, tv, fi);
    fcache_changed(t->sandbox, t->path, r == 0 && fi ? &fi->st : NULL, g);
    free(fi);
    return r;
}

int files_statfs(const struct files_target *t, struct statvfs *st)
{
    uint64_t g;
    int r;
    if (fcache_get_statfs(t->sandbox, st)) return 0;
    g = fcache_gen();
    r = sbx_files_statfs(t->x, "/", st);
    if (r == 0) fcache_put_statfs(t->sandbox, st, g);
    return r;
}
