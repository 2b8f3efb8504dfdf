/* files/ caches: attributes, negative entries, directory listings and statfs answers, keyed by
 * (sandbox, path), each valid for the TTL set by files_set_cache_ttl (0: nothing is cached).
 *
 * Races: a caller reads fcache_gen() before asking the server and passes it to the put; any
 * invalidation in between bumps the generation and the put is dropped, so an answer that raced
 * with one of our own changes is never cached (sshfs's write counter). */
#ifndef SFS_FILES_CACHE_H
#define SFS_FILES_CACHE_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include "../backend/execd_files.h"

#define FCACHE_MAX_ENTRIES 200000
#define FCACHE_PATCH_MAX 8192 /* entries of a listing that a change patches in place */

void fcache_set_ttl(double seconds);
uint64_t fcache_gen(void);

/* 1: hit (st and, if link != NULL, the symlink target filled); -ENOENT: cached as missing (also
 * when the parent's cached listing lacks the name); 0: unknown. */
int fcache_get_attr(const char *sb, const char *path, struct stat *st, char *link, size_t cap);
void fcache_put_attr(const char *sb, const char *path, const struct stat *st, const char *link,
                     uint64_t gen);
void fcache_put_neg(const char *sb, const char *path, uint64_t gen);

/* Listing: put takes ownership of l (and primes each child's attributes); fill calls fn for
 * every entry under the cache lock and returns 1, or returns 0 on a miss. */
void fcache_put_dir(const char *sb, const char *path, struct sbx_dirlist *l, uint64_t gen);
int fcache_fill_dir(const char *sb, const char *path,
                    int (*fn)(void *arg, const char *name, const struct stat *st), void *arg);

/* Whether a listing's attributes should go to the kernel (readdirplus): not when the cached
 * listing of path was given with them less than fresh_for seconds ago (the kernel still holds
 * them), else yes, and that time is now. A changed listing is a new cache entry: told again. */
bool fcache_dir_tell(const char *sb, const char *path, double fresh_for);
/* Whether the cached listing of path was told (fcache_dir_tell) less than fresh_for s ago. */
bool fcache_dir_told_within(const char *sb, const char *path, double fresh_for);

/* Read-ahead bookkeeping of a cached listing: -1 not cached, 1 its subdirectories were queued
 * (fcache_dir_set_walked), else 0. A new listing of the path starts at 0. */
int fcache_dir_walked(const char *sb, const char *path);
void fcache_dir_set_walked(const char *sb, const char *path);

int fcache_get_statfs(const char *sb, struct statvfs *st);
void fcache_put_statfs(const char *sb, const struct statvfs *st, uint64_t gen);

/* Our own change to path: drops its entries and its parent's listing. */
void fcache_drop(const char *sb, const char *path);
/* Same, plus everything below path (rename or removal of a directory). */
void fcache_drop_tree(const char *sb, const char *path);
/* fcache_drop, then caches st (non-NULL, with a mode): path's attributes as the server answered
 * the change, when no other change happened since generation g (fcache_gen before the request);
 * the parent's listing then stays, with st as path's entry (up to FCACHE_PATCH_MAX entries). */
void fcache_changed(const char *sb, const char *path, const struct stat *st, uint64_t g);
/* A directory we just created: its listing is empty (g: fcache_gen after the change). */
void fcache_put_empty_dir(const char *sb, const char *path, uint64_t g);
/* Every entry of a sandbox. */
void fcache_forget(const char *sb);
/* The distinct paths a sandbox has entries for (at most max), as a malloc'd array of malloc'd
 * strings; *ret_n gets the count. The caller frees both. */
char **fcache_paths(const char *sb, size_t max, size_t *ret_n);

/* "/a/b" → "/a" into dst; "/a" → "/". */
void fcache_parent(char *dst, size_t cap, const char *path);
#endif
