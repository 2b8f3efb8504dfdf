/* sandboxd: the OpenSandbox Lifecycle API server with a native runc runtime or Docker.
 * Startup: config, state dir, API key, database, runtime, adoption of what survived a restart,
 * expiry timer, then the HTTP server; SIGTERM/SIGINT stop it (sandboxes keep running). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "config.h"
#include "expiry.h"
#include "http.h"
#include "lifecycle.h"
#include "log.h"
#include "proxy.h"
#include "runtime.h"
#include "store.h"
#include "tcp.h"

static struct sd_config cfg;

static int prepare_state_dir(const char *dir)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        log_err("cannot create state dir '%s': %s", dir, strerror(errno));
        return -errno;
    }
    return 0;
}

static int open_everything(void)
{
    char err[RT_ERR_MAX] = "", db[PATH_MAX + 32];
    if (prepare_state_dir(cfg.state_dir)) return -1;
    if (auth_init(&cfg, err, sizeof(err))) {
        log_err("%s", err);
        return -1;
    }
    snprintf(db, sizeof(db), "%s/sandboxd.db", cfg.state_dir);
    if (store_open(db, err, sizeof(err))) {
        log_err("%s", err);
        return -1;
    }
    if (rt_init(cfg.runtime, cfg.state_dir, cfg.execd_path, err)) {
        log_err("cannot initialise the %s runtime: %s", cfg.runtime, err);
        return -1;
    }
    lc_init(&cfg);
    return 0;
}

/* Blocks SIGTERM/SIGINT/SIGPIPE in every thread (inherited), so sigwait gets them. */
static void block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* The address actually bound (resolves port 0), for the "listening on" line. */
static const char *bound_addr(int fd, const char *fallback)
{
    static char out[INET6_ADDRSTRLEN + 16];
    struct sockaddr_storage sa;
    socklen_t len = sizeof(sa);
    char host[INET6_ADDRSTRLEN];
    if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0) return fallback;
    if (sa.ss_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&sa;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
        snprintf(out, sizeof(out), "%s:%u", host, ntohs(in->sin_port));
    } else if (sa.ss_family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        snprintf(out, sizeof(out), "[%s]:%u", host, ntohs(in6->sin6_port));
    } else {
        return fallback;
    }
    return out;
}

int main(int argc, char **argv)
{
    char err[CFG_ERR_MAX] = "";
    sigset_t set;
    int r, sig = 0, fd;

    config_defaults(&cfg, argv[0]);
    r = config_parse_args(&cfg, argc, argv, err);
    if (r) {
        fprintf(r > 0 ? stdout : stderr, "%s%s", r > 0 ? "" : "sandboxd: ", err);
        if (r < 0) fputc('\n', stderr);
        return r > 0 ? 0 : 2;
    }
    sd_log_set_debug(cfg.debug);
    setvbuf(stderr, NULL, _IOLBF, 0);
    block_signals(&set);
    if (open_everything()) return 1;
    lc_adopt_all();
    if (expiry_start()) {
        log_err("cannot start the expiry timer");
        return 1;
    }
    fd = tcp_listen(cfg.listen);
    if (fd < 0) {
        log_err("cannot listen on %s: %s", cfg.listen, strerror(-fd));
        return 1;
    }
    if (http_start(fd, &cfg)) {
        log_err("cannot start the HTTP server on %s", cfg.listen);
        return 1;
    }
    fprintf(stderr, "sandboxd: listening on %s\n", bound_addr(fd, cfg.listen));
    while (sigwait(&set, &sig) != 0)
        ;
    log_info("received signal %d, stopping (sandboxes keep running)", sig);
    proxy_shutdown_all();
    http_stop();
    close(fd);
    expiry_stop();
    store_close();
    config_free(&cfg);
    return 0;
}
