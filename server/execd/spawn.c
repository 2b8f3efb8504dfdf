/* fork+exec of a command: everything is prepared before fork; the child only makes syscalls. */
#include "command.h"
#include "direct.h"
#include "execd.h"
#include "reaper.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

static char **base_env;
static struct rlimit orig_nofile;

static void env_set(char **env, size_t *n, char *kv);

/* EXECD_ENVS (as upstream): a file of KEY=VALUE lines added to every command's environment.
 * Returns a new NULL-terminated vector (env plus the file's entries), or env itself. */
static char **with_env_file(char **env)
{
    const char *path = getenv("EXECD_ENVS");
    FILE *f = path && *path ? fopen(path, "re") : NULL;
    if (!f) return env;
    size_t n = 0, cap = 16;
    while (env[n])
        n++;
    cap += n;
    char **out = calloc(cap + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        out[i] = env[i];
    char line[8192];
    while (out && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = 0;
        char *eq = strchr(line, '=');
        if (!eq || eq == line || line[0] == '#') continue;
        if (n == cap && !(out = realloc(out, ((cap *= 2) + 1) * sizeof(char *)))) break;
        out[n] = NULL;
        env_set(out, &n, strdup(line)); /* kept for the life of execd */
    }
    fclose(f);
    return out ? out : env;
}

void commands_set_base_env(char **env)
{
    base_env = with_env_file(env);
    getrlimit(RLIMIT_NOFILE, &orig_nofile);
    struct rlimit raised = orig_nofile;
    raised.rlim_cur = raised.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) < 0) raised = orig_nofile;
    /* Each record keeps 3 spool fds: keep the record cap within the fd limit, leaving room
     * for connections and running commands' pipes. */
    if (raised.rlim_cur != RLIM_INFINITY &&
        raised.rlim_cur < 3ull * (rlim_t)g_cfg.max_records + 1024) {
        long fit = ((long)raised.rlim_cur - 1024) / 3;
        g_cfg.max_records = fit < 16 ? 16 : (int)fit;
        if (g_cfg.max_running > g_cfg.max_records) g_cfg.max_running = g_cfg.max_records;
    }
}

const char *command_shell(void)
{
    static const char *const cands[] = {"/bin/bash", "/usr/bin/bash", "/bin/sh", "/usr/bin/sh"};
    for (size_t i = 0; i < sizeof(cands) / sizeof(*cands); i++)
        if (access(cands[i], X_OK) == 0) return cands[i];
    return "/bin/sh";
}

/* Sets or replaces "key=value" in a NULL-terminated env vector of capacity cap. */
static void env_set(char **env, size_t *n, char *kv)
{
    size_t klen = strcspn(kv, "=");
    for (size_t i = 0; i < *n; i++) {
        if (strncmp(env[i], kv, klen) == 0 && env[i][klen] == '=') {
            env[i] = kv;
            return;
        }
    }
    env[(*n)++] = kv;
    env[*n] = NULL;
}

/* The child's environment: execd's, then the request's envs. Strings in *ret_owned. */
static char **build_env(json_t *envs, char ***ret_owned)
{
    size_t nb = 0, ne = envs ? json_object_size(envs) : 0;
    while (base_env && base_env[nb])
        nb++;
    char **env = calloc(nb + ne + 1, sizeof(char *));
    char **owned = calloc(ne + 1, sizeof(char *));
    size_t n = 0, no = 0;
    for (size_t i = 0; i < nb; i++)
        env[n++] = base_env[i];
    const char *k;
    json_t *v;
    json_object_foreach(envs, k, v)
    {
        if (!json_is_string(v) || !*k || strchr(k, '=')) continue;
        char *kv;
        if (asprintf(&kv, "%s=%s", k, json_string_value(v)) < 0) continue;
        owned[no++] = kv;
        env_set(env, &n, kv);
    }
    *ret_owned = owned;
    return env;
}

struct child_plan {
    const char *path;
    char *const *argv;
    const char *const *direct; /* tried first with direct_argv (direct.h); NULL: none */
    char *const *direct_argv;
    char *const *envp;
    const char *cwd;
    int in_fd, out_fd, err_fd, report_fd;
    bool has_uid, has_gid;
    uid_t uid;
    gid_t gid;
};

/* Runs in the forked child: async-signal-safe calls only. */
static void child_exec(const struct child_plan *p)
{
    sigset_t none;
    sigemptyset(&none);
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigaction(SIGPIPE, &dfl, NULL); /* the only disposition execd changes (exec resets handlers) */
    sigprocmask(SIG_SETMASK, &none, NULL);
    setpgid(0, 0);
    if (dup2(p->in_fd, 0) < 0 || dup2(p->out_fd, 1) < 0 || dup2(p->err_fd, 2) < 0) goto fail;
    if (p->cwd && chdir(p->cwd) < 0) goto fail;
    if (p->has_gid && (setgroups(1, &p->gid) < 0 && errno != EPERM)) goto fail;
    if (p->has_gid && setgid(p->gid) < 0) goto fail;
    if (p->has_uid && setuid(p->uid) < 0) goto fail;
    setrlimit(RLIMIT_NOFILE, &orig_nofile);
    for (size_t i = 0; p->direct && p->direct[i]; i++) /* on failure: the shell, as always */
        execve(p->direct[i], p->direct_argv, p->envp);
    execve(p->path, p->argv, p->envp);
fail:;
    int e = errno;
    ssize_t w = write(p->report_fd, &e, sizeof(e));
    (void)w;
    _exit(127);
}

