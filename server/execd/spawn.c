/* Spawning a command: everything the child needs is prepared in a spawn_job (spawn.h), whose
 * child only makes system calls (spawn_child.c). */
#include "command.h"
#include "direct.h"
#include "execd.h"
#include "reaper.h"
#include "spawn.h"
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

static void fail_record(struct command *c, char *err, size_t errsz, const char *what, int e)
{
    snprintf(err, errsz, "%s: %s", what, strerror(e));
    pthread_mutex_lock(&c->mu);
    free(c->error);
    c->error = strdup(err);
    pthread_mutex_unlock(&c->mu);
}

/* Waits for the child's exec or exit (the report pipe's EOF; a failure's errno before it is
 * recorded as the command's error), then frees what the child was reading. */
void exec_checked(struct command *c, const char *path, char *err, size_t errsz)
{
    if (c->exec_fd < 0) return;
    int child_errno = 0, got = 0;
    for (;;) {
        int e;
        ssize_t r = read(c->exec_fd, &e, sizeof(e));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        if (r == sizeof(e) && !got++) child_errno = e;
    }
    if (got) {
        char what[64];
        snprintf(what, sizeof(what), "fork/exec %s", path ? path : command_shell());
        fail_record(c, err, errsz, what, child_errno);
    }
    close(c->exec_fd);
    c->exec_fd = -1;
    spawn_job_free(c->job);
    c->job = NULL;
}

static char **copy_strv(const char *const *v)
{
    size_t n = 0;
    while (v[n])
        n++;
    char **out = calloc(n + 1, sizeof(char *));
    for (size_t i = 0; out && i < n; i++)
        if (!(out[i] = strdup(v[i]))) {
            while (i--)
                free(out[i]);
            free(out);
            return NULL;
        }
    return out;
}

/* The job for spec: copies of the request's strings (the request is freed while the child may
 * still read them), the environment, the plan. NULL when out of memory. */
static struct spawn_job *plan_job(const struct cmd_spec *spec, int in, int out, int errfd,
                                  int report)
{
    struct spawn_job *j = calloc(1, sizeof(*j));
    if (!j) return NULL;
    const char *shell = command_shell();
    const char *sh_argv[] = {shell, "-c", spec->command ? spec->command : "", NULL};
    j->argv = copy_strv(spec->argv ? spec->argv : sh_argv);
    j->cwd = spec->cwd ? strdup(spec->cwd) : NULL;
    j->envp = build_env(spec->envs, &j->env_owned);
    if (!j->argv || (spec->cwd && !j->cwd) || !j->envp || !j->env_owned) {
        spawn_job_free(j);
        return NULL;
    }
    const char *const *direct = NULL;
    if (!spec->argv && !spec->has_uid && !spec->has_gid && access(shell, X_OK) == 0)
        direct = direct_candidates(spec->command, j->envp);
    j->direct_argv[0] = direct ? (char *)strrchr(direct[0], '/') + 1 : NULL;
    j->plan = (struct child_plan){.path = j->argv[0],
                                  .argv = j->argv,
                                  .direct = direct,
                                  .direct_argv = j->direct_argv,
                                  .envp = j->envp,
                                  .cwd = j->cwd,
                                  .nofile = &orig_nofile,
                                  .in_fd = in,
                                  .out_fd = out,
                                  .err_fd = errfd,
                                  .report_fd = report,
                                  .has_uid = spec->has_uid,
                                  .has_gid = spec->has_gid,
                                  .uid = spec->uid,
                                  .gid = spec->gid};
    return j;
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
    struct spawn_job *job =
        plan_job(spec, devnull, out[1], spec->merge_stderr ? out[1] : errp[1], rep[1]);
    if (!job) {
        fail_record(c, err, errsz, "cannot prepare the command", ENOMEM);
        goto out;
    }
    reaper_lock();
    pid_t pid = spawn_launch(job);
    int fork_errno = errno;
    if (pid > 0) {
        setpgid(pid, pid);
        pthread_mutex_lock(&c->mu);
        c->pid = pid;
        pthread_mutex_unlock(&c->mu);
        reaper_spawned();
    }
    reaper_unlock();
    close(rep[1]);
    rep[1] = -1;
    if (pid < 0) {
        spawn_job_free(job);
        fail_record(c, err, errsz, "fork", fork_errno);
        goto out;
    }
    /* Switching user can fail (EPERM): the answer waits for the exec then. Otherwise only an
     * exec of the shell itself could fail, and the I/O thread records that (exec_checked). */
    c->exec_fd = rep[0];
    c->job = job; /* freed by exec_checked */
    rep[0] = -1;
    if (spec->has_uid || spec->has_gid)
        exec_checked(c, spec->argv ? spec->argv[0] : NULL, err, errsz);
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
