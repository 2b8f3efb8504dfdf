/* The FUSE operation table (ops.c) and the write side of generated files (writes.c). */
#ifndef SFS_OPS_H
#define SFS_OPS_H
#include "nodes.h"

extern const struct fuse_operations sfs_ops;

/* One write(2) to a writable generated file: runs a command, a ctl verb, a renewal, a metadata
 * change or a signal. Returns size, or a negative errno (the write fails, nothing happened). */
int write_content(const struct node *n, const char *buf, size_t size);

#endif
