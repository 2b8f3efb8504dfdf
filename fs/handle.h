/* Open-file handles: fi->fh points to a struct whose first member is a struct sfs_handle, so
 * ops.c can route read/write/release to the subsystem that opened it. */
#ifndef SFS_HANDLE_H
#define SFS_HANDLE_H
enum sfs_handle_kind {
    SFS_H_CONTENT = 1, /* a generated file (status, info, ...) snapshotted at open */
    SFS_H_STREAM,      /* a command's stdout/stderr/output/exit */
    SFS_H_CMD,         /* a cmd file open for writing */
    SFS_H_FILE,        /* a file under files/ (fs/files*.c) */
    SFS_H_REAL,        /* a real file of the daemon (templates) */
};
struct sfs_handle {
    enum sfs_handle_kind kind;
};
#endif
