/* /metrics and /metrics/watch: a background sampler (1 s) so answers are immediate; memory
 * and CPU count come from the cgroup when it sets limits (v2, else v1), else the host. */
#include "api.h"
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SAMPLE_MS 1000

struct sample {
    double cpu_count, cpu_pct, mem_total_mib, mem_used_mib;
    bool mem_cgroup, cpu_cgroup;
    int64_t ts;
    unsigned long seq;
};

static pthread_mutex_t m_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t m_cv = PTHREAD_COND_INITIALIZER;
static struct sample cur;

static int read_u64(const char *path, uint64_t *ret)
{
    FILE *f = fopen(path, "re");
    if (!f) return -ENOENT;
    unsigned long long v;
    int ok = fscanf(f, "%llu", &v) == 1;
    fclose(f);
    if (!ok) return -EINVAL;
    *ret = v;
    return 0;
}

static void cpu_times(uint64_t *busy, uint64_t *total)
{
    FILE *f = fopen("/proc/stat", "re");
    unsigned long long v[10] = {0};
    *busy = *total = 0;
    if (!f) return;
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
               &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]) >= 4) {
        for (int i = 0; i < 8; i++)
            *total += v[i];
        *busy = *total - v[3] - v[4];
    }
    fclose(f);
}

static void host_memory(struct sample *s)
{
    FILE *f = fopen("/proc/meminfo", "re");
    char line[256];
    unsigned long long total = 0, avail = 0, v;
    while (f && fgets(line, sizeof(line), f)) {
        if (sscanf(line, "MemTotal: %llu kB", &v) == 1)
            total = v;
        else if (sscanf(line, "MemAvailable: %llu kB", &v) == 1)
            avail = v;
    }
    if (f) fclose(f);
    s->mem_total_mib = (double)total / 1024.0;
    s->mem_used_mib = (double)(total - avail) / 1024.0;
}

static void cgroup_memory(struct sample *s)
{
    uint64_t limit = 0, usage = 0;
    int r = read_u64("/sys/fs/cgroup/memory.max", &limit); /* "max" fails the scan: no limit */
    if (r == 0 && read_u64("/sys/fs/cgroup/memory.current", &usage) < 0) r = -ENOENT;
    if (r < 0 && read_u64("/sys/fs/cgroup/memory/memory.limit_in_bytes", &limit) == 0 &&
        read_u64("/sys/fs/cgroup/memory/memory.usage_in_bytes", &usage) == 0)
        r = 0;
    s->mem_cgroup =
        r == 0 && limit > 0 && limit < (1ull << 60) && (double)limit / 1048576.0 < s->mem_total_mib;
    if (s->mem_cgroup) {
        s->mem_total_mib = (double)limit / 1048576.0;
        s->mem_used_mib = (double)usage / 1048576.0;
        if (s->mem_used_mib > s->mem_total_mib) s->mem_used_mib = s->mem_total_mib;
    }
}

static void cgroup_cpus(struct sample *s)
{
    s->cpu_count = (double)sysconf(_SC_NPROCESSORS_ONLN);
    long long quota = -1, period = 0;
    FILE *f = fopen("/sys/fs/cgroup/cpu.max", "re");
    if (f) {
        if (fscanf(f, "%lld %lld", &quota, &period) != 2) quota = -1;
        fclose(f);
    } else {
        uint64_t q, p;
        if (read_u64("/sys/fs/cgroup/cpu/cpu.cfs_period_us", &p) == 0) {
            FILE *g = fopen("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "re");
            if (g && fscanf(g, "%lld", &quota) == 1) period = (long long)p;
            if (g) fclose(g);
            (void)q;
        }
    }
    if (quota > 0 && period > 0 && (double)quota / (double)period < s->cpu_count) {
        s->cpu_count = (double)quota / (double)period;
        s->cpu_cgroup = true;
    }
}

static void *sampler(void *arg)
{
    uint64_t busy0, total0, busy1, total1;
    cpu_times(&busy0, &total0);
    for (;;) {
        struct timespec ts = {.tv_sec = SAMPLE_MS / 1000, .tv_nsec = (SAMPLE_MS % 1000) * 1000000L};
        nanosleep(&ts, NULL); /* the sampling period itself, not a poll for an event */
        cpu_times(&busy1, &total1);
        struct sample s = {0};
        s.cpu_pct =
            total1 > total0 ? 100.0 * (double)(busy1 - busy0) / (double)(total1 - total0) : 0;
        busy0 = busy1, total0 = total1;
        host_memory(&s);
        cgroup_memory(&s);
        cgroup_cpus(&s);
        s.ts = now_ms();
        pthread_mutex_lock(&m_mu);
        s.seq = cur.seq + 1;
        cur = s;
        pthread_cond_broadcast(&m_cv);
        pthread_mutex_unlock(&m_mu);
    }
    return NULL;
}

int metrics_start(void)
{
    struct sample s = {0};
    host_memory(&s);
    cgroup_memory(&s);
    cgroup_cpus(&s);
    s.ts = now_ms();
    cur = s;
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, 64 * 1024);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    int r = pthread_create(&t, &at, sampler, NULL);
    pthread_attr_destroy(&at);
    return -r;
}

static int format(const struct sample *s, char *out, size_t outsz)
{
    int n = snprintf(out, outsz,
                     "{\"cpu_count\":%.2f,\"cpu_used_pct\":%.2f,\"mem_total_mib\":%.2f,"
                     "\"mem_used_mib\":%.2f,\"timestamp\":%" PRId64,
                     s->cpu_count, s->cpu_pct, s->mem_total_mib, s->mem_used_mib, s->ts);
    if (!g_cfg.upstream_compat)
        n += snprintf(out + n, outsz - (size_t)n,
                      ",\"mem_limit_from_cgroup\":%s,\"cpu_limit_from_cgroup\":%s",
                      s->mem_cgroup ? "true" : "false", s->cpu_cgroup ? "true" : "false");
    n += snprintf(out + n, outsz - (size_t)n, "}");
    return n;
}

int api_metrics(struct conn *c, const struct route_args *a)
{
    char buf[512];
    pthread_mutex_lock(&m_mu);
    struct sample s = cur;
    pthread_mutex_unlock(&m_mu);
    int n = format(&s, buf, sizeof(buf));
    return conn_respond(c, 200, "application/json; charset=utf-8", NULL, buf, (size_t)n);
}

/* One "<json>\n" per sample until the client goes away (upstream's framing). */
int api_metrics_watch(struct conn *c, const struct route_args *a)
{
    int r = conn_begin(c, 200, "text/event-stream", "Cache-Control: no-cache\r\n", -1);
    unsigned long seen = 0;
    while (r == 0) {
        pthread_mutex_lock(&m_mu);
        while (cur.seq == seen && seen != 0)
            pthread_cond_wait(&m_cv, &m_mu);
        struct sample s = cur;
        seen = cur.seq ? cur.seq : 1;
        pthread_mutex_unlock(&m_mu);
        char buf[512];
        int n = format(&s, buf, sizeof(buf) - 1);
        buf[n++] = '\n';
        r = conn_write(c, buf, (size_t)n);
    }
    return -EPIPE;
}
