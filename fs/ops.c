/* The FUSE operations: each parses the path into a node and hands it to the part that owns it
 * (nodes.c for generated files, sandbox_ctl.c for lifecycle, stream.c for output, sessions.c,
 * files*.c for a sandbox's own filesystem, the templates directory for .templates). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cmdwatch.h"
#include "dir_cache.h"
#include "files.h"
#include "files_prefetch.h"
#include "nodes.h"
#include "notify.h"
#include "ops.h"
#include "sessions.h"
#include "reply_pipe.h"
#include "stream.h"

struct content_h { /* SFS_H_CONTENT: generated text, snapshotted at open; writes act at once */
    struct sfs_handle h;
    struct node n;
    char *buf;
    size_t len;
};

struct stream_h { /* SFS_H_STREAM: a command's output, or a session run's */
    struct sfs_handle h;
    struct stream *st;
    struct sfs_run *run;
    char what[8];
    bool nonblock;
};

struct real_h { /* SFS_H_REAL: a template file */
    struct sfs_handle h;
    int fd;
};

/* --- .files/NAME/... ------------------------------------------------------------------------- */

struct files_ref {
    struct sfs_sandbox *s;
    struct sbx_execd x;
    struct files_target t;
};

static int files_ref(const char *path, const struct node *n, struct files_ref *r)
{
    r->s = sbx_get(n->sbx);
    if (!r->s)
        return sbx_missing();
    int rc = sbx_execd(r->s, &r->x);
    if (rc) {
        sbx_put(r->s);
        return rc;
    }
    r->t = (struct files_target){.x = &r->x, .sandbox = r->s->name, .path = n->rest,
                                 .fuse_path = path};
    return 0;
}

#define WITH_FILES(path, n, call)                                                                  \
    do {                                                                                           \
        struct files_ref r_;                                                                       \
        int rc_ = files_ref(path, n, &r_);                                                         \
        if (!rc_) {                                                                                \
            const struct files_target *t = &r_.t;                                                  \
            rc_ = (call);                                                                          \
            sbx_put(r_.s);                                                                         \
        }                                                                                          \
        return rc_;                                                                                \
    } while (0)

/* Runs call with s = the sandbox named name (a reference held during the call). */
#define WITH_SANDBOX(name, call)                                                                   \
    do {                                                                                           \
        struct sfs_sandbox *s = sbx_get(name);                                                     \
        if (!s)                                                                                    \
            return sbx_missing();                                                                  \
        int rc_ = (call);                                                                          \
        sbx_put(s);                                                                                \
        return rc_;                                                                                \
    } while (0)

static void tpl_path(const struct node *n, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", tpl_dir(), n->name);
}

static int parse(const char *path, struct node *n)
{
    if (!path)
        return -ENOENT;
    return node_parse(path, n);
}

/* --- attributes and listings ----------------------------------------------------------------- */

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    struct node n;
    int rc = parse(path, &n);
    if (rc)
        return rc;
    if (n.kind == N_FILES)
        WITH_FILES(path, &n, files_getattr(t, st));
    if (n.kind == N_TEMPLATE) {
        char p[PATH_MAX];
        tpl_path(&n, p, sizeof p);
        return lstat(p, st) ? -errno : 0;
    }
    if (n.kind == N_SBX && notify_is_self() && notify_is_birth(n.sbx))
        return -ENOENT; /* so that the notifier's mkdir reaches us */
    if (n.kind == N_SBX && notify_is_self() && notify_is_ghost(n.sbx)) {
        memset(st, 0, sizeof *st); /* the notifier's rmdir of a vanished sandbox */
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
        return 0;
    }
    (void)fi;
    return node_getattr(&n, st);
}

static int list_templates(void *buf, fuse_fill_dir_t fill)
{
    DIR *d = opendir(tpl_dir());
    if (!d)
        return -errno;
    for (struct dirent *e; (e = readdir(d));)
        fill(buf, e->d_name, NULL, 0, 0);
    closedir(d);
    return 0;
}

/* Directories of files/ keep their entries from opendir to releasedir (files_dir), and the
 * kernel may cache them (dir_cache.c); the others are listed whole at each read, as libfuse
 * expects with offset 0. */
