/* posix_spawn wrapper: see runtime_spawn.h. */
#include "runtime_spawn.h"
#include "runtime.h"
#include "runtime_util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define STDERR_CAP 1024

struct pipes {
    int in[2], out[2], errp[2];
};

static void close_fd(int *fd)
{
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

static void pipes_close(struct pipes *p)
{
    for (int i = 0; i < 2; i++) {
        close_fd(&p->in[i]);
        close_fd(&p->out[i]);
        close_fd(&p->errp[i]);
    }
}

static int pipes_open(struct pipes *p, const struct rt_spawn *sp)
{
    if (sp->input && pipe2(p->in, O_CLOEXEC) < 0) return -errno;
    if (sp->stdio_fd < 0 && (pipe2(p->out, O_CLOEXEC) < 0 || pipe2(p->errp, O_CLOEXEC) < 0))
        return -errno;
    return 0;
}

static int setup_actions(posix_spawn_file_actions_t *fa, const struct rt_spawn *sp,
                         const struct pipes *p)
{
    int r = 0;
    if (sp->input)
        r = r ?: posix_spawn_file_actions_adddup2(fa, p->in[0], 0);
    else
        r = r ?: posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
    int ofd = sp->stdio_fd >= 0 ? sp->stdio_fd : p->out[1];
    int efd = sp->stdio_fd >= 0 ? sp->stdio_fd : p->errp[1];
    r = r ?: posix_spawn_file_actions_adddup2(fa, ofd, 1);
    r = r ?: posix_spawn_file_actions_adddup2(fa, efd, 2);
    r = r ?: posix_spawn_file_actions_addclosefrom_np(fa, 3);
    return -r;
}

static int setup_attr(posix_spawnattr_t *at)
{
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    int r = posix_spawnattr_setsigmask(at, &none);
    r = r ?: posix_spawnattr_setsigdefault(at, &all);
    r = r ?: posix_spawnattr_setflags(at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    return -r;
}

static void feed_input(int fd, const char *input)
{
    size_t len = strnlen(input, RT_SPAWN_INPUT_MAX), off = 0;
    while (off < len) {
        ssize_t n = write(fd, input + off, len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        off += (size_t)n;
    }
}

/* Appends what fd has to buf (capped); returns false at EOF or error. */
static bool drain(int fd, char *buf, size_t cap, size_t *len)
{
    char tmp[4096];
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
    if (n <= 0) return false;
    if (buf && *len + 1 < cap) {
        size_t k = (size_t)n < cap - 1 - *len ? (size_t)n : cap - 1 - *len;
        memcpy(buf + *len, tmp, k);
        *len += k;
        buf[*len] = 0;
    }
    return true;
}

static void collect(struct pipes *p, const struct rt_spawn *sp, char *ebuf, size_t *elen)
{
    size_t olen = 0;
    if (sp->out && sp->out_cap) sp->out[0] = 0;
    struct pollfd fds[2] = {{p->out[0], POLLIN, 0}, {p->errp[0], POLLIN, 0}};
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (fds[0].revents && !drain(fds[0].fd, sp->out, sp->out_cap, &olen)) fds[0].fd = -1;
        if (fds[1].revents && !drain(fds[1].fd, ebuf, STDERR_CAP, elen)) fds[1].fd = -1;
    }
}

static int wait_child(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -errno;
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    return 128 + WTERMSIG(st);
}

static void strip_nl(char *s, size_t len)
{
    while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
        s[--len] = 0;
    for (char *c = s; *c; c++)
        if (*c == '\n') *c = ' ';
}

int rt_spawn(const struct rt_spawn *sp, char *err)
{
    struct pipes p = {{-1, -1}, {-1, -1}, {-1, -1}};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    char ebuf[STDERR_CAP] = "";
    size_t elen = 0;
    pid_t pid;
    int r = pipes_open(&p, sp);
    if (r < 0) {
        pipes_close(&p);
        return rt_fail(err, r, "pipe for '%s': %s", sp->argv[0], strerror(-r));
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    r = setup_actions(&fa, sp, &p) ?: setup_attr(&at);
    if (r == 0) r = -posix_spawnp(&pid, sp->argv[0], &fa, &at, sp->argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close_fd(&p.in[0]);
    close_fd(&p.out[1]);
    close_fd(&p.errp[1]);
    if (r < 0) {
        pipes_close(&p);
        return rt_fail(err, r, "cannot run '%s': %s", sp->argv[0], strerror(-r));
    }
    if (sp->input) feed_input(p.in[1], sp->input);
    close_fd(&p.in[1]);
    if (sp->stdio_fd < 0) collect(&p, sp, ebuf, &elen);
    pipes_close(&p);
    r = wait_child(pid);
    if (r > 0) {
        strip_nl(ebuf, elen);
        rt_fail(err, -EIO, "%s: %s", sp->argv[0], ebuf[0] ? ebuf : "failed");
        if (r >= 128) rt_fail(err, -EIO, "%s: killed by signal %d", sp->argv[0], r - 128);
    }
    return r < 0 ? rt_fail(err, r, "waitpid '%s': %s", sp->argv[0], strerror(-r)) : r;
}

int rt_run(char *const *argv, char *err)
{
    struct rt_spawn sp = {.argv = argv, .stdio_fd = -1};
    int r = rt_spawn(&sp, err);
    return r > 0 ? -EIO : r;
}
