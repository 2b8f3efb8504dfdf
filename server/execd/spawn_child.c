/* The child side of a spawn: clone(CLONE_VM) and raw system calls (see spawn.h).
 *
 * Why not fork: fork copies execd's page tables, the child's exec then tears the copy down and
 * every page execd writes afterwards takes a copy-on-write fault: measured, that was more than
 * half of execd's CPU time per `true` command. Why not vfork: the parent sleeps until the
 * child's exec, and its wakeup can land on the CPU the new program runs on and wait there for
 * its time slice (1 to 3 ms on a 2-vCPU VM). CLONE_VM without CLONE_VFORK has neither cost:
 * the child runs on a stack of its own while execd answers at once. The price is discipline:
 * the child shares execd's memory, and the TLS of the thread that spawned it (errno), so it
 * makes system calls directly and touches nothing but its plan and its stack. */
#include "spawn.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHILD_STACK (64 * 1024)

/* Code the child runs: no sanitizer instrumentation, whose runtime keeps per-thread state (a
 * fake stack, error reports) that the child would share with the thread that spawned it. */
#define CHILD_CODE __attribute__((no_sanitize("address", "undefined")))

#if defined(__x86_64__)
#define SHARED_VM 1
CHILD_CODE static inline long raw_syscall(long n, long a, long b, long c, long d)
{
    long ret;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
                     : "rcx", "r11", "memory");
    return ret;
}
#elif defined(__aarch64__)
#define SHARED_VM 1
CHILD_CODE static inline long raw_syscall(long n, long a, long b, long c, long d)
{
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
    return x0;
}
#else /* elsewhere: fork, where libc's errno is the child's own */
#define SHARED_VM 0
static long raw_syscall(long n, long a, long b, long c, long d)
{
    long r = syscall(n, a, b, c, d);
    return r < 0 ? -errno : r;
}
#endif

#define SYS(n, a, b, c, d) raw_syscall(n, (long)(a), (long)(b), (long)(c), (long)(d))

/* fd `from` becomes `to`, kept open across the exec. */
CHILD_CODE static long move_fd(int from, int to)
{
    return from == to ? SYS(SYS_fcntl, to, F_SETFD, 0, 0) : SYS(SYS_dup3, from, to, 0, 0);
}

/* Default signal state (execd ignores SIGPIPE; a kernel sigaction of zeros is SIG_DFL with no
 * flags on every architecture), its own process group, the three fds, the directory, the
 * user, the original fd limit, then the exec. Returns the failing step's -errno. */
CHILD_CODE static long child_setup_exec(const struct child_plan *p)
{
    unsigned long dfl[4] = {0}, no_signals = 0;
    long r;
    SYS(SYS_rt_sigaction, SIGPIPE, dfl, 0, sizeof(no_signals));
    SYS(SYS_rt_sigprocmask, SIG_SETMASK, &no_signals, 0, sizeof(no_signals));
    SYS(SYS_setpgid, 0, 0, 0, 0);
    if ((r = move_fd(p->in_fd, 0)) < 0 || (r = move_fd(p->out_fd, 1)) < 0 ||
        (r = move_fd(p->err_fd, 2)) < 0)
        return r;
    if (p->cwd && (r = SYS(SYS_chdir, p->cwd, 0, 0, 0)) < 0) return r;
    if (p->has_gid && (r = SYS(SYS_setgroups, 1, &p->gid, 0, 0)) < 0 && r != -EPERM) return r;
    if (p->has_gid && (r = SYS(SYS_setgid, p->gid, 0, 0, 0)) < 0) return r;
    if (p->has_uid && (r = SYS(SYS_setuid, p->uid, 0, 0, 0)) < 0) return r;
    SYS(SYS_prlimit64, 0, RLIMIT_NOFILE, p->nofile, 0);
    for (size_t i = 0; p->direct && p->direct[i]; i++) /* on failure: the shell, as always */
        SYS(SYS_execve, p->direct[i], p->direct_argv, p->envp, 0);
    return SYS(SYS_execve, p->path, p->argv, p->envp, 0);
}

/* The child must not touch memory but its plan and its stack. */
CHILD_CODE __attribute__((noinline)) static int child_main(void *arg)
{
    const struct child_plan *p = arg;
    int e = (int)-child_setup_exec(p);
    SYS(SYS_write, p->report_fd, &e, sizeof(e), 0);
    SYS(SYS_exit_group, 127, 0, 0, 0);
    return 127;
}

pid_t spawn_launch(struct spawn_job *j)
{
#if SHARED_VM
    j->stack = mmap(NULL, CHILD_STACK, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (j->stack == MAP_FAILED) {
        j->stack = NULL;
        return -1;
    }
    return clone(child_main, (char *)j->stack + CHILD_STACK, CLONE_VM | SIGCHLD, &j->plan);
#else
    pid_t pid = fork();
    if (pid == 0) child_main(&j->plan);
    return pid;
#endif
}

static void free_strv(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

void spawn_job_free(struct spawn_job *j)
{
    if (!j) return;
    if (j->stack) munmap(j->stack, CHILD_STACK);
    free_strv(j->argv);
    free_strv(j->env_owned);
    free(j->envp); /* its strings: execd's environment, or env_owned */
    free(j->cwd);
    free(j);
}
