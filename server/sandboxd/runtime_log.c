/* Caps a sandbox's init.log (stdio of execd and of the entrypoint, which execd passes on). The
 * writers hold it open with O_APPEND, so truncating it in place is safe: they go on writing at
 * the new end. The last RT_LOG_KEEP bytes survive in init.log.1. */
#include "runtime_native.h"
#include "runtime_util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RT_LOG_MAX (8 << 20)
#define RT_LOG_KEEP (64 << 10)

static void keep_tail(int fd, off_t size, const char *old_path)
{
    static __thread char buf[RT_LOG_KEEP];
    ssize_t n = pread(fd, buf, sizeof buf, size - (off_t)sizeof buf);
    if (n > 0) rt_write_file(old_path, buf, (size_t)n);
}

void rt_log_cap(const char *id)
{
    char log[PATH_MAX], old[PATH_MAX];
    struct stat st;
    if (rt_sandbox_path(log, id, "init.log") < 0 || rt_sandbox_path(old, id, "init.log.1") < 0 ||
        stat(log, &st) < 0 || st.st_size <= RT_LOG_MAX)
        return;
    int fd = open(log, O_RDWR | O_CLOEXEC);
    if (fd < 0) return;
    keep_tail(fd, st.st_size, old);
    if (ftruncate(fd, 0) < 0) { /* nothing better to do: the next inspect tries again */
    }
    close(fd);
}

/* execd's last words: "execd: exiting with status N" (N = the entrypoint's status, 128+signal
 * for a signal death). */
#define EXIT_LINE "execd: exiting with status "

int rt_log_exit_status(const char *id)
{
    char log[PATH_MAX], buf[4096];
    struct stat st;
    if (rt_sandbox_path(log, id, "init.log") < 0 || stat(log, &st) < 0) return -1;
    int fd = open(log, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    off_t from = st.st_size > (off_t)sizeof buf - 1 ? st.st_size - (off_t)sizeof buf + 1 : 0;
    ssize_t n = pread(fd, buf, sizeof buf - 1, from);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    char *last = NULL;
    for (char *p = strstr(buf, EXIT_LINE); p; p = strstr(p + 1, EXIT_LINE))
        last = p;
    return last ? atoi(last + strlen(EXIT_LINE)) : -1;
}
