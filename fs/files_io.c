/* files/ open-file handles (see files_io.h).
 *
 * Reads: a window fetched with one ranged GET serves the kernel's following reads; it starts at
 * FILES_RA_MIN and doubles on sequential reads up to FILES_RA_MAX, and a random read fetches only
 * what was asked. Writes with the write-at extension: a contiguous run is buffered (up to
 * FILES_RUN_MAX) and sent when it breaks, fills, or on flush/fsync/release; without it: a
 * temporary copy of the file takes the writes and is uploaded whole on flush/fsync/release.
 * Every send happens inside a write, flush or fsync that can report its error. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "files_cache.h"
#include "files_io.h"

struct files_handle {
    struct sfs_handle h; /* kind SFS_H_FILE; must stay first */
    struct sbx_execd x;  /* copied: the target's pointer is valid only during the call */
    char *sb, *path;     /* path is rewritten by files_io_renamed (under reg_lock and mu) */
    int writable;
    pthread_mutex_t mu;
    /* read-ahead window [ra_off, ra_off + ra_len); ra_eof: the server had no more */
    char *ra;
    size_t ra_len, ra_win;
    off_t ra_off, next_off;
    int ra_eof;
    /* write run [w_off, w_off + w_len) not sent yet */
    char *wb;
    size_t w_len, w_cap;
    off_t w_off;
    /* fallback copy (no write-at): tmp holds the whole file once loaded */
    int tmp, tmp_dirty;
    _Atomic long long pending; /* size seen through this handle while unsent data exists, or 0 */
    struct files_handle *prev, *next; /* registry of open handles */
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct files_handle *reg_head;
static char spool_dir[1024];

void files_set_spool_dir(const char *dir)
{
    snprintf(spool_dir, sizeof spool_dir, "%s", dir ? dir : "");
}

const char *files_spool_dir(void)
{
    const char *t = getenv("TMPDIR");
    return spool_dir[0] ? spool_dir : t && *t ? t : "/tmp";
}

static struct files_handle *handle_of(struct fuse_file_info *fi)
{
    return (struct files_handle *)(uintptr_t)fi->fh;
}

static void reg_add(struct files_handle *h)
{
    pthread_mutex_lock(&reg_lock);
    h->next = reg_head;
    if (reg_head) reg_head->prev = h;
    reg_head = h;
    pthread_mutex_unlock(&reg_lock);
}

static void reg_del(struct files_handle *h)
{
    pthread_mutex_lock(&reg_lock);
    if (h->prev)
        h->prev->next = h->next;
    else
        reg_head = h->next;
    if (h->next) h->next->prev = h->prev;
    pthread_mutex_unlock(&reg_lock);
}

static void handle_free(struct files_handle *h)
{
    if (!h) return;
    if (h->tmp >= 0) close(h->tmp);
    pthread_mutex_destroy(&h->mu);
    free(h->ra);
    free(h->wb);
    free(h->sb);
    free(h->path);
    free(h);
}

static struct files_handle *handle_new(const struct files_target *t, int flags)
{
    struct files_handle *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->h.kind = SFS_H_FILE;
    h->x = *t->x;
    h->sb = strdup(t->sandbox);
    h->path = strdup(t->path);
    h->writable = (flags & O_ACCMODE) != O_RDONLY;
    h->tmp = -1;
    pthread_mutex_init(&h->mu, NULL);
    if (!h->sb || !h->path) {
        handle_free(h);
        return NULL;
    }
    return h;
}

static void note_pending(struct files_handle *h, off_t end)
{
    long long cur = atomic_load(&h->pending);
    while (end > cur && !atomic_compare_exchange_weak(&h->pending, &cur, end))
        ;
}

static int has_write_at(const struct files_handle *h)
{
    return (h->x.ext & SBX_EXT_WRITE_AT) != 0;
}

/* --- write runs (write-at) --- */

static int run_send(struct files_handle *h)
{
    if (!h->w_len) return 0; /* nothing buffered: nothing changed */
    struct sbx_fileinfo *fi = malloc(sizeof *fi); /* execd's answer */
    uint64_t g = fcache_gen();
    int r = sbx_files_write_at(&h->x, h->path, h->wb, h->w_len, h->w_off, false, fi);
    h->w_len = 0; /* on failure the data is dropped: the error goes to this write/flush */
    atomic_store(&h->pending, 0);
    fcache_changed(h->sb, h->path, r == 0 && fi ? &fi->st : NULL, g);
    free(fi);
    return r;
}

