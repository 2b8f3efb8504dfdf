#!/bin/bash
# Native runtime from several threads of one process at once (as sandboxd calls it): creates,
# snapshots and deletes race on a fresh state dir (host image build, subnet allocation, nft).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-runtime.sh"
rt_require
plan 3
rt_setup
out=$(rtc stress 6 2>&1)
ok $? "six concurrent sandboxes: create, /ping, snapshot, delete"
is "$(grep -c ' ok addr=10\.88\.' <<<"$out")" 6 "each got its own address and finished"
[[ $(grep -oE 'addr=[0-9.]+' <<<"$out" | sort -u | wc -l) == 6 && -z $(rtc list) &&
    -z $(ls "$RT_STATE/snapshots") ]] && ! grep -q " $RT_STATE/" /proc/self/mountinfo
ok $? "six distinct subnets, and nothing left: sandboxes, snapshots, mounts"
[[ $_tap_fail == 0 ]] || diag "$out"
