#!/bin/bash
# Native runtime, directory rootfs (busybox-static): execd runs in an image without libc;
# pause/resume through the freezer; snapshot and restore; unknown images fail clearly.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-runtime.sh"
rt_require
plan 27
rt_setup
tmp=$(mktemp -d /tmp/rt-busybox.XXXXXX)
on_exit "rm -rf '$tmp'"
rootfs=$tmp/rootfs
rt_busybox_rootfs "$rootfs"

a=bb-$$
rt_create "$a" --image "$rootfs"
ok $? "create with a busybox directory rootfs"
addr=$RT_ADDR
is "$(rt_ping "$addr")" 200 "GET /ping through execd_addr"
out=$(rt_sh "$addr" 'ls /bin/busybox && echo data > /root/keep && rm /etc/passwd && ls /opt/opensandbox')
like "$out" $'/bin/busybox\nexecd\nexit=0' "commands run in the busybox rootfs"
want=$(grep -vE '^nameserver (127\.|::1)' /etc/resolv.conf)
is "$(rt_sh "$addr" 'cat /etc/resolv.conf; grep -c "$(hostname)" /etc/hosts')" "$want"$'\n1\nexit=0' "/etc/resolv.conf (host resolvers) and /etc/hosts (own name) are provided"
[[ ! -e $rootfs/root/keep ]]
ok $? "writes go to the sandbox's upper layer, not into the image directory"

rtc pause "$a"
ok $? "pause"
is "$(rt_state "$a")" paused "inspect: paused"
is "$(curl -s -o /dev/null -w "%{http_code}" --max-time 1 -H "X-EXECD-ACCESS-TOKEN: $RT_TOKEN" "http://$addr/ping")" 000 "a paused sandbox does not answer"
rtc resume "$a"
ok $? "resume"
is "$(rt_state "$a")" running "inspect: running again"
is "$(rt_ping "$addr")" 200 "execd answers again after resume"

snap=snap-$$
rtc snapshot "$a" "$snap"
ok $? "snapshot"
is "$(rt_state "$a")" running "the sandbox keeps running after a snapshot"
rtc delete "$a"
b=bb2-$$
rt_create "$b" --snapshot "$snap"
ok $? "create from the snapshot after the original is gone"
is "$(rt_sh "$RT_ADDR" 'cat /root/keep')" $'data\nexit=0' "the restored sandbox has the file"
is "$(rt_sh "$RT_ADDR" 'test -e /etc/passwd || echo gone')" $'gone\nexit=0' "a file deleted from the image stays deleted (whiteout kept)"
pid=$(rtc inspect "$b" | sed -n 's/.* pid=\([0-9]*\).*/\1/p')
kill -9 "$pid" && python3 -c 'import os, select, sys; fd = os.pidfd_open(int(sys.argv[1])); select.select([fd], [], [], 10)' "$pid"
is "$(rt_state "$b")" stopped "inspect: stopped once execd (init) died"
rtc delete "$b" && [[ -z $(rt_leftovers "$b" "") ]]
ok $? "a stopped sandbox is deleted cleanly"
rtc snapshot-delete "$snap"
ok $? "snapshot-delete"
[[ ! -e $RT_STATE/snapshots/$snap ]]
ok $? "the snapshot is gone"

err=$(rtc create --image no-such-image:1.0 bad-$$ 2>&1)
ok $((! $?)) "an unknown image fails the create"
like "$err" "no-such-image:1.0.*rtctl import" "the error names the image and how to provide it"

err=$(rtc create --image "$rootfs" --volume "$tmp:/proc/x" badvol-$$ 2>&1)
ok $((! $?)) "a create that runc refuses fails"
like "$err" "runc run 'badvol-$$' failed:.*inside /proc" "the error carries runc's reason"
is "$(rt_leftovers badvol-$$ "")" "" "a failed create leaves no bundle, runc state, mount or cgroup"

p=paused-$$
rt_create "$p" --image "$rootfs" && rtc pause "$p" && [[ $(rt_state "$p") == paused ]]
ok $? "another sandbox, paused"
rtc delete "$p" && [[ -z $(rt_leftovers "$p" "") && $(rt_state "$p") == absent ]]
ok $? "deleting a paused sandbox kills it and leaves nothing"
