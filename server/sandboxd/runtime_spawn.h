/* Runs helper programs (runc, ip, nft, cp, umoci) from a multi-threaded process.
 *
 * posix_spawn only (glibc: clone(CLONE_VM|CLONE_VFORK), nothing allocated in the child), signal
 * mask and dispositions reset, every fd above 2 closed in the child. The caller must not set
 * SIGCHLD to SIG_IGN (the status would be lost). */
#ifndef SANDBOXD_RUNTIME_SPAWN_H
#define SANDBOXD_RUNTIME_SPAWN_H
#include <stddef.h>

#define RT_SPAWN_INPUT_MAX 65536

struct rt_spawn {
    char *const *argv; /* argv[0] is looked up in PATH */
    const char
        *input; /* written to stdin then closed (at most RT_SPAWN_INPUT_MAX); NULL = /dev/null */
    char *out;  /* captured stdout, NUL-terminated, truncated to out_cap-1; NULL = discard */
    size_t out_cap;
    int stdio_fd; /* >= 0: stdout and stderr go to this fd instead (runc run -d) */
};

/* Runs the program to completion. Returns its exit status (0-255, or 128+signal), or a negative
 * errno when it could not be run. When it exits non-zero, err (RT_ERR_MAX) gets "PROG: STDERR". */
int rt_spawn(const struct rt_spawn *sp, char *err);

/* Convenience: rt_spawn without input/output; 0 on exit status 0, else -EIO (or the errno) with
 * err set. */
int rt_run(char *const *argv, char *err);
#endif