static int op_opendir(const char *path, struct fuse_file_info *fi)
{
    struct node n;
    fi->fh = 0;
    dir_cache_clear();
    if (parse(path, &n) == 0 && n.kind == N_FILES) {
        struct files_dir *d = files_opendir();
        if (!d)
            return -ENOMEM;
        fi->fh = (uintptr_t)d;
        if (sfs_cfg.cache != SFS_CACHE_NEVER) { /* libfuse >= 3.16.1 passes fi's flags on */
            fi->cache_readdir = 1;
            fi->keep_cache = files_dir_kernel_current(n.sbx, n.rest);
            dir_cache_set(fi->cache_readdir, fi->keep_cache);
        }
    }
    return 0;
}

static int op_releasedir(const char *path, struct fuse_file_info *fi)
{
    (void)path;
    files_closedir((struct files_dir *)(uintptr_t)fi->fh);
    return 0;
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    struct node n;
    struct files_dir *d = (struct files_dir *)(uintptr_t)fi->fh;
    (void)flags;
    if (off > 0 && files_dir_loaded(d)) /* the rest of an open directory's snapshot */
        return files_readdir(NULL, d, buf, fill, off);
    int rc = parse(path, &n);
    if (rc)
        return rc;
    if (n.kind == N_FILES)
        WITH_FILES(path, &n, files_readdir(t, d, buf, fill, off));
    if (n.kind == N_TEMPLATES)
        return list_templates(buf, fill);
    return node_readdir(&n, buf, fill);
}

static int op_readlink(const char *path, char *buf, size_t size)
{
    struct node n;
    int rc = parse(path, &n);
    if (rc)
        return rc;
    if (n.kind == N_FILES)
        WITH_FILES(path, &n, files_readlink(t, buf, size));
    if (n.kind != N_FILES_LINK)
        return -EINVAL;
    snprintf(buf, size, "../.files/%s", n.sbx);
    return 0;
}

/* --- opening --------------------------------------------------------------------------------- */

static bool writable(const struct node *n)
{
    switch (n->kind) {
    case N_SBX_FILE:
        return !strcmp(n->file, "ctl") || !strcmp(n->file, "cmd") || !strcmp(n->file, "expires");
    case N_METADATA_KEY:
        return true;
    case N_COMMAND_FILE:
        return !strcmp(n->file, "ctl");
    case N_SESSION_FILE:
        return !strcmp(n->file, "cmd");
    default:
        return false;
    }
}

static int open_stream(const struct node *n, struct fuse_file_info *fi)
{
    struct stream_h *h = calloc(1, sizeof *h);
    if (!h)
        return -ENOMEM;
    h->h.kind = SFS_H_STREAM;
    h->nonblock = fi->flags & O_NONBLOCK;
    struct sfs_sandbox *s = sbx_get(n->sbx);
    int rc = s ? 0 : sbx_missing();
    if (!rc && n->kind == N_SESSION_FILE) {
        snprintf(h->what, sizeof h->what, "%s", n->file);
        h->run = session_last_run(s, n->name);
    } else if (!rc) {
        struct sbx_execd x;
        char id[SBX_ID_MAX];
        json_t *rec = NULL;
        rc = sbx_execd(s, &x);
        if (!rc)
            rc = node_command(s, n->num, id, &rec);
        if (!rc)
            rc = stream_open(rec, &x, id, n->file, h->nonblock, &h->st);
        else if (rc == -ENOENT && n->num == 0)
            rc = 0; /* no command yet: an empty stream */
        json_decref(rec);
    }
    sbx_put(s);
    if (rc) {
        free(h);
        return rc;
    }
    fi->fh = (uint64_t)(uintptr_t)h;
    fi->direct_io = 1;
    fi->nonseekable = 0;
    fi->noflush = 1; /* close(2) has nothing to flush: no FLUSH request */
    return 0;
}

static int open_content(const struct node *n, struct fuse_file_info *fi)
{
    int acc = fi->flags & O_ACCMODE;
    if (acc != O_RDONLY && !writable(n))
        return -EACCES;
    struct content_h *h = calloc(1, sizeof *h);
    if (!h)
        return -ENOMEM;
    h->h.kind = SFS_H_CONTENT;
    h->n = *n;
    int rc = 0;
    if (acc != O_WRONLY)
        rc = node_content(n, &h->buf, &h->len);
    if (rc) {
        free(h);
        return rc;
    }
    fi->fh = (uint64_t)(uintptr_t)h;
    fi->direct_io = 1;
    fi->noflush = 1; /* a write acts at once (cmd, ctl, ...): close(2) has nothing to flush */
    return 0;
}

