/* rtctl: drives a runtime (runtime.h) from the command line, for tests and benchmarks.
 *
 *   rtctl [--runtime native|docker] [--state DIR] [--execd PATH] COMMAND ...
 *     create ID [--image IMG] [--snapshot SNAP] [--token T] [--cpu MILLIS] [--memory BYTES]
 *               [--pids N] [--deny-egress] [--env K=V]... [--volume HOST:DEST[:ro]]... [--wait]
 *               [-- ENTRYPOINT...]
 *     inspect ID | pause ID | resume ID | delete ID | list
 *     snapshot ID SNAP | snapshot-delete SNAP | import NAME SOURCE | remove-image NAME
 *     cgroup ID        prints the sandbox's memory cgroup directory
 *     stress N [--image IMG]  N threads create, snapshot and delete sandboxes at once
 *     bench N [--image IMG]   creates N sandboxes (each waited until /ping answers), prints
 *                             create-to-ready percentiles and memory per idle sandbox, deletes them
 * import, remove-image and cgroup are the native runtime's (its image store and cgroups).
 * Defaults: --runtime $RT_RUNTIME or native, --state $RT_STATE or /var/lib/sandboxd,
 * --execd $EXECD or build/execd.
 */
#include "runtime.h"
#include "runtime_ctl.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 64

static void usage(void)
{
    fprintf(stderr, "usage: rtctl [--runtime native|docker] [--state DIR] [--execd PATH] "
                    "create|inspect|pause|resume|delete|list|snapshot|snapshot-delete|import|"
                    "remove-image|cgroup|bench|stress ...\n");
}

const char *ctl_runtime = "native";

static const char *state_names[] = {"absent", "creating", "running", "paused", "stopped"};

void ctl_print_info(const char *id, const struct rt_info *in)
{
    printf("id=%s state=%s pid=%d exit=%d addr=%s\n", id, state_names[in->state], in->init_pid,
           in->exit_status, in->execd_addr);
}

static int add_volume(struct rt_volume *v, char *arg)
{
    char *c1 = strchr(arg, ':');
    if (!c1) return -EINVAL;
    *c1 = 0;
    char *c2 = strchr(c1 + 1, ':');
    v->read_only = c2 && strcmp(c2 + 1, "ro") == 0;
    if (c2) *c2 = 0;
    v->host_path = arg;
    v->mount_path = c1 + 1;
    return 0;
}

static int cmd_create(int argc, char **argv)
{
    static struct option opts[] = {{"image", 1, 0, 'i'},
                                   {"snapshot", 1, 0, 's'},
                                   {"token", 1, 0, 't'},
                                   {"cpu", 1, 0, 'c'},
                                   {"memory", 1, 0, 'm'},
                                   {"pids", 1, 0, 'p'},
                                   {"deny-egress", 0, 0, 'd'},
                                   {"env", 1, 0, 'e'},
                                   {"volume", 1, 0, 'v'},
                                   {"wait", 0, 0, 'w'},
                                   {0, 0, 0, 0}};
    static char *env[MAX_ARGS + 1];
    static struct rt_volume vols[MAX_ARGS];
    struct rt_spec s = {.image = "host", .execd_token = "", .volumes = vols, .env = env};
    int nenv = 0, o;
    bool wait = false;
    optind = 1;
    while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (o) {
        case 'i':
            s.image = optarg;
            break;
        case 's':
            s.snapshot = optarg;
            break;
        case 't':
            s.execd_token = optarg;
            break;
        case 'c':
            s.cpu_millis = strtoull(optarg, NULL, 10);
            break;
        case 'm':
            s.memory_bytes = strtoull(optarg, NULL, 10);
            break;
        case 'p':
            s.pids = strtoull(optarg, NULL, 10);
            break;
        case 'd':
            s.deny_egress = true;
            break;
        case 'e':
            if (nenv < MAX_ARGS) env[nenv++] = optarg;
            break;
        case 'v':
            if (s.n_volumes >= MAX_ARGS || add_volume(&vols[s.n_volumes++], optarg) < 0)
                return usage(), 2;
            break;
        case 'w':
            wait = true;
            break;
        default:
            return usage(), 2;
        }
    }
    if (optind >= argc) return usage(), 2;
    s.id = argv[optind++];
    s.entrypoint = optind < argc ? argv + optind : NULL;
    struct rt_info info;
    char err[RT_ERR_MAX] = "";
    double ms = 0;
    int r = ctl_create(&s, &info, wait, &ms, err);
    if (r < 0) {
        fprintf(stderr, "rtctl: create: %s\n", err);
        return 1;
    }
    ctl_print_info(s.id, &info);
    if (wait) printf("ready_ms=%.1f\n", ms);
    return 0;
}

