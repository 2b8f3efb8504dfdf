/* rtctl: create-and-wait, images, cgroup path, and the bench command. */
#include "image.h"
#include "net.h"
#include "runtime_ctl.h"
#include "runtime_native.h"
#include "runtime_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define READY_TIMEOUT_MS 30000

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static bool log_says_listening(const char *log)
{
    char buf[8192];
    return rt_read_file(log, buf, sizeof buf) > 0 && strstr(buf, "listening on");
}

/* Waits (inotify, no polling) until execd wrote its "listening on" line. */
static int wait_listening(const char *id, char *err)
{
    char log[PATH_MAX];
    if (rt_sandbox_path(log, id, "init.log") < 0) return -ENAMETOOLONG;
    int in = inotify_init1(IN_CLOEXEC);
    if (in < 0 || inotify_add_watch(in, log, IN_MODIFY) < 0)
        return rt_fail(err, -errno, "inotify on '%s': %m", log);
    double end = now_ms() + READY_TIMEOUT_MS;
    int r = 0;
    while (!log_says_listening(log)) {
        struct pollfd p = {in, POLLIN, 0};
        int left = (int)(end - now_ms());
        char ev[4096];
        if (left <= 0 || poll(&p, 1, left) <= 0) {
            r = rt_fail(err, -ETIMEDOUT, "execd of '%s' did not start listening (see %s)", id, log);
            break;
        }
        if (read(in, ev, sizeof ev) < 0 && errno != EINTR) break;
    }
    close(in);
    return r;
}

/* GET /ping through execd_addr; 0 when execd answers 200. */
static int ping(const char *addr, const char *token, char *err)
{
    char host[64];
    snprintf(host, sizeof host, "%s", addr);
    char *colon = strrchr(host, ':');
    if (!colon) return rt_fail(err, -EINVAL, "bad address '%s'", addr);
    *colon = 0;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    inet_pton(AF_INET, host, &sa.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = -errno;
        if (fd >= 0) close(fd);
        return rt_fail(err, e, "connect %s: %s", addr, strerror(-e));
    }
    char req[512], resp[512] = "";
    int n = snprintf(req, sizeof req,
                     "GET /ping HTTP/1.1\r\nHost: %s\r\nX-EXECD-ACCESS-TOKEN: %s\r\n"
                     "Connection: close\r\n\r\n",
                     addr, token ? token : "");
    ssize_t got = write(fd, req, (size_t)n) == n ? read(fd, resp, sizeof resp - 1) : -1;
    close(fd);
    if (got <= 0 || strncmp(resp, "HTTP/1.1 200", 12) != 0)
        return rt_fail(err, -EIO, "GET /ping on %s: %.60s", addr, got > 0 ? resp : "no answer");
    return 0;
}

/* Other runtimes keep execd's log elsewhere: connection attempts every few ms until /ping
 * answers (execd runs in another network namespace: no event to wait for), bounded. */
static int ping_until_ready(const char *addr, const char *token, char *err)
{
    double end = now_ms() + READY_TIMEOUT_MS;
    int r;
    while ((r = ping(addr, token, err)) < 0 && now_ms() < end) {
        struct timespec ts = {0, 5 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return r;
}

int ctl_create(const struct rt_spec *s, struct rt_info *info, bool wait, double *ms, char *err)
{
    double t0 = now_ms();
    int r = rt_create(s, info, err);
    if (r < 0 || !wait) return r;
    if (strcmp(ctl_runtime, "native"))
        r = ping_until_ready(info->execd_addr, s->execd_token, err);
    else
        r = wait_listening(s->id, err) ?: ping(info->execd_addr, s->execd_token, err);
    *ms = now_ms() - t0;
    return r;
}

int ctl_import(const char *name, const char *source, char *err)
{
    return image_import(name, source, err);
}

int ctl_remove_image(const char *name, char *err)
{
    return image_remove(name, err);
}

int ctl_print_cgroup(const char *id, char *err)
{
    if (!rt_id_valid(id)) return rt_fail(err, -EINVAL, "invalid id");
    printf("/sys/fs/cgroup/memory/sandboxd/%s-%s\n", rt_ctx.tag, id);
    return 0;
}

/* Proportional set size (kB) of every process in the sandbox's cgroup. */
static long sandbox_pss_kb(const char *id)
{
    char p[PATH_MAX], procs[4096], sm[4096];
    snprintf(p, sizeof p, "/sys/fs/cgroup/pids/sandboxd/%s-%s/cgroup.procs", rt_ctx.tag, id);
    if (rt_read_file(p, procs, sizeof procs) <= 0) return 0;
    long total = 0;
    for (char *tok = strtok(procs, "\n"); tok; tok = strtok(NULL, "\n")) {
        snprintf(p, sizeof p, "/proc/%s/smaps_rollup", tok);
        char *pss = rt_read_file(p, sm, sizeof sm) > 0 ? strstr(sm, "\nPss:") : NULL;
        if (pss) total += strtol(pss + 5, NULL, 10);
    }
    return total;
}

static long sandbox_cgroup_kb(const char *id)
{
    char p[PATH_MAX], v[64];
    snprintf(p, sizeof p, "/sys/fs/cgroup/memory/sandboxd/%s-%s/memory.usage_in_bytes", rt_ctx.tag,
             id);
    return rt_read_file(p, v, sizeof v) > 0 ? strtol(v, NULL, 10) / 1024 : 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int bench_create(int n, const char *image, double *ms, char *err)
{
    for (int i = 0; i < n; i++) {
        char id[RT_ID_MAX];
        snprintf(id, sizeof id, "bench-%d-%d", (int)getpid(), i);
        struct rt_spec s = {.id = id, .image = image, .execd_token = "bench"};
        struct rt_info info;
        int r = ctl_create(&s, &info, true, &ms[i], err);
        if (r < 0) return i;
    }
    return n;
}

int ctl_bench(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10;
    const char *image = argc > 3 && strcmp(argv[2], "--image") == 0 ? argv[3] : "host";
    if (n < 1 || n > 500) return fprintf(stderr, "rtctl: bench N: 1..500\n"), 2;
    double *ms = calloc((size_t)n, sizeof *ms);
    char err[RT_ERR_MAX] = "";
    int made = bench_create(n, image, ms, err);
    if (made < n) fprintf(stderr, "rtctl: bench: create %d: %s\n", made, err);
    long pss = 0, cg = 0;
    double del_ms = 0;
    for (int i = 0; i < made; i++) {
        char id[RT_ID_MAX];
        snprintf(id, sizeof id, "bench-%d-%d", (int)getpid(), i);
        pss += sandbox_pss_kb(id);
        cg += sandbox_cgroup_kb(id);
    }
    for (int i = 0; i < made; i++) {
        char id[RT_ID_MAX];
        snprintf(id, sizeof id, "bench-%d-%d", (int)getpid(), i);
        double t = now_ms();
        if (rt_delete(id, err) < 0) fprintf(stderr, "rtctl: bench: delete %s: %s\n", id, err);
        del_ms += now_ms() - t;
    }
    if (made > 0) {
        qsort(ms, (size_t)made, sizeof *ms, cmp_double);
        printf("sandboxes=%d image=%s create_to_ready_ms p50=%.1f p90=%.1f max=%.1f "
               "pss_kib_per_sandbox=%ld cgroup_kib_per_sandbox=%ld delete_ms_avg=%.1f\n",
               made, image, ms[made / 2], ms[made * 9 / 10], ms[made - 1], pss / made, cg / made,
               del_ms / made);
    }
    free(ms);
    return made == n ? 0 : 1;
}