static int open_real(const struct node *n, int flags, mode_t mode, struct fuse_file_info *fi)
{
    char p[PATH_MAX];
    tpl_path(n, p, sizeof p);
    if (!sfs_valid_name(n->name) && !(n->name[0] == '.' && n->name[1]))
        return -EINVAL;
    int fd = open(p, (flags & ~O_NONBLOCK) | O_CLOEXEC, mode);
    if (fd < 0)
        return -errno;
    struct real_h *h = calloc(1, sizeof *h);
    if (!h) {
        close(fd);
        return -ENOMEM;
    }
    h->h.kind = SFS_H_REAL;
    h->fd = fd;
    fi->fh = (uint64_t)(uintptr_t)h;
    return 0;
}

static bool is_session_stream(const struct node *n)
{
    return n->kind == N_SESSION_FILE && strcmp(n->file, "cmd");
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
    struct node n;
    int rc = parse(path, &n);
    if (rc)
        return rc;
    if (n.kind == N_FILES)
        WITH_FILES(path, &n, files_open(t, fi));
    if (n.kind == N_TEMPLATE)
        return open_real(&n, fi->flags, 0, fi);
    if (n.kind == N_STREAM || is_session_stream(&n)) {
        if ((fi->flags & O_ACCMODE) != O_RDONLY)
            return -EACCES;
        return open_stream(&n, fi);
    }
    if (n.kind == N_SESSION_FILE) { /* cmd of a session: reads show the latest run's command */
        struct stream_h *h = NULL;
        if ((fi->flags & O_ACCMODE) == O_RDONLY) {
            rc = open_stream(&n, fi);
            if (!rc) {
                h = (struct stream_h *)(uintptr_t)fi->fh;
                snprintf(h->what, sizeof h->what, "cmd");
            }
            return rc;
        }
        return open_content(&n, fi);
    }
    if (n.kind == N_LOG || n.kind == N_SBX_FILE || n.kind == N_METADATA_KEY ||
        n.kind == N_COMMAND_FILE || n.kind == N_ENDPOINT || n.kind == N_SNAPSHOT_FILE)
        return open_content(&n, fi);
    return -EISDIR;
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    struct node n;
    int rc = parse(path, &n);
    if (rc)
        return rc;
    if (n.kind == N_FILES)
        WITH_FILES(path, &n, files_create(t, mode, fi));
    if (n.kind == N_TEMPLATE)
        return open_real(&n, fi->flags | O_CREAT, mode, fi);
    if (n.kind == N_METADATA_KEY) { /* the key exists from now on (empty until written) */
        struct sfs_sandbox *s = sbx_get(n.sbx);
        rc = s ? sbx_metadata_set(s, n.name, "") : sbx_missing();
        sbx_put(s);
        return rc ? rc : open_content(&n, fi);
    }
    return -EACCES;
}

/* --- reading and writing --------------------------------------------------------------------- */

static int op_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
    struct sfs_handle *h = (struct sfs_handle *)(uintptr_t)fi->fh;
    (void)path;
    switch (h->kind) {
    case SFS_H_CONTENT: {
        struct content_h *c = (struct content_h *)h;
        if ((size_t)off >= c->len)
            return 0;
        size_t k = c->len - (size_t)off < size ? c->len - (size_t)off : size;
        memcpy(buf, c->buf + off, k);
        return (int)k;
    }
    case SFS_H_STREAM: {
        struct stream_h *sh = (struct stream_h *)h;
        if (sh->run)
            return run_read(sh->run, sh->what, sh->nonblock, buf, size, off);
        return sh->st ? stream_read(sh->st, buf, size, off) : 0;
    }
    case SFS_H_REAL: {
        ssize_t n = pread(((struct real_h *)h)->fd, buf, size, off);
        return n < 0 ? -errno : (int)n;
    }
    case SFS_H_FILE:
        return files_read(fi, buf, size, off);
    default:
        return -EBADF;
    }
}

