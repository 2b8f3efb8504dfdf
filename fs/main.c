/* sandboxfs: mounts sandboxes as a filesystem. Option parsing and startup. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "files.h"
#include "files_io.h"
#include "ops.h"

#define DEFAULT_SERVER "http://127.0.0.1:8080"
#define DEFAULT_KEY_FILE "/var/lib/sandboxd/api_key"
#define KEY_MAX 200

struct sfs_config sfs_cfg;

struct opts {
    char *server, *api_key_file, *config_dir, *cache_dir, *cache;
    int ready_timeout;
    int help, version;
    char *source; /* mount(8) passes "SOURCE MOUNTPOINT" */
    char *mountpoint;
    int nonopts;
};

#define OPT(t, f) {t, offsetof(struct opts, f), 1}
static const struct fuse_opt opt_spec[] = {
    OPT("server=%s", server),
    OPT("api_key_file=%s", api_key_file),
    OPT("config_dir=%s", config_dir),
    OPT("cache_dir=%s", cache_dir),
    OPT("cache=%s", cache),
    OPT("ready_timeout=%d", ready_timeout),
    OPT("-h", help),
    OPT("--help", help),
    OPT("-V", version),
    OPT("--version", version),
    FUSE_OPT_KEY("_netdev", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("nofail", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("noauto", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("user", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_KEY("users", FUSE_OPT_KEY_DISCARD),
    FUSE_OPT_END,
};

static void usage(const char *prog)
{
    printf("usage: %s [options] [SERVER] MOUNTPOINT\n\n"
           "Mounts the sandboxes of an OpenSandbox lifecycle server (sandboxd) at MOUNTPOINT.\n\n"
           "sandboxfs options:\n"
           "    -o server=URL          lifecycle server (default: $OPEN_SANDBOX_DOMAIN,\n"
           "                           $SANDBOX_DOMAIN, else " DEFAULT_SERVER ")\n"
           "    -o api_key_file=PATH   API key file (default: $OPEN_SANDBOX_API_KEY,\n"
           "                           $SANDBOX_API_KEY, else " DEFAULT_KEY_FILE ")\n"
           "    -o config_dir=DIR      templates live in DIR/templates\n"
           "                           (default /etc/sandboxfs as root, else ~/.config/sandboxfs)\n"
           "    -o cache_dir=DIR       spool directory (default /var/tmp)\n"
           "    -o ready_timeout=SECS  how long mkdir waits for a sandbox (default 60)\n"
           "    -o cache=never|auto|always  attribute caching (default auto)\n"
           "    -o allow_other         let other users in (adds default_permissions)\n\n",
           prog);
}

static int opt_proc(void *data, const char *arg, int key, struct fuse_args *out)
{
    struct opts *o = data;
    (void)out;
    if (key == FUSE_OPT_KEY_NONOPT && ++o->nonopts == 1) {
        o->source = strdup(arg); /* kept aside; if a second one comes, this was the source */
        return 0;
    }
    if (key == FUSE_OPT_KEY_NONOPT && o->nonopts == 2) {
        o->mountpoint = strdup(arg);
        return 1;
    }
    return key == FUSE_OPT_KEY_NONOPT ? -1 : 1;
}

static int read_key(const char *path, char *out, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    char buf[KEY_MAX + 1];
    ssize_t n = read(fd, buf, KEY_MAX);
    close(fd);
    if (n <= 0)
        return -EINVAL;
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    snprintf(out, cap, "OPEN-SANDBOX-API-KEY: %s", buf);
    return 0;
}

static const char *env2(const char *a, const char *b)
{
    const char *v = getenv(a);
    return v && *v ? v : getenv(b) && *getenv(b) ? getenv(b) : NULL;
}

static int configure_server(const struct opts *o, const char *source)
{
    const char *url = o->server ? o->server : source ? source : env2("OPEN_SANDBOX_DOMAIN",
                                                                     "SANDBOX_DOMAIN");
    if (!url)
        url = DEFAULT_SERVER;
    const char *scheme = strstr(url, "://") ? "" : "http://";
    snprintf(sfs_cfg.server.base, sizeof sfs_cfg.server.base, "%s%s", scheme, url);
    size_t n = strlen(sfs_cfg.server.base);
    while (n && sfs_cfg.server.base[n - 1] == '/')
        sfs_cfg.server.base[--n] = '\0';
    if (n > 3 && !strcmp(sfs_cfg.server.base + n - 3, "/v1"))
        sfs_cfg.server.base[n - 3] = '\0';
    const char *key = env2("OPEN_SANDBOX_API_KEY", "SANDBOX_API_KEY");
    if (o->api_key_file)
        return read_key(o->api_key_file, sfs_cfg.server.key_hdr, sizeof sfs_cfg.server.key_hdr);
    if (key) {
        snprintf(sfs_cfg.server.key_hdr, sizeof sfs_cfg.server.key_hdr, "OPEN-SANDBOX-API-KEY: %s",
                 key);
        return 0;
    }
    read_key(DEFAULT_KEY_FILE, sfs_cfg.server.key_hdr, sizeof sfs_cfg.server.key_hdr);
    return 0; /* no key: a server without auth */
}

static int configure(const struct opts *o, const char *source)
{
    int rc = configure_server(o, source);
    if (rc) {
        fprintf(stderr, "sandboxfs: api_key_file %s: %s\n", o->api_key_file, strerror(-rc));
        return rc;
    }
    const char *home = getenv("HOME");
    if (o->config_dir)
        snprintf(sfs_cfg.config_dir, sizeof sfs_cfg.config_dir, "%s", o->config_dir);
    else if (geteuid() == 0 || !home)
        snprintf(sfs_cfg.config_dir, sizeof sfs_cfg.config_dir, "/etc/sandboxfs");
    else
        snprintf(sfs_cfg.config_dir, sizeof sfs_cfg.config_dir, "%s/.config/sandboxfs", home);
    snprintf(sfs_cfg.cache_dir, sizeof sfs_cfg.cache_dir, "%s", o->cache_dir ? o->cache_dir : "/var/tmp");
    sfs_cfg.ready_timeout = o->ready_timeout > 0 ? o->ready_timeout : 60;
    sfs_cfg.cache = SFS_CACHE_AUTO;
    if (o->cache && !strcmp(o->cache, "never"))
        sfs_cfg.cache = SFS_CACHE_NEVER;
    else if (o->cache && !strcmp(o->cache, "always"))
        sfs_cfg.cache = SFS_CACHE_ALWAYS;
    else if (o->cache && strcmp(o->cache, "auto")) {
        fprintf(stderr, "sandboxfs: cache=%s: use never, auto or always\n", o->cache);
        return -EINVAL;
    }
    sfs_cfg.list_ttl = sfs_cfg.cache == SFS_CACHE_NEVER ? 0 : 1.0;
    files_set_spool_dir(sfs_cfg.cache_dir);
    rc = tpl_init();
    if (rc)
        fprintf(stderr, "sandboxfs: templates in %s: %s\n", sfs_cfg.config_dir, strerror(-rc));
    return rc;
}

static void on_intr_signal(int sig)
{
    (void)sig; /* only interrupts the worker's blocking call (see op_init: cfg->intr) */
}

/* An open command stream holds a socket, a pipe and an eventfd, a FUSE thread a reply pipe: the
 * default 1024 descriptors would cap open streams near 200 (past it, streams are copied). */
static void raise_fd_limit(void)
{
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) || r.rlim_cur >= 65536 || r.rlim_cur >= r.rlim_max)
        return;
    r.rlim_cur = r.rlim_max < 65536 ? r.rlim_max : 65536;
    if (setrlimit(RLIMIT_NOFILE, &r))
        fprintf(stderr, "sandboxfs: cannot raise the open-file limit: %s\n", strerror(errno));
}

int main(int argc, char *argv[])
{
    struct sigaction sa = {.sa_handler = on_intr_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    struct opts o = {0};
    if (fuse_opt_parse(&args, &o, opt_spec, opt_proc) == -1)
        return 2;
    if (o.help) {
        usage(argv[0]);
        printf("FUSE options:\n");
        fuse_lib_help(&args);
        return 0;
    }
    if (o.version) {
        printf("sandboxfs %s (libfuse %s)\n", SFS_VERSION, fuse_pkgversion());
        return 0;
    }
    const char *source = NULL;
    if (o.nonopts == 1) { /* only a mountpoint */
        fuse_opt_add_arg(&args, o.source);
    } else if (o.nonopts == 2 && strstr(o.source, "://")) {
        source = o.source; /* mount -t fuse.sandboxfs http://host:port /sandboxes */
    }
    if (configure(&o, source))
        return 1;
    const char *mp = o.nonopts == 1 ? o.source : o.mountpoint;
    if (!mp || !realpath(mp, sfs_cfg.mountpoint)) {
        fprintf(stderr, "sandboxfs: %s: %s\n", mp ? mp : "no mountpoint given",
                mp ? strerror(errno) : "see --help");
        return 1;
    }
    for (int i = 0; i < args.argc; i++) /* other users get the kernel's permission checks */
        if (strstr(args.argv[i], "allow_other")) {
            fuse_opt_add_arg(&args, "-odefault_permissions");
            break;
        }
    /* last, so that no -o dev/suid given before can open host devices or honour setuid bits */
    fuse_opt_add_arg(&args, "-osubtype=sandboxfs,fsname=sandboxfs,max_threads=128,max_idle_threads=16,"
                             "nodev,nosuid");
    raise_fd_limit();
    int rc = fuse_main(args.argc, args.argv, &sfs_ops, NULL);
    fuse_opt_free_args(&args);
    free(o.source);
    free(o.mountpoint);
    return rc;
}
