/* Seccomp for sandboxes: allow by default, refuse (EPERM) the syscalls Docker's default profile
 * keeps from containers (kernel modules, kexec, clock setting, mount API, keyrings, bpf, perf,
 * namespaces, userfaultfd, io_uring, ...). Capabilities already stop most of them; this is the
 * second wall, as in Docker. Names unknown to the running libseccomp are skipped by runc. */
#include "bundle.h"

static const char *const denied[] = {
    "acct",
    "add_key",
    "bpf",
    "clock_adjtime",
    "clock_settime",
    "create_module",
    "delete_module",
    "finit_module",
    "fsconfig",
    "fsmount",
    "fsopen",
    "fspick",
    "get_kernel_syms",
    "init_module",
    "io_uring_enter",
    "io_uring_register",
    "io_uring_setup",
    "ioperm",
    "iopl",
    "kexec_file_load",
    "kexec_load",
    "keyctl",
    "lookup_dcookie",
    "mount",
    "mount_setattr",
    "move_mount",
    "name_to_handle_at",
    "nfsservctl",
    "open_by_handle_at",
    "open_tree",
    "perf_event_open",
    "pivot_root",
    "quotactl",
    "quotactl_fd",
    "reboot",
    "request_key",
    "setns",
    "settimeofday",
    "stime",
    "swapoff",
    "swapon",
    "sysfs",
    "_sysctl",
    "umount",
    "umount2",
    "unshare",
    "uselib",
    "userfaultfd",
    "ustat",
    "vm86",
    "vm86old",
    "lsm_set_self_attr",
    "fanotify_init",
};

/* clone with any CLONE_NEW* flag is refused; clone3 (whose flags seccomp cannot see) is ENOSYS
 * so that libc falls back to clone, as in Docker. */
static const unsigned long clone_ns_flags[] = {
    0x00020000, /* CLONE_NEWNS */
    0x02000000, /* CLONE_NEWCGROUP */
    0x04000000, /* CLONE_NEWUTS */
    0x08000000, /* CLONE_NEWIPC */
    0x10000000, /* CLONE_NEWUSER */
    0x20000000, /* CLONE_NEWPID */
    0x40000000, /* CLONE_NEWNET */
};

static json_t *rule(json_t *names, const char *action, int errno_ret)
{
    json_t *r = json_pack("{s:o s:s}", "names", names, "action", action);
    if (errno_ret) json_object_set_new(r, "errnoRet", json_integer(errno_ret));
    return r;
}

json_t *bundle_seccomp(void)
{
    json_t *names = json_array();
    for (size_t i = 0; i < sizeof denied / sizeof *denied; i++)
        json_array_append_new(names, json_string(denied[i]));
    json_t *syscalls = json_array();
    json_array_append_new(syscalls, rule(names, "SCMP_ACT_ERRNO", 1));
    json_array_append_new(syscalls, rule(json_pack("[s]", "clone3"), "SCMP_ACT_ERRNO", 38));
    for (size_t i = 0; i < sizeof clone_ns_flags / sizeof *clone_ns_flags; i++) {
        json_int_t f = (json_int_t)clone_ns_flags[i];
        json_t *clone = rule(json_pack("[s]", "clone"), "SCMP_ACT_ERRNO", 1);
        json_object_set_new(clone, "args",
                            json_pack("[{s:i s:I s:I s:s}]", "index", 0, "value", f, "valueTwo", f,
                                      "op", "SCMP_CMP_MASKED_EQ"));
        json_array_append_new(syscalls, clone);
    }
    return json_pack("{s:s s:[s,s,s] s:o}", "defaultAction", "SCMP_ACT_ALLOW", "architectures",
                     "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "syscalls", syscalls);
}