/* A piped command stream's bytes go to libfuse as a pipe: spliced into /dev/fuse, never copied
 * here. > 0: the bytes are in the thread's reply pipe (*fd); else what op_read should do. */
static int read_spliced(struct sfs_handle *h, size_t size, off_t off, int *fd)
{
    struct stream_h *sh = (struct stream_h *)h;
    int wr;
    if (h->kind != SFS_H_STREAM || sh->run || !sh->st || reply_pipe(fd, &wr))
        return -EOPNOTSUPP;
    return stream_read_fd(sh->st, wr, size < REPLY_PIPE_BYTES ? size : REPLY_PIPE_BYTES, off);
}

static int op_read_buf(const char *path, struct fuse_bufvec **bufp, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
    struct fuse_bufvec *bv = malloc(sizeof *bv);
    if (!bv)
        return -ENOMEM;
    int fd = -1;
    int n = read_spliced((struct sfs_handle *)(uintptr_t)fi->fh, size, off, &fd);
    if (n > 0) {
        *bv = FUSE_BUFVEC_INIT((size_t)n);
        bv->buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_RETRY;
        bv->buf[0].fd = fd;
        *bufp = bv;
        return 0;
    }
    char *mem = n == -EOPNOTSUPP ? malloc(size ? size : 1) : NULL;
    if (n == -EOPNOTSUPP)
        n = mem ? op_read(path, mem, size, off, fi) : -ENOMEM;
    if (n < 0) {
        free(mem);
        free(bv);
        return n;
    }
    *bv = FUSE_BUFVEC_INIT((size_t)n);
    bv->buf[0].mem = mem; /* libfuse frees it (NULL at EOF of a piped stream) */
    *bufp = bv;
    return 0;
}

static int op_write(const char *path, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    struct sfs_handle *h = (struct sfs_handle *)(uintptr_t)fi->fh;
    (void)path;
    switch (h->kind) {
    case SFS_H_CONTENT:
        return write_content(&((struct content_h *)h)->n, buf, size);
    case SFS_H_REAL: {
        ssize_t n = pwrite(((struct real_h *)h)->fd, buf, size, off);
        return n < 0 ? -errno : (int)n;
    }
    case SFS_H_FILE:
        return files_write(fi, buf, size, off);
    default:
        return -EBADF;
    }
}

static int op_flush(const char *path, struct fuse_file_info *fi)
{
    struct sfs_handle *h = (struct sfs_handle *)(uintptr_t)fi->fh;
    (void)path;
    return h && h->kind == SFS_H_FILE ? files_flush(fi) : 0;
}

static int op_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
    struct sfs_handle *h = (struct sfs_handle *)(uintptr_t)fi->fh;
    (void)path;
    if (h && h->kind == SFS_H_FILE)
        return files_fsync(fi, datasync);
    if (h && h->kind == SFS_H_REAL)
        return fsync(((struct real_h *)h)->fd) ? -errno : 0;
    return 0;
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
    struct sfs_handle *h = (struct sfs_handle *)(uintptr_t)fi->fh;
    (void)path;
    switch (h->kind) {
    case SFS_H_CONTENT:
        free(((struct content_h *)h)->buf);
        break;
    case SFS_H_STREAM:
        stream_close(((struct stream_h *)h)->st);
        run_put(((struct stream_h *)h)->run);
        break;
    case SFS_H_REAL:
        close(((struct real_h *)h)->fd);
        break;
    case SFS_H_FILE:
        return files_release(fi);
    default:
        break;
    }
    free(h);
    return 0;
}

/* --- changing the tree ----------------------------------------------------------------------- */

static int op_mkdir(const char *path, mode_t mode)
{
    struct node n;
    int rc = parse(path, &n);
    if (rc)
        return rc == -ENOENT ? -EPERM : rc;
    if (n.kind == N_FILES)
        WITH_FILES(path, &n, files_mkdir(t, mode));
    if (n.kind == N_SBX && notify_is_self()) { /* confirms a sandbox made elsewhere */
        notify_born(n.sbx);
        struct sfs_sandbox *s = sbx_get(n.sbx);
        sbx_put(s);
        return s ? 0 : -ENOENT;
    }
    if (n.kind == N_SBX)
        return sbx_create(n.sbx);
    if (n.kind == N_SESSION)
        WITH_SANDBOX(n.sbx, session_mkdir(s, n.name));
    return -EPERM;
}

