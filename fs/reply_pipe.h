/* One pipe per FUSE worker thread for read replies that are spliced, not copied: read_buf
 * fills it and hands its read end to libfuse, which empties it into /dev/fuse in the same
 * thread before the next request. */
#ifndef SFS_REPLY_PIPE_H
#define SFS_REPLY_PIPE_H
#include <stddef.h>

/* The pipe holds 128 buffers (512 KiB of full pages): libfuse's own pipe for the reply, 256
 * buffers once grown for a large reply, always takes them all. Spliced socket data is not in
 * full pages; with as many buffers as libfuse's pipe, the last ones missed and libfuse fell
 * back to copying the whole reply. */
#define REPLY_PIPE_BYTES (512u << 10)

/* The calling thread's pipe, empty (bytes a failed reply left are dropped); 0 or -errno. */
int reply_pipe(int *rd, int *wr);

#endif
