/* Streams of a command's output (stdout, stderr, output) and its exit status, read through the
 * raw-output extension: a producer thread follows the command's stream from execd into a capped
 * window; reads at the window's end block until more bytes arrive or the command ends, and are
 * interruptible; O_NONBLOCK readers get -EAGAIN. */
#ifndef SFS_STREAM_H
#define SFS_STREAM_H
#include "sandboxfs.h"

#define STREAM_WINDOW (4u << 20) /* bytes buffered ahead of the reader */

struct stream;

/* which: "stdout", "stderr", "output", or "exit" (reads "N\n" once the command ended). known is
 * the command's cached record or NULL: an exit stream of a command it shows ended asks nothing. */
int stream_open(json_t *known, const struct sbx_execd *x, const char *id, const char *which,
                bool nonblock, struct stream **out);
int stream_read(struct stream *st, char *buf, size_t size, off_t off);
/* As stream_read, but the bytes go into the pipe fd (spliced: no copy) and the count is the
 * return; -EOPNOTSUPP for a stream that is not piped (exit, TLS, upstream's execd). */
int stream_read_fd(struct stream *st, int fd, size_t size, off_t off);
void stream_close(struct stream *st);

/* Waits until the command ended (until stop(arg) answers non-zero, asked about once a second:
 * -ECANCELED); gives its exit code (128+N for a signal) and, when final is non-NULL, execd's
 * last status record of it (the caller owns it). held (NULL, or the start's stream, which this
 * frees) tells the end first; else, with status-wait, it asks execd from the calling thread,
 * whose connections are reused. */
int stream_wait_exit(const struct sbx_execd *x, const char *id, struct sbx_cmd_held *held,
                     int (*stop)(void *), void *arg, int *code, json_t **final);

#endif