static int run_reserve(struct files_handle *h, size_t need)
{
    size_t cap = h->w_cap ? h->w_cap : 64u << 10;
    char *p;
    while (cap < need)
        cap *= 2;
    if (cap <= h->w_cap) return 0;
    if (cap > FILES_RUN_MAX) cap = FILES_RUN_MAX;
    p = realloc(h->wb, cap);
    if (!p) return -ENOMEM;
    h->wb = p;
    h->w_cap = cap;
    return 0;
}

static int run_write(struct files_handle *h, const char *buf, size_t size, off_t off)
{
    int r = 0;
    if (h->w_len && (off != h->w_off + (off_t)h->w_len || h->w_len + size > FILES_RUN_MAX))
        r = run_send(h);
    if (r) return r;
    if (size >= FILES_RUN_MAX) { /* too big to buffer: straight through */
        r = sbx_files_write_at(&h->x, h->path, buf, size, off, false, NULL);
        fcache_drop(h->sb, h->path);
        return r ? r : (int)size;
    }
    r = run_reserve(h, h->w_len + size);
    if (r) return r;
    if (h->w_len == 0) h->w_off = off;
    memcpy(h->wb + h->w_len, buf, size);
    h->w_len += size;
    note_pending(h, off + (off_t)size);
    return (int)size;
}

/* --- fallback copy (no write-at) --- */

