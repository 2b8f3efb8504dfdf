/* files/: a sandbox's own filesystem, mapped onto its execd's file API (fs/files*.c).
 * ops.c resolves /.files/NAME/REST to a files_target and calls these; every function returns 0
 * (or a byte count) or a negative errno, and makes no FUSE reply itself. */
#ifndef SFS_FILES_H
#define SFS_FILES_H
#define FUSE_USE_VERSION 312
#include <fuse.h>
#include <sys/stat.h>
#include "../backend/execd.h"
#include "handle.h"

struct files_target {
    const struct sbx_execd *x; /* the sandbox's execd (valid during the call) */
    const char *sandbox;       /* sandbox name: cache key */
    const char *path;          /* absolute path inside the sandbox, "/" for its root */
    const char *fuse_path;     /* the same node's path in the mount, for kernel invalidation */
};

int files_getattr(const struct files_target *t, struct stat *st);
/* A directory's open state (opendir .. releasedir): readdir continues from offsets into the
 * entries it had at offset 0. */
struct files_dir;
struct files_dir *files_opendir(void);
void files_closedir(struct files_dir *d);
/* Lists d from entry off (0: "."; the snapshot is taken at 0). A loaded d past offset 0 needs
 * no target (t may be NULL): the rest of the snapshot comes without asking anyone. */
int files_readdir(const struct files_target *t, struct files_dir *d, void *buf,
                  fuse_fill_dir_t filler, off_t off);
bool files_dir_loaded(const struct files_dir *d);
/* At opendir: whether the listing the kernel cached of this directory (its readdir cache) may
 * stay, because it is the one we would give and came with attributes less than half the
 * kernel's entry timeout ago (the rule of fcache_dir_tell). */
bool files_dir_kernel_current(const char *sandbox, const char *path);
/* open/create allocate a handle (its first member is a struct sfs_handle of kind SFS_H_FILE)
 * and store it in fi->fh; release frees it. */
int files_open(const struct files_target *t, struct fuse_file_info *fi);
int files_create(const struct files_target *t, mode_t mode, struct fuse_file_info *fi);
int files_read(struct fuse_file_info *fi, char *buf, size_t size, off_t off);
int files_write(struct fuse_file_info *fi, const char *buf, size_t size, off_t off);
int files_flush(struct fuse_file_info *fi);
int files_fsync(struct fuse_file_info *fi, int datasync);
int files_release(struct fuse_file_info *fi);
int files_mkdir(const struct files_target *t, mode_t mode);
int files_rmdir(const struct files_target *t);
int files_unlink(const struct files_target *t);
int files_rename(const struct files_target *from, const struct files_target *to, unsigned flags);
int files_link(const struct files_target *from, const struct files_target *to);
int files_chmod(const struct files_target *t, mode_t mode);
int files_chown(const struct files_target *t, uid_t uid, gid_t gid);
int files_truncate(const struct files_target *t, off_t size, struct fuse_file_info *fi);
int files_symlink(const char *target, const struct files_target *t);
int files_readlink(const struct files_target *t, char *buf, size_t size);
int files_utimens(const struct files_target *t, const struct timespec tv[2]);
int files_statfs(const struct files_target *t, struct statvfs *st);

/* Drops every cached entry of a sandbox (its command ended: anything may have changed). */
void files_forget(const char *sandbox);
/* Set once at startup: cache policy timeouts in seconds (0 = never cache). */
void files_set_cache_ttl(double seconds, double kernel_seconds);

#endif