static int op_rmdir(const char *path)
{
    struct node n;
    int rc = parse(path, &n);
    if (rc)
        return rc;
    if (n.kind == N_FILES)
        WITH_FILES(path, &n, files_rmdir(t));
    if (n.kind == N_SBX && notify_is_self()) /* confirms a sandbox deleted elsewhere */
        return notify_is_ghost(n.sbx) ? 0 : -ENOENT;
    if (n.kind == N_SBX)
        return sbx_delete(n.sbx);
    if (n.kind == N_SESSION)
        WITH_SANDBOX(n.sbx, session_rmdir(s, n.name));
    if (n.kind == N_SNAPSHOT) {
        char p[384];
        snprintf(p, sizeof p, "/snapshots/%s", n.name);
        return sbx_lc_call(&sfs_cfg.server, "DELETE", p, NULL, NULL, NULL);
    }
    return -EPERM;
}

static int op_unlink(const char *path)
{
    struct node n;
    int rc = parse(path, &n);
    if (rc)
        return rc;
    if (n.kind == N_FILES)
        WITH_FILES(path, &n, files_unlink(t));
    if (n.kind == N_TEMPLATE) {
        char p[PATH_MAX];
        tpl_path(&n, p, sizeof p);
        return unlink(p) ? -errno : 0;
    }
    if (n.kind == N_METADATA_KEY)
        WITH_SANDBOX(n.sbx, sbx_metadata_set(s, n.name, NULL));
    return -EPERM;
}

/* An operation on two files/ paths of one sandbox (EXDEV across sandboxes). */
static int files_pair(const char *from, const struct node *a, const char *to,
                      const struct node *b,
                      int (*op)(const struct files_target *, const struct files_target *,
                                unsigned),
                      unsigned flags)
{
    if (strcmp(a->sbx, b->sbx))
        return -EXDEV;
    struct files_ref r;
    int rc = files_ref(from, a, &r);
    if (rc)
        return rc;
    struct files_target tb = r.t;
    tb.path = b->rest;
    tb.fuse_path = to;
    rc = op(&r.t, &tb, flags);
    sbx_put(r.s);
    return rc;
}

static int link_targets(const struct files_target *from, const struct files_target *to,
                        unsigned flags)
{
    (void)flags;
    return files_link(from, to);
}

static int op_rename(const char *from, const char *to, unsigned flags)
{
    struct node a, b;
    int rc = parse(from, &a);
    if (!rc)
        rc = parse(to, &b);
    if (rc)
        return rc;
    if (a.kind == N_TEMPLATE && b.kind == N_TEMPLATE) {
        char pa[PATH_MAX], pb[PATH_MAX];
        tpl_path(&a, pa, sizeof pa);
        tpl_path(&b, pb, sizeof pb);
        return renameat2(AT_FDCWD, pa, AT_FDCWD, pb, flags) ? -errno : 0;
    }
    if (a.kind != N_FILES || b.kind != N_FILES)
        return -EXDEV;
    return files_pair(from, &a, to, &b, files_rename, flags);
}

/* Hard links exist only inside one sandbox's files/. */
static int op_link(const char *from, const char *to)
{
    struct node a, b;
    int rc = parse(from, &a);
    if (rc)
        return rc;
    if (a.kind != N_FILES || parse(to, &b) || b.kind != N_FILES)
        return -EPERM;
    return files_pair(from, &a, to, &b, link_targets, 0);
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    struct node n;
    int rc = parse(path, &n);
    if (rc)
        return rc;
    if (n.kind == N_FILES)
        WITH_FILES(path, &n, files_truncate(t, size, fi));
    if (n.kind == N_TEMPLATE) {
        char p[PATH_MAX];
        tpl_path(&n, p, sizeof p);
        return truncate(p, size) ? -errno : 0;
    }
    return writable(&n) && size == 0 ? 0 : -EACCES; /* "> cmd" truncates before writing */
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    struct node n;
    int rc = parse(path, &n);
    (void)fi;
    if (rc)
        return rc;
    if (n.kind == N_FILES)
        WITH_FILES(path, &n, files_chmod(t, mode));
    if (n.kind == N_TEMPLATE) {
        char p[PATH_MAX];
        tpl_path(&n, p, sizeof p);
        return chmod(p, mode) ? -errno : 0;
    }
    return -EPERM;
}