static int tmp_load(struct files_handle *h)
{
    ssize_t n;
    if (h->tmp >= 0) return 0;
    h->tmp = open(files_spool_dir(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (h->tmp < 0) return -errno;
    n = sbx_files_download_fd(&h->x, h->path, h->tmp);
    if (n < 0) {
        close(h->tmp);
        h->tmp = -1;
        return (int)n;
    }
    return 0;
}

static int tmp_send(struct files_handle *h)
{
    struct sbx_fileinfo *fi;
    struct stat st;
    int r;
    if (h->tmp < 0 || !h->tmp_dirty) return 0;
    if (fstat(h->tmp, &st)) return -errno;
    fi = malloc(sizeof *fi);
    if (!fi) return -ENOMEM;
    /* keep the file's mode and owner: upload would reset both */
    r = sbx_files_info(&h->x, h->path, fi);
    if (r == 0 || r == -ENOENT)
        r = sbx_files_upload_fd(&h->x, h->path, h->tmp, st.st_size,
                                r == 0 ? fi->st.st_mode & 07777 : 0644, r == 0 ? fi->owner : NULL,
                                r == 0 ? fi->group : NULL, files_spool_dir());
    free(fi);
    h->tmp_dirty = 0;
    atomic_store(&h->pending, 0);
    fcache_drop(h->sb, h->path);
    return r;
}

static int tmp_write(struct files_handle *h, const char *buf, size_t size, off_t off)
{
    ssize_t n;
    int r = tmp_load(h);
    if (r) return r;
    n = pwrite(h->tmp, buf, size, off);
    if (n < 0) return -errno;
    h->tmp_dirty = 1;
    note_pending(h, off + n);
    return (int)n;
}

/* Sends everything this handle holds back. Caller holds h->mu. */
static int handle_sync(struct files_handle *h)
{
    return has_write_at(h) ? run_send(h) : tmp_send(h);
}

/* --- reads --- */

static int ra_hit(struct files_handle *h, char *buf, size_t size, off_t off)
{
    off_t end = h->ra_off + (off_t)h->ra_len;
    size_t n;
    if (!h->ra_len || off < h->ra_off || off > end) return -1;
    if (off + (off_t)size > end && !h->ra_eof) return -1;
    n = off + (off_t)size > end ? (size_t)(end - off) : size;
    memcpy(buf, h->ra + (off - h->ra_off), n);
    return (int)n;
}

static int ra_fetch(struct files_handle *h, char *buf, size_t size, off_t off)
{
    size_t win;
    ssize_t n;
    h->ra_win = off == h->next_off && h->ra_win ? h->ra_win * 2 : FILES_RA_MIN;
    if (h->ra_win > FILES_RA_MAX) h->ra_win = FILES_RA_MAX;
    win = off == h->next_off || off == 0 ? h->ra_win : 0;
    if (win <= size) return (int)sbx_files_read(&h->x, h->path, buf, size, off);
    if (!h->ra && !(h->ra = malloc(FILES_RA_MAX))) return -ENOMEM;
    n = sbx_files_read(&h->x, h->path, h->ra, win, off);
    h->ra_len = n > 0 ? (size_t)n : 0;
    h->ra_off = off;
    h->ra_eof = n >= 0 && (size_t)n < win;
    if (n < 0) return (int)n;
    memcpy(buf, h->ra, (size_t)n < size ? (size_t)n : size);
    return (size_t)n < size ? (int)n : (int)size;
}

static int remote_read(struct files_handle *h, char *buf, size_t size, off_t off)
{
    int n = ra_hit(h, buf, size, off);
    if (n < 0) n = ra_fetch(h, buf, size, off);
    if (n >= 0) h->next_off = off + n;
    return n;
}

int files_read(struct fuse_file_info *fi, char *buf, size_t size, off_t off)
{
    struct files_handle *h = handle_of(fi);
    int r = 0;
    pthread_mutex_lock(&h->mu);
    if (h->tmp >= 0) {
        ssize_t n = pread(h->tmp, buf, size, off);
        r = n < 0 ? -errno : (int)n;
    } else {
        if (h->w_len) r = run_send(h); /* reads see this handle's own writes */
        if (r == 0) r = remote_read(h, buf, size, off);
    }
    pthread_mutex_unlock(&h->mu);
    return r;
}

int files_write(struct fuse_file_info *fi, const char *buf, size_t size, off_t off)
{
    struct files_handle *h = handle_of(fi);
    int r;
    pthread_mutex_lock(&h->mu);
    h->ra_len = 0;
    r = has_write_at(h) ? run_write(h, buf, size, off) : tmp_write(h, buf, size, off);
    pthread_mutex_unlock(&h->mu);
    return r;
}

/* --- open, create, flush, release --- */

int files_io_truncate_remote(const struct sbx_execd *x, const char *path, off_t size)
{
    char num[32];
    int r = sbx_files_truncate(x, path, size);
    if (r == -EOPNOTSUPP && (x->ext & SBX_EXT_WRITE_AT))
        r = sbx_files_write_at(x, path, "", 0, size, true, NULL);
    if (r == -EOPNOTSUPP) {
        snprintf(num, sizeof num, "%jd", (intmax_t)size);
        r = sbx_files_sh_argv(x, (const char *const[]){"truncate", "-s", num, "--", path, NULL});
    }
    return r;
}

static int handle_install(struct files_handle *h, struct fuse_file_info *fi)
{
    fi->fh = (uint64_t)(uintptr_t)h;
    fi->keep_cache = 0; /* reopen sees the sandbox's current content */
    reg_add(h);
    return 0;
}

/* A regular file that says it is empty, opened to read: procfs files say so whatever they
 * hold. The kernel would read nothing; direct I/O sends its reads to us, and execd answers
 * them with what the file has (docs/files.md). A file that is really empty costs one request. */
static bool read_as_unsized(const struct files_target *t, int flags)
{
    struct stat st;
    if ((flags & O_ACCMODE) != O_RDONLY) return false;
    int r = fcache_get_attr(t->sandbox, t->path, &st, NULL, 0);
    if (r == 0) r = files_getattr(t, &st) == 0;
    return r == 1 && S_ISREG(st.st_mode) && st.st_size == 0;
}

int files_open(const struct files_target *t, struct fuse_file_info *fi)
{
    struct files_handle *h = handle_new(t, fi->flags);
    int r = 0;
    if (!h) return -ENOMEM;
    fi->direct_io = read_as_unsized(t, fi->flags);
    /* with atomic_o_trunc the kernel leaves O_TRUNC to us */
    if ((fi->flags & O_TRUNC) && h->writable) {
        r = files_io_truncate_remote(t->x, t->path, 0);
        fcache_drop(t->sandbox, t->path);
    }
    if (r) {
        handle_free(h);
        return r;
    }
    return handle_install(h, fi);
}

int files_create(const struct files_target *t, mode_t mode, struct fuse_file_info *fi)
{
    struct files_handle *h = handle_new(t, fi->flags | O_RDWR);
    struct sbx_fileinfo *info = malloc(sizeof *info); /* execd's answer to the creation */
    uint64_t g = fcache_gen();
    int r;
    if (!h || !info) {
        handle_free(h);
        free(info);
        return -ENOMEM;
    }
    info->st.st_mode = 0;
    mode &= 07777;
    if (t->x->ext & SBX_EXT_WRITE_AT) {
        r = sbx_files_write_at(t->x, t->path, "", 0, 0, true, info); /* creates it 0644, empty */
        if (r == 0 && mode != 0644) {
            info->st.st_mode = 0; /* changed again: asked for when needed */
            r = files_set_mode(t->x, t->path, mode, NULL, NULL);
        }
    } else {
        r = sbx_files_upload_fd(t->x, t->path, -1, 0, mode ? mode : 0644, NULL, NULL,
                                files_spool_dir());
    }
    fcache_changed(t->sandbox, t->path, r == 0 ? &info->st : NULL, g);
    free(info);
    if (r) {
        handle_free(h);
        return r;
    }
    return handle_install(h, fi);
}

int files_flush(struct fuse_file_info *fi)
{
    struct files_handle *h = handle_of(fi);
    int r;
    pthread_mutex_lock(&h->mu);
    r = handle_sync(h);
    pthread_mutex_unlock(&h->mu);
    return r;
}

int files_fsync(struct fuse_file_info *fi, int datasync)
{
    return files_flush(fi);
}

int files_release(struct fuse_file_info *fi)
{
    struct files_handle *h = handle_of(fi);
    int r;
    reg_del(h);
    pthread_mutex_lock(&h->mu);
    r = handle_sync(h);
    pthread_mutex_unlock(&h->mu);
    handle_free(h);
    fi->fh = 0;
    return r;
}

/* truncate(2)/ftruncate(2) on an open handle: its unsent data first, then the server. */
int files_io_truncate_handle(struct fuse_file_info *fi, off_t size)
{
    struct files_handle *h = handle_of(fi);
    int r = 0;
    pthread_mutex_lock(&h->mu);
    h->ra_len = 0;
    if (h->tmp >= 0) {
        r = ftruncate(h->tmp, size) ? -errno : 0;
        h->tmp_dirty = 1;
        atomic_store(&h->pending, 0);
        r = r ? r : tmp_send(h);
    } else {
        r = run_send(h);
        if (r == 0) r = files_io_truncate_remote(&h->x, h->path, size);
    }
    fcache_drop(h->sb, h->path);
    pthread_mutex_unlock(&h->mu);
    return r;
}

/* --- registry queries --- */

static int same_file(const struct files_handle *h, const char *sb, const char *path)
{
    return strcmp(h->path, path) == 0 && strcmp(h->sb, sb) == 0;
}

off_t files_io_pending_size(const char *sb, const char *path)
{
    off_t max = 0;
    pthread_mutex_lock(&reg_lock);
    for (struct files_handle *h = reg_head; h; h = h->next)
        if (h->writable && same_file(h, sb, path) && atomic_load(&h->pending) > max)
            max = atomic_load(&h->pending);
    pthread_mutex_unlock(&reg_lock);
    return max;
}

bool files_io_writing(const char *sb)
{
    bool any = false;
    pthread_mutex_lock(&reg_lock);
    for (struct files_handle *h = reg_head; h && !any; h = h->next)
        any = h->writable && strcmp(h->sb, sb) == 0;
    pthread_mutex_unlock(&reg_lock);
    return any;
}

int files_io_flush_path(const char *sb, const char *path)
{
    int r = 0, e;
    pthread_mutex_lock(&reg_lock);
    for (struct files_handle *h = reg_head; h; h = h->next) {
        if (!h->writable || !same_file(h, sb, path) || !atomic_load(&h->pending)) continue;
        pthread_mutex_lock(&h->mu);
        e = handle_sync(h);
        pthread_mutex_unlock(&h->mu);
        r = r ? r : e;
    }
    pthread_mutex_unlock(&reg_lock);
    return r;
}

/* from → to for the handle's path when it is from or below it. */
static void rename_one(struct files_handle *h, const char *from, const char *to)
{
    size_t lf = strlen(from);
    char *np;
    if (strncmp(h->path, from, lf) != 0 || (h->path[lf] != 0 && h->path[lf] != '/')) return;
    np = malloc(strlen(to) + strlen(h->path + lf) + 1);
    if (!np) return;
    strcpy(np, to);
    strcat(np, h->path + lf);
    pthread_mutex_lock(&h->mu);
    free(h->path);
    h->path = np;
    pthread_mutex_unlock(&h->mu);
}

void files_io_renamed(const char *sb, const char *from, const char *to)
{
    pthread_mutex_lock(&reg_lock);
    for (struct files_handle *h = reg_head; h; h = h->next)
        if (strcmp(h->sb, sb) == 0) rename_one(h, from, to);
    pthread_mutex_unlock(&reg_lock);
}
