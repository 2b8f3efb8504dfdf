/* files/ caches: one chained hash table under one mutex (see files_cache.h). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "files_cache.h"
#include "sandboxfs.h"

#define NBUCKETS 16384

enum { K_ATTR = 'a', K_DIR = 'd', K_STATFS = 's' };

struct entry {
    struct entry *next;
    uint64_t hash;
    double expires;
    char kind;
    char *sb, *path; /* one allocation: sb '\0' path '\0' */
    int neg;
    struct stat st;
    char *link;
    struct sbx_dirlist dir;
    double told; /* K_DIR: when the kernel last got the entries' attributes (readdirplus) */
    bool walked; /* K_DIR: its subdirectories were queued for read-ahead */
    struct statvfs vfs;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *buckets[NBUCKETS];
static size_t count;
static double ttl;
static uint64_t gen;

static uint64_t hash_key(char kind, const char *sb, const char *path)
{
    uint64_t h = 1469598103934665603ull ^ (unsigned char)kind;
    for (const char *p = sb; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
    for (const char *p = path; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h;
}

static void entry_free(struct entry *e)
{
    free(e->link);
    sbx_dirlist_free(&e->dir);
    free(e->sb);
    free(e);
}

static struct entry **find_slot(char kind, const char *sb, const char *path)
{
    uint64_t h = hash_key(kind, sb, path);
    struct entry **pp = &buckets[h % NBUCKETS];
    for (; *pp; pp = &(*pp)->next)
        if ((*pp)->hash == h && (*pp)->kind == kind && strcmp((*pp)->sb, sb) == 0 &&
            strcmp((*pp)->path, path) == 0)
            return pp;
    return pp;
}

static void unlink_slot(struct entry **pp)
{
    struct entry *e = *pp;
    *pp = e->next;
    entry_free(e);
    count--;
}

static void remove_key(char kind, const char *sb, const char *path)
{
    struct entry **pp = find_slot(kind, sb, path);
    if (*pp) unlink_slot(pp);
}

/* A fresh entry or NULL (an expired one is removed on the way). */
static struct entry *lookup(char kind, const char *sb, const char *path)
{
    struct entry **pp = find_slot(kind, sb, path);
    if (*pp && (*pp)->expires < sfs_now()) {
        unlink_slot(pp);
        return NULL;
    }
    return *pp;
}

/* Removes every entry matching pred; used for expiry, prefixes and whole sandboxes. */
static void sweep(int (*pred)(const struct entry *e, const void *arg), const void *arg)
{
    if (!count) /* every command's end sweeps: no scan of 16384 empty buckets */
        return;
    for (size_t i = 0; i < NBUCKETS; i++)
        for (struct entry **pp = &buckets[i]; *pp;)
            if (pred(*pp, arg))
                unlink_slot(pp);
            else
                pp = &(*pp)->next;
}

static int is_expired(const struct entry *e, const void *arg)
{
    return e->expires < *(const double *)arg;
}

static int is_any(const struct entry *e, const void *arg)
{
    return 1;
}

/* Keeps the table under its cap: expired entries go first, then everything. */
static void make_room(void)
{
    double t = sfs_now();
    if (count < FCACHE_MAX_ENTRIES) return;
    sweep(is_expired, &t);
    if (count >= FCACHE_MAX_ENTRIES * 9 / 10) sweep(is_any, NULL);
}

/* Inserts (replacing) an entry; NULL when caching is off, the generation moved, or no memory. */
static struct entry *insert(char kind, const char *sb, const char *path, uint64_t g)
{
    size_t ls = strlen(sb), lp = strlen(path);
    struct entry *e;
    if (ttl <= 0 || g != gen) return NULL;
    remove_key(kind, sb, path);
    make_room();
    e = calloc(1, sizeof *e);
    if (!e || !(e->sb = malloc(ls + lp + 2))) {
        free(e);
        return NULL;
    }
    memcpy(e->sb, sb, ls + 1);
    e->path = e->sb + ls + 1;
    memcpy(e->path, path, lp + 1);
    e->kind = kind;
    e->hash = hash_key(kind, sb, path);
    e->expires = sfs_now() + ttl;
    e->next = buckets[e->hash % NBUCKETS];
    buckets[e->hash % NBUCKETS] = e;
    count++;
    return e;
}

void fcache_set_ttl(double seconds)
{
    pthread_mutex_lock(&lock);
    ttl = seconds;
    gen++;
    sweep(is_any, NULL);
    pthread_mutex_unlock(&lock);
}

uint64_t fcache_gen(void)
{
    pthread_mutex_lock(&lock);
    uint64_t g = gen;
    pthread_mutex_unlock(&lock);
    return g;
}

void fcache_parent(char *dst, size_t cap, const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash && slash != path ? (size_t)(slash - path) : 1;
    if (n >= cap) n = cap - 1;
    memcpy(dst, slash && slash != path ? path : "/", n);
    dst[n] = 0;
}

static int cmp_dirent(const void *a, const void *b)
{
    return strcmp(((const struct sbx_dirent *)a)->name, ((const struct sbx_dirent *)b)->name);
}

/* From the parent's fresh listing: 1 found (st filled), -ENOENT absent, 0 no listing. */
static int from_parent(const char *sb, const char *path, struct stat *st)
{
    char parent[SBX_PATH_MAX];
    struct sbx_dirent key, *hit;
    struct entry *d;
    if (strcmp(path, "/") == 0) return 0;
    fcache_parent(parent, sizeof parent, path);
    d = lookup(K_DIR, sb, parent);
    if (!d) return 0;
    key.name = (char *)strrchr(path, '/') + 1;
    if (!d->dir.n) return -ENOENT; /* an empty listing may have no array at all */
    hit = bsearch(&key, d->dir.e, d->dir.n, sizeof *d->dir.e, cmp_dirent);
    if (!hit) return -ENOENT;
    *st = hit->st;
    return 1;
}

int fcache_get_attr(const char *sb, const char *path, struct stat *st, char *link, size_t cap)
{
    struct entry *e;
    int r = 0;
    pthread_mutex_lock(&lock);
    e = lookup(K_ATTR, sb, path);
    if (e && e->neg) {
        r = -ENOENT;
    } else if (e && (!link || !S_ISLNK(e->st.st_mode) || e->link)) {
        *st = e->st;
        if (link && cap) {
            strncpy(link, e->link ? e->link : "", cap - 1);
            link[cap - 1] = 0;
        }
        r = 1;
    } else if (!e && !link && strchr(path, '/')) {
        r = from_parent(sb, path, st);
    }
    pthread_mutex_unlock(&lock);
    return r;
}

void fcache_put_attr(const char *sb, const char *path, const struct stat *st, const char *link,
                     uint64_t g)
{
    struct entry *e;
    pthread_mutex_lock(&lock);
    e = insert(K_ATTR, sb, path, g);
    if (e) {
        e->st = *st;
        e->link = link && *link ? strdup(link) : NULL;
    }
    pthread_mutex_unlock(&lock);
}

void fcache_put_neg(const char *sb, const char *path, uint64_t g)
{
    struct entry *e;
    pthread_mutex_lock(&lock);
    e = insert(K_ATTR, sb, path, g);
    if (e) e->neg = 1;
    pthread_mutex_unlock(&lock);
}

void fcache_put_dir(const char *sb, const char *path, struct sbx_dirlist *l, uint64_t g)
{
    struct entry *e;
    if (l->n) qsort(l->e, l->n, sizeof *l->e, cmp_dirent);
    pthread_mutex_lock(&lock);
    e = insert(K_DIR, sb, path, g);
    if (e) {
        e->dir = *l;
        l->e = NULL;
        l->n = 0;
    }
    pthread_mutex_unlock(&lock);
    sbx_dirlist_free(l);
}

int fcache_fill_dir(const char *sb, const char *path,
                    int (*fn)(void *arg, const char *name, const struct stat *st), void *arg)
{
    struct entry *e;
    pthread_mutex_lock(&lock);
    e = lookup(K_DIR, sb, path);
    for (size_t i = 0; e && i < e->dir.n; i++)
        if (fn(arg, e->dir.e[i].name, &e->dir.e[i].st)) break;
    pthread_mutex_unlock(&lock);
    return e != NULL;
}

/* Called with the lock held. */
static bool told_within(const struct entry *e, double now, double fresh_for)
{
    return e && e->told && now - e->told < fresh_for;
}

bool fcache_dir_tell(const char *sb, const char *path, double fresh_for)
{
    double t = sfs_now();
    pthread_mutex_lock(&lock);
    struct entry *e = lookup(K_DIR, sb, path);
    bool tell = !told_within(e, t, fresh_for);
    if (tell && e) e->told = t;
    pthread_mutex_unlock(&lock);
    return tell;
}

bool fcache_dir_told_within(const char *sb, const char *path, double fresh_for)
{
    double t = sfs_now();
    pthread_mutex_lock(&lock);
    bool r = told_within(lookup(K_DIR, sb, path), t, fresh_for);
    pthread_mutex_unlock(&lock);
    return r;
}

int fcache_dir_walked(const char *sb, const char *path)
{
    pthread_mutex_lock(&lock);
    struct entry *e = lookup(K_DIR, sb, path);
    int r = e ? e->walked : -1;
    pthread_mutex_unlock(&lock);
    return r;
}

void fcache_dir_set_walked(const char *sb, const char *path)
{
    pthread_mutex_lock(&lock);
    struct entry *e = lookup(K_DIR, sb, path);
    if (e) e->walked = true;
    pthread_mutex_unlock(&lock);
}

int fcache_get_statfs(const char *sb, struct statvfs *st)
{
    struct entry *e;
    pthread_mutex_lock(&lock);
    e = lookup(K_STATFS, sb, "");
    if (e) *st = e->vfs;
    pthread_mutex_unlock(&lock);
    return e != NULL;
}

void fcache_put_statfs(const char *sb, const struct statvfs *st, uint64_t g)
{
    struct entry *e;
    pthread_mutex_lock(&lock);
    e = insert(K_STATFS, sb, "", g);
    if (e) e->vfs = *st;
    pthread_mutex_unlock(&lock);
}

static void drop_locked(const char *sb, const char *path, bool keep_parent)
{
    char parent[SBX_PATH_MAX];
    fcache_parent(parent, sizeof parent, path);
    remove_key(K_ATTR, sb, path);
    remove_key(K_DIR, sb, path);
    if (!keep_parent) remove_key(K_DIR, sb, parent);
    remove_key(K_STATFS, sb, "");
    gen++;
}

/* Puts st as path's entry into its parent's cached listing (kept sorted): true, or false when
 * there is none or it is too long to patch in place (it then goes). The kernel has not seen the
 * patched listing's attributes (told = 0). */
static bool patch_parent(const char *sb, const char *path, const struct stat *st)
{
    char parent[SBX_PATH_MAX];
    const char *name = strrchr(path, '/');
    if (!name || !name[1]) return false;
    name++;
    fcache_parent(parent, sizeof parent, path);
    struct entry *d = lookup(K_DIR, sb, parent);
    if (!d || d->dir.n >= FCACHE_PATCH_MAX) return false;
    size_t lo = 0, hi = d->dir.n; /* the first entry not below name */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(d->dir.e[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < d->dir.n && strcmp(d->dir.e[lo].name, name) == 0) {
        d->dir.e[lo].st = *st;
    } else {
        char *copy = strdup(name);
        struct sbx_dirent *e = copy ? realloc(d->dir.e, (d->dir.n + 1) * sizeof *e) : NULL;
        if (!e) {
            free(copy);
            return false;
        }
        memmove(e + lo + 1, e + lo, (d->dir.n - lo) * sizeof *e);
        e[lo] = (struct sbx_dirent){copy, *st};
        d->dir.e = e;
        d->dir.n++;
    }
    d->told = 0;
    return true;
}

void fcache_changed(const char *sb, const char *path, const struct stat *st, uint64_t g)
{
    pthread_mutex_lock(&lock);
    bool alone = st && st->st_mode && g == gen; /* no other change since the request began */
    drop_locked(sb, path, alone && patch_parent(sb, path, st));
    struct entry *e = alone ? insert(K_ATTR, sb, path, gen) : NULL;
    if (e) e->st = *st;
    pthread_mutex_unlock(&lock);
}

void fcache_put_empty_dir(const char *sb, const char *path, uint64_t g)
{
    struct entry *e;
    pthread_mutex_lock(&lock);
    e = insert(K_DIR, sb, path, g);
    if (e) e->dir = (struct sbx_dirlist){0};
    pthread_mutex_unlock(&lock);
}

void fcache_drop(const char *sb, const char *path)
{
    pthread_mutex_lock(&lock);
    drop_locked(sb, path, false);
    pthread_mutex_unlock(&lock);
}

struct prefix {
    const char *sb, *path;
    size_t len;
};

static int under_prefix(const struct entry *e, const void *arg)
{
    const struct prefix *p = arg;
    if (strcmp(e->sb, p->sb) != 0) return 0;
    if (p->len == 1) /* "/": the whole sandbox */
        return 1;
    return strncmp(e->path, p->path, p->len) == 0 && e->path[p->len] == '/';
}

void fcache_drop_tree(const char *sb, const char *path)
{
    struct prefix p = {sb, path, strlen(path)};
    pthread_mutex_lock(&lock);
    drop_locked(sb, path, false);
    sweep(under_prefix, &p);
    pthread_mutex_unlock(&lock);
}

void fcache_forget(const char *sb)
{
    fcache_drop_tree(sb, "/");
}

char **fcache_paths(const char *sb, size_t max, size_t *ret_n)
{
    char **v;
    size_t n = 0;
    pthread_mutex_lock(&lock);
    v = calloc(count < max ? count + 1 : max + 1, sizeof *v);
    for (size_t i = 0; v && i < NBUCKETS; i++)
        for (struct entry *e = buckets[i]; e && n < max; e = e->next)
            if (e->kind != K_STATFS && strcmp(e->sb, sb) == 0 && (v[n] = strdup(e->path))) n++;
    pthread_mutex_unlock(&lock);
    *ret_n = n;
    return v;
}