static int report(int r, const char *what, const char *err)
{
    if (r < 0) {
        fprintf(stderr, "rtctl: %s: %s (%s)\n", what, err, strerror(-r));
        return 1;
    }
    return 0;
}

static int print_id(const char *id, void *arg)
{
    (void)arg;
    printf("%s\n", id);
    return 0;
}

static int cmd_one(const char *cmd, int argc, char **argv)
{
    char err[RT_ERR_MAX] = "";
    struct rt_info info;
    int r;
    if (strcmp(cmd, "list") == 0) return report(rt_list(print_id, NULL, err), cmd, err);
    if (argc < 2) return usage(), 2;
    const char *id = argv[1];
    if (strcmp(cmd, "inspect") == 0) {
        r = rt_inspect(id, &info, err);
        if (r == 0) ctl_print_info(id, &info);
        return report(r, cmd, err);
    }
    if (strcmp(cmd, "pause") == 0) return report(rt_pause(id, err), cmd, err);
    if (strcmp(cmd, "resume") == 0) return report(rt_resume(id, err), cmd, err);
    if (strcmp(cmd, "delete") == 0) return report(rt_delete(id, err), cmd, err);
    if (strcmp(cmd, "snapshot-delete") == 0) return report(rt_snapshot_delete(id, err), cmd, err);
    if (strcmp(cmd, "remove-image") == 0) return report(ctl_remove_image(id, err), cmd, err);
    if (strcmp(cmd, "cgroup") == 0) return report(ctl_print_cgroup(id, err), cmd, err);
    if (argc < 3) return usage(), 2;
    if (strcmp(cmd, "snapshot") == 0) return report(rt_snapshot(id, argv[2], err), cmd, err);
    if (strcmp(cmd, "import") == 0) return report(ctl_import(id, argv[2], err), cmd, err);
    return usage(), 2;
}

int main(int argc, char **argv)
{
    static struct option opts[] = {
        {"state", 1, 0, 's'}, {"execd", 1, 0, 'e'}, {"runtime", 1, 0, 'r'}, {0, 0, 0, 0}};
    const char *state = getenv("RT_STATE") ? getenv("RT_STATE") : "/var/lib/sandboxd";
    if (getenv("RT_RUNTIME")) ctl_runtime = getenv("RT_RUNTIME");
    const char *execd = getenv("EXECD") ? getenv("EXECD") : "build/execd";
    int o;
    while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (o == 's')
            state = optarg;
        else if (o == 'e')
            execd = optarg;
        else if (o == 'r')
            ctl_runtime = optarg;
        else
            return usage(), 2;
    }
    if (optind >= argc) return usage(), 2;
    char err[RT_ERR_MAX] = "";
    if (rt_init(ctl_runtime, state, execd, err) < 0) {
        fprintf(stderr, "rtctl: init: %s\n", err);
        return 1;
    }
    const char *cmd = argv[optind];
    argc -= optind;
    argv += optind;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(cmd, "create") == 0) return cmd_create(argc, argv);
    if (strcmp(cmd, "bench") == 0) return ctl_bench(argc, argv);
    if (strcmp(cmd, "stress") == 0) return ctl_stress(argc, argv);
    return cmd_one(cmd, argc, argv);
}
