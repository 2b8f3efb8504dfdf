/* Directory read-ahead for tree walks (find, ls -R, du, cp -r): once a listing is read below a
 * directory that was itself just listed, the subdirectories of both that are not cached yet are
 * listed in the background by a few threads, so the walk finds them in the cache instead of
 * waiting for one server round trip per directory. A lone `ls` fetches nothing ahead.
 * Bounded: at most PREFETCH_PER_LIST directories queued per listing, PREFETCH_QUEUE in all
 * (more are dropped), and only while caching is on. */
#ifndef SFS_FILES_PREFETCH_H
#define SFS_FILES_PREFETCH_H
#include "files.h"

#define PREFETCH_THREADS 4
#define PREFETCH_QUEUE 512
#define PREFETCH_PER_LIST 256

/* t's listing was just read (from the cache or the server). */
void prefetch_after_list(const struct files_target *t);
/* At unmount: drops the queue and joins the threads. */
void prefetch_stop(void);

#endif
