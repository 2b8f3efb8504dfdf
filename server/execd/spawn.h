/* Starting a command's process (spawn_child.c). The child shares execd's memory until its
 * exec (clone with CLONE_VM: no copy of execd's page tables, and execd does not wait for the
 * exec either), so everything it reads lives in a spawn_job that stays allocated until the
 * child has exec'd or exited: the close-on-exec report pipe then shows EOF. */
#ifndef EXECD_SPAWN_H
#define EXECD_SPAWN_H
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/types.h>

struct child_plan {
    const char *path;
    char *const *argv;
    const char *const *direct; /* tried first with direct_argv (direct.h); NULL: none */
    char *const *direct_argv;
    char *const *envp;
    const char *cwd;
    const struct rlimit *nofile; /* the child's RLIMIT_NOFILE */
    int in_fd, out_fd, err_fd, report_fd;
    bool has_uid, has_gid;
    uid_t uid;
    gid_t gid;
};

struct spawn_job {
    struct child_plan plan; /* points into the fields below, or at execd's own lifelong data */
    void *stack;            /* the child's stack until its exec */
    char **argv;            /* copies of the request's strings */
    char *cwd;
    char **envp, **env_owned;
    char *direct_argv[2];
};

/* Starts the child of j->plan: in the child, only raw system calls (no errno, no locks: it
 * shares execd's memory and the spawning thread's TLS); the exec's or an earlier step's
 * failure is written to plan.report_fd as an int errno, then the child exits 127.
 * Returns the pid, or -1 with errno. */
pid_t spawn_launch(struct spawn_job *j);
/* Frees j: only after the report pipe showed EOF (or the launch failed). */
void spawn_job_free(struct spawn_job *j);

#endif
