/* The kernel's readdir cache for files/ directories (dir_cache.c). */
#ifndef SFS_DIR_CACHE_H
#define SFS_DIR_CACHE_H
#include <stdbool.h>

/* Called by opendir on success, on the thread that replies: the reply asks the kernel to cache
 * the listing (cache) and to keep what it cached before (keep). */
void dir_cache_set(bool cache, bool keep);
/* Called by opendir before anything else: no flags for this reply. */
void dir_cache_clear(void);

#endif