/* fork, not vfork: a vfork parent sleeps until the child's exec, and the wakeup can land on the
 * CPU the new program is running on and wait there for its time slice (seen: 1 to 3 ms on a
 * 2-vCPU VM). With fork the answer leaves while the child execs. The child only makes
 * syscalls (child_exec) and never returns from here. */
__attribute__((noinline)) static pid_t launch(const struct child_plan *p)
{
    pid_t pid = fork();
    if (pid == 0) child_exec(p);
    return pid;
}

static void fail_record(struct command *c, char *err, size_t errsz, const char *what, int e)
{
    snprintf(err, errsz, "%s: %s", what, strerror(e));
    pthread_mutex_lock(&c->mu);
    free(c->error);
    c->error = strdup(err);
    pthread_mutex_unlock(&c->mu);
}

/* Waits for the child's exec (or its failure, recorded as the command's error). */
void exec_checked(struct command *c, const char *path, char *err, size_t errsz)
{
    if (c->exec_fd < 0) return;
    int child_errno;
    ssize_t r;
    while ((r = read(c->exec_fd, &child_errno, sizeof(child_errno))) < 0 && errno == EINTR)
        ;
    if (r == sizeof(child_errno)) {
        char what[64];
        snprintf(what, sizeof(what), "fork/exec %s", path ? path : command_shell());
        fail_record(c, err, errsz, what, child_errno);
    }
    close(c->exec_fd);
    c->exec_fd = -1;
}

int spawn_command(struct command *c, const struct cmd_spec *spec, char *err, size_t errsz)
{
    int out[2] = {-1, -1}, errp[2] = {-1, -1}, rep[2] = {-1, -1}, devnull = -1;
    c->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (c->efd < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
        pipe2(rep, O_CLOEXEC) < 0 || (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) {
        fail_record(c, err, errsz, "cannot create pipes", errno);
        goto out;
    }
    const char *shell = command_shell();
    const char *sh_argv[] = {shell, "-c", spec->command, NULL};
    const char *const *argv = spec->argv ? spec->argv : sh_argv;
    char **owned;
    char **envp = build_env(spec->envs, &owned);
    const char *const *direct = NULL;
    if (!spec->argv && !spec->has_uid && !spec->has_gid && access(shell, X_OK) == 0)
        direct = direct_candidates(spec->command, envp);
    const char *direct_argv[] = {direct ? strrchr(direct[0], '/') + 1 : NULL, NULL};
    struct child_plan plan = {.path = argv[0],
                              .argv = (char *const *)argv,
                              .direct = direct,
                              .direct_argv = (char *const *)direct_argv,
                              .envp = envp,
                              .cwd = spec->cwd,
                              .in_fd = devnull,
                              .out_fd = out[1],
                              .err_fd = spec->merge_stderr ? out[1] : errp[1],
                              .report_fd = rep[1],
                              .has_uid = spec->has_uid,
                              .has_gid = spec->has_gid,
                              .uid = spec->uid,
                              .gid = spec->gid};
    reaper_lock();
    pid_t pid = launch(&plan);
    int fork_errno = errno;
    if (pid > 0) {
        setpgid(pid, pid);
        pthread_mutex_lock(&c->mu);
        c->pid = pid;
        pthread_mutex_unlock(&c->mu);
        reaper_spawned();
    }
    reaper_unlock();
    for (size_t i = 0; owned[i]; i++)
        free(owned[i]);
    free(owned);
    free(envp);
    close(rep[1]);
    rep[1] = -1;
    if (pid < 0) {
        fail_record(c, err, errsz, "fork", fork_errno);
        goto out;
    }
    /* Switching user can fail (EPERM): the answer waits for the exec then. Otherwise only an
     * exec of the shell itself could fail, and the I/O thread records that (exec_checked). */
    c->exec_fd = rep[0];
    rep[0] = -1;
    if (spec->has_uid || spec->has_gid) exec_checked(c, argv[0], err, errsz);
    c->out_fd = out[0];
    c->err_fd = spec->merge_stderr ? -1 : errp[0];
    out[0] = -1;
    if (!spec->merge_stderr) errp[0] = -1;
out:
    for (int i = 0; i < 2; i++) {
        if (out[i] >= 0) close(out[i]);
        if (errp[i] >= 0) close(errp[i]);
        if (rep[i] >= 0) close(rep[i]);
    }
    if (devnull >= 0) close(devnull);
    return 0;
}