static int op_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
    struct node n;
    int rc = parse(path, &n);
    (void)fi;
    if (rc)
        return rc;
    if (n.kind == N_FILES)
        WITH_FILES(path, &n, files_chown(t, uid, gid));
    return -EPERM;
}

static int op_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
    struct node n;
    int rc = parse(path, &n);
    (void)fi;
    if (rc)
        return rc;
    if (n.kind == N_FILES)
        WITH_FILES(path, &n, files_utimens(t, tv));
    if (n.kind == N_TEMPLATE) {
        char p[PATH_MAX];
        tpl_path(&n, p, sizeof p);
        return utimensat(AT_FDCWD, p, tv, 0) ? -errno : 0;
    }
    return 0; /* generated files carry the server's times; touch on them changes nothing */
}

static int op_symlink(const char *target, const char *path)
{
    struct node n;
    int rc = parse(path, &n);
    if (rc)
        return rc;
    if (n.kind == N_FILES)
        WITH_FILES(path, &n, files_symlink(target, t));
    return -EPERM;
}

static int op_statfs(const char *path, struct statvfs *st)
{
    struct node n;
    int rc = parse(path, &n);
    if (rc)
        return rc;
    if (n.kind == N_FILES)
        WITH_FILES(path, &n, files_statfs(t, st));
    memset(st, 0, sizeof *st);
    st->f_bsize = st->f_frsize = 4096;
    st->f_namemax = 255;
    return 0;
}

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    double ttl = sfs_cfg.cache == SFS_CACHE_NEVER ? 0 : sfs_cfg.cache == SFS_CACHE_AUTO ? 1 : 30;
    cfg->entry_timeout = ttl;
    cfg->attr_timeout = ttl;
    cfg->negative_timeout = 0;
    cfg->nullpath_ok = 0;
    cfg->use_ino = 0;
    cfg->intr = 1; /* Ctrl-C on a blocked read: libfuse signals the worker (SIGUSR1) */
    cfg->intr_signal = SIGUSR1;
    conn->want |= FUSE_CAP_ASYNC_READ;
    if (conn->capable & FUSE_CAP_SPLICE_WRITE) /* piped streams' replies (op_read_buf) */
        conn->want |= FUSE_CAP_SPLICE_WRITE;
    /* Every path under NAME/files crosses the files -> ../.files/NAME symlink: without this
     * the kernel asks READLINK on each lookup (ls -lR: two per file). A cached target is
     * dropped when the link's size or mtime changes (auto_inval_data) or the inode goes. */
    if (sfs_cfg.cache != SFS_CACHE_NEVER && (conn->capable & FUSE_CAP_CACHE_SYMLINKS))
        conn->want |= FUSE_CAP_CACHE_SYMLINKS;
    conn->max_readahead = 1 << 20;
    sfs_log("mounted %s at %s", sfs_cfg.server.base, sfs_cfg.mountpoint);
    files_set_cache_ttl(sfs_cfg.cache == SFS_CACHE_NEVER ? 0 : sfs_cfg.cache == SFS_CACHE_AUTO ? 5 : 60,
                        ttl);
    notify_start();
    return NULL;
}

static void op_destroy(void *data)
{
    (void)data;
    prefetch_stop();
    cmdwatch_stop(); /* before the notifier: a finishing watch touches files */
    notify_stop();
}

const struct fuse_operations sfs_ops = {
    .init = op_init,
    .destroy = op_destroy,
    .getattr = op_getattr,
    .opendir = op_opendir,
    .readdir = op_readdir,
    .releasedir = op_releasedir,
    .readlink = op_readlink,
    .open = op_open,
    .create = op_create,
    .read = op_read,
    .read_buf = op_read_buf,
    .write = op_write,
    .flush = op_flush,
    .fsync = op_fsync,
    .release = op_release,
    .mkdir = op_mkdir,
    .rmdir = op_rmdir,
    .unlink = op_unlink,
    .rename = op_rename,
    .link = op_link,
    .truncate = op_truncate,
    .chmod = op_chmod,
    .chown = op_chown,
    .utimens = op_utimens,
    .symlink = op_symlink,
    .statfs = op_statfs,
};
