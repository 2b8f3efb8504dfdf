#!/bin/bash
# Native runtime, "host" image: execd as init answers through execd_addr; isolation from host
# processes, secrets and directories; capabilities, seccomp, cgroup limits; delete leaves nothing.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-runtime.sh"
rt_require
plan 27
rt_setup

id=host-$$
rt_create "$id" --memory 67108864 --pids 64 --cpu 500
ok $? "create with the host image returns once execd answers /ping"
addr=$RT_ADDR
like "$addr" '^10\.88\.[0-9]+\.[0-9]+:44772$' "execd_addr is the sandbox's veth address, port 44772"
is "$(rt_ping "$addr")" 200 "GET /ping through execd_addr"
is "$(rt_ping "$addr" wrong)" 401 "execd refuses a wrong access token"
is "$(rt_state "$id")" running "inspect: running"

out=$(rt_sh "$addr" 'cat /proc/1/cmdline | tr "\0" " "; echo; ps -e -o pid= | wc -l')
like "$out" "/opt/opensandbox/execd --listen 0.0.0.0:44772 -- tail -f /dev/null" "execd is PID 1 and runs the default entrypoint"
n=$(sed -n 2p <<<"$out")
((n < 10))
ok $? "only the sandbox's own processes are visible ($n)"

out=$(rt_sh "$addr" 'ls /etc/shadow /etc/gshadow /work /var/lib/dpkg '"$RT_STATE"' 2>&1')
like "$out" "access '/etc/shadow'" "/etc/shadow is not there"
like "$out" "access '/etc/gshadow'" "/etc/gshadow is not there"
like "$out" "access '/work'" "the project's /work is not there"
like "$out" "access '$RT_STATE'" "the state dir is not there"
like "$out" "access '/var/lib/dpkg'" "/var/lib is empty"
is "$(rt_sh "$addr" 'ls -A /root /home | grep -v : | grep -c .' | sed -n 1p)" 0 "/root and /home are empty"
private=$(find /etc -xdev \( -type f ! -perm -o=r \) -o \( -type d ! -perm -o=rx \) 2>/dev/null | head -50 | tr '\n' ' ')
is "$(rt_sh "$addr" "for f in $private; do test -e \$f && echo \$f; done; true")" "exit=0" "nothing under /etc that the host keeps from other users (${private:0:60}...)"
is "$(rt_sh "$addr" 'test -x /usr/bin/bash && echo yes; getent passwd root | cut -d: -f1' | sed -n 1,2p | tr '\n' ' ')" "yes root " "host binaries and a filtered /etc are there"

out=$(rt_sh "$addr" 'echo hi > /tmp/t && cat /tmp/t; echo x > /root/f && echo rootw; touch /usr/x 2>&1')
like "$out" $'hi\nrootw' "/tmp and /root are writable"
like "$out" "Read-only file system" "/usr is read-only"

out=$(rt_sh "$addr" 'grep -E "^(CapEff|CapBnd|Seccomp):" /proc/self/status; hostname')
like "$out" "CapEff:[[:space:]]+00000000a80425fb" "capabilities are Docker's default set"
like "$out" "Seccomp:[[:space:]]+2" "a seccomp filter is active"
like "$out" "$id" "hostname is the sandbox id"
out=$(rt_sh "$addr" 'unshare -n true 2>&1; mount -t tmpfs x /mnt 2>&1')
like "$out" "(Operation not permitted|permission denied)" "unshare and mount are refused"

cg=$(ls -d /sys/fs/cgroup/memory/sandboxd/*-"$id")
is "$(cat "$cg/memory.limit_in_bytes")" 67108864 "memory limit in the cgroup"
is "$(cat /sys/fs/cgroup/pids/sandboxd/*-"$id"/pids.max)" 64 "pids limit in the cgroup"
is "$(cat /sys/fs/cgroup/cpu/sandboxd/*-"$id"/cpu.cfs_quota_us)" 50000 "cpu quota in the cgroup"

link=$(rt_link "$id")
rtc delete "$id"
ok $? "delete"
is "$(rt_leftovers "$id" "$link")" "" "delete leaves no bundle, runc state, mount, veth, nft element or cgroup"
rtc delete "$id"
ok $? "delete again is a no-op"
