/* execd entry point: options, listening socket, init duties (entrypoint, reaping, signals). */
#include "api.h"
#include "command.h"
#include "execd.h"
#include "reaper.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct execd_config g_cfg;
extern char **environ;
void server_accept_loop(int lfd);

static void usage(FILE *f)
{
    fprintf(f, "usage: execd [--listen ADDR:PORT] [--access-token TOKEN] [--spool-dir DIR]\n"
               "             [--max-body BYTES] [--spool-cap BYTES] [--spool-cache BYTES]\n"
               "             [--max-commands N] [--max-records N] [-- ENTRYPOINT ARGS...]\n");
}

static uint64_t env_u64(const char *name, uint64_t def)
{
    const char *v = getenv(name);
    return v && *v ? strtoull(v, NULL, 10) : def;
}

static void config_defaults(void)
{
    snprintf(g_cfg.listen_addr, sizeof(g_cfg.listen_addr), "0.0.0.0");
    g_cfg.port = 44772;
    const char *tok = getenv("EXECD_ACCESS_TOKEN");
    g_cfg.token = tok && *tok ? strdup(tok) : NULL;
    const char *compat = getenv("EXECD_UPSTREAM_COMPAT");
    g_cfg.upstream_compat = compat && strcmp(compat, "1") == 0;
    g_cfg.max_body = env_u64("EXECD_MAX_BODY", 8ull << 30);
    g_cfg.max_json_body = env_u64("EXECD_MAX_JSON_BODY", 16ull << 20);
    g_cfg.spool_cap = env_u64("EXECD_SPOOL_CAP", 4ull << 30);
    g_cfg.spool_cache = env_u64("EXECD_SPOOL_CACHE", 64ull << 20);
    g_cfg.max_running = (int)env_u64("EXECD_MAX_COMMANDS", 256);
    g_cfg.max_records = (int)env_u64("EXECD_MAX_RECORDS", 1024);
    const char *sd = getenv("EXECD_SPOOL_DIR");
    if (sd && *sd) snprintf(g_cfg.spool_dir, sizeof(g_cfg.spool_dir), "%s", sd);
}

static int parse_listen(const char *v)
{
    const char *colon = strrchr(v, ':');
    if (!colon) {
        g_cfg.port = atoi(v);
    } else {
        size_t n = (size_t)(colon - v);
        if (n >= sizeof(g_cfg.listen_addr)) return -EINVAL;
        memcpy(g_cfg.listen_addr, v, n);
        g_cfg.listen_addr[n] = 0;
        if (!n) snprintf(g_cfg.listen_addr, sizeof(g_cfg.listen_addr), "0.0.0.0");
        g_cfg.port = atoi(colon + 1);
    }
    return g_cfg.port > 0 && g_cfg.port < 65536 ? 0 : -EINVAL;
}

/* Returns the index of the entrypoint in argv (after "--"), argc when none, -1 on error. */
static int parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--")) return i + 1;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            exit(0);
        }
        if (!v) return -1;
        if (!strcmp(a, "--listen") && parse_listen(v) == 0)
            ;
        else if (!strcmp(a, "--port"))
            g_cfg.port = atoi(v);
        else if (!strcmp(a, "--access-token"))
            g_cfg.token = *v ? strdup(v) : NULL;
        else if (!strcmp(a, "--spool-dir"))
            snprintf(g_cfg.spool_dir, sizeof(g_cfg.spool_dir), "%s", v);
        else if (!strcmp(a, "--max-body"))
            g_cfg.max_body = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--spool-cap"))
            g_cfg.spool_cap = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--spool-cache"))
            g_cfg.spool_cache = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--max-commands"))
            g_cfg.max_running = atoi(v);
        else if (!strcmp(a, "--max-records"))
            g_cfg.max_records = atoi(v);
        else
            return -1;
        i++;
    }
    return argc;
}

static int make_spool_dir(void)
{
    if (g_cfg.spool_dir[0]) return 0;
    const char *tmp = getenv("TMPDIR");
    snprintf(g_cfg.spool_dir, sizeof(g_cfg.spool_dir), "%s/execd-spool.XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(g_cfg.spool_dir)) return -errno;
    g_cfg.own_spool_dir = true;
    return 0;
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    return remove(p);
}

static int listen_socket(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_cfg.port)};
    if (inet_pton(AF_INET, g_cfg.listen_addr, &sa.sin_addr) != 1) return -EINVAL;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0) return -errno;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 256) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

static void *accept_main(void *arg)
{
    server_accept_loop((int)(intptr_t)arg);
    return NULL;
}

/* Starts the entrypoint in its own process group with default signal state. */
static pid_t start_entrypoint(char **argv)
{
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        for (int s = 1; s < NSIG; s++)
            sigaction(s, &dfl, NULL);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execvp(argv[0], argv);
        fprintf(stderr, "execd: cannot run entrypoint '%s': %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

static int exit_code_of(int status)
{
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

/* Waits for SIGTERM/SIGINT (forwarded to the entrypoint when there is one) or for the
 * entrypoint's exit; returns execd's exit status. */
static int supervise(int sfd, pid_t entry, int entry_fd)
{
    for (;;) {
        struct pollfd p[2] = {{.fd = sfd, .events = POLLIN}, {.fd = entry_fd, .events = POLLIN}};
        if (poll(p, entry_fd >= 0 ? 2 : 1, -1) < 0) continue;
        if (p[1].revents & POLLIN) {
            int status;
            if (read(entry_fd, &status, sizeof(status)) == sizeof(status))
                return exit_code_of(status);
        }
        if (p[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof(si)) != sizeof(si)) continue;
            if (entry > 0)
                kill(entry, (int)si.ssi_signo);
            else if (si.ssi_signo != SIGHUP) /* no entrypoint: SIGHUP is ignored */
                return 0;
        }
    }
}

int main(int argc, char **argv)
{
    config_defaults();
    int ep = parse_args(argc, argv);
    if (ep < 0) {
        usage(stderr);
        return 2;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL); /* before any thread: all inherit it */
    signal(SIGPIPE, SIG_IGN);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC);
    commands_set_base_env(environ); /* also fits max_records to the fd limit */
    if (make_spool_dir() < 0 || commands_init() < 0) {
        fprintf(stderr, "execd: cannot create spool directory: %s\n", strerror(errno));
        return 1;
    }
    int lfd = listen_socket();
    if (lfd < 0) {
        fprintf(stderr, "execd: cannot listen on %s:%d: %s\n", g_cfg.listen_addr, g_cfg.port,
                strerror(-lfd));
        return 1;
    }
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    int entry_pipe[2] = {-1, -1};
    pid_t entry = -1;
    if (ep < argc) {
        if (pipe2(entry_pipe, O_CLOEXEC) < 0) return 1;
        reaper_lock();
        entry = start_entrypoint(argv + ep);
        reaper_set_entrypoint(entry, entry_pipe[1]);
        reaper_unlock();
    }
    reaper_start();
    reaper_spawned();
    metrics_start();
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, 128 * 1024);
    pthread_create(&t, &at, accept_main, (void *)(intptr_t)lfd);
    fprintf(stderr, "execd: listening on %s:%d\n", g_cfg.listen_addr, g_cfg.port);
    int code = supervise(sfd, entry, entry_pipe[0]);
    commands_kill_all(SIGKILL);
    if (g_cfg.own_spool_dir) nftw(g_cfg.spool_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    /* The runtime reads this line from the sandbox's log: nothing on the host can wait for us. */
    fprintf(stderr, "execd: exiting with status %d\n", code);
    return code;
}
