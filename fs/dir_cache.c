/* The kernel's readdir cache for files/ directories.
 *
 * A directory opened with cache_readdir keeps the entries the kernel read from us in its page
 * cache, and one opened with keep_cache as well is listed from there without a READDIR request.
 * The kernel drops that cache itself when it sees the directory change (its mtime, or a change
 * made through the mount), and when we invalidate the inode (files_forget).
 *
 * libfuse 3.14's high-level API does not pass either flag from our opendir to the kernel:
 * fuse_lib_opendir replies with its own fuse_file_info (fixed upstream in libfuse 3.16.1, commit
 * 98eb8089). It replies through fuse_reply_open, an exported function that libfuse calls
 * through its PLT, on the same thread and right after our opendir returned 0. So op_opendir
 * records the flags here (thread-local), and this definition of fuse_reply_open, which takes
 * the place of libfuse's in the process, adds them to that one reply and calls libfuse's own.
 * With a libfuse that passes the flags itself, this changes nothing. */
#define FUSE_USE_VERSION 312
#include <dlfcn.h>
#include <errno.h>
#include <fuse_lowlevel.h>
#include <stdbool.h>
#include "dir_cache.h"

enum { DC_PENDING = 1, DC_CACHE = 2, DC_KEEP = 4 };

static _Thread_local int pending;

void dir_cache_set(bool cache, bool keep)
{
    pending = DC_PENDING | (cache ? DC_CACHE : 0) | (cache && keep ? DC_KEEP : 0);
}

void dir_cache_clear(void)
{
    pending = 0;
}

typedef int (*reply_open_fn)(fuse_req_t, const struct fuse_file_info *);

static reply_open_fn libfuse_reply_open(void)
{
    static reply_open_fn _Atomic fn;
    reply_open_fn f = fn;
    if (!f) {
        f = (reply_open_fn)dlvsym(RTLD_NEXT, "fuse_reply_open", "FUSE_3.0");
        if (!f) f = (reply_open_fn)dlsym(RTLD_NEXT, "fuse_reply_open");
        fn = f;
    }
    return f;
}

int fuse_reply_open(fuse_req_t req, const struct fuse_file_info *fi)
{
    reply_open_fn real = libfuse_reply_open();
    int p = pending;
    pending = 0;
    if (!real) return fuse_reply_err(req, EIO);
    if (!(p & DC_PENDING)) return real(req, fi);
    struct fuse_file_info f = *fi;
    f.cache_readdir = (p & DC_CACHE) != 0;
    f.keep_cache = (p & DC_KEEP) != 0;
    return real(req, &f);
}
