#!/bin/bash
# What the create request asks for reaches the sandbox: env, resource limits, host volumes from
# the allow-list (read-write and read-only, subPath), networkPolicy deny-all, extensions.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-sandboxd.sh"
sbxd_require
plan 15
vol=$(mktemp -d /tmp/sbxd-vol.XXXXXX)
on_exit "rm -rf '$vol'"
mkdir -p "$vol/data/sub"
echo host-marker >"$vol/data/marker.txt"
echo sub-marker >"$vol/data/sub/inner.txt"
sbxd_start "allowed_host_paths = [\"$vol\"]"

run() { # run ID COMMAND: the stdout/stderr lines of a foreground command, "exit N" on failure
    execd_call "$1" POST /command -H 'Content-Type: application/json' \
        -d "$(jq -n --arg c "$2" '{command: $c}')" |
        jq -r 'if .type == "stdout" or .type == "stderr" then .text
               elif .type == "error" then "exit " + .error.evalue else empty end'
}

id=$(sbxd_create "{\"image\":{\"uri\":\"host\"},\"env\":{\"GREETING\":\"hi there\"},
  \"resourceLimits\":{\"cpu\":\"500m\",\"memory\":\"256Mi\",\"pids\":\"200\"},
  \"extensions\":{\"x.y\":\"z\"},
  \"volumes\":[{\"name\":\"rw\",\"host\":{\"path\":\"$vol/data\"},\"mountPath\":\"/mnt/rw\"},
               {\"name\":\"ro\",\"host\":{\"path\":\"$vol/data\"},\"mountPath\":\"/mnt/ro\",\"readOnly\":true},
               {\"name\":\"sub\",\"host\":{\"path\":\"$vol/data\"},\"subPath\":\"sub\",\"mountPath\":\"/mnt/sub\"}]}") &&
    sbxd_ready "$id"
ok $? "sandbox with env, limits, volumes"
is "$(run "$id" 'echo "$GREETING"')" "hi there" "env reaches the entrypoint's environment (execd)"
is "$(run "$id" 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes')" 268435456 "memory limit applied"
is "$(run "$id" 'cat /sys/fs/cgroup/pids/pids.max')" 200 "pids limit applied"
is "$(run "$id" 'cat /mnt/rw/marker.txt /mnt/sub/inner.txt')" $'host-marker\nsub-marker' "host volume and subPath mounted"
run "$id" 'echo from-sandbox > /mnt/rw/new.txt' >/dev/null
is "$(cat "$vol/data/new.txt" 2>/dev/null)" from-sandbox "read-write volume writes through to the host"
like "$(run "$id" 'echo x > /mnt/ro/nope.txt')" "Read-only file system" "read-only volume refuses writes"
api GET "/v1/sandboxes/$id" >/dev/null
is "$(jget '.extensions')" '{"x.y":"z"}' "extensions kept and shown"

deny=$(sbxd_create '{"image":{"uri":"host"},"networkPolicy":{"defaultAction":"deny","egress":[]}}') && sbxd_ready "$deny"
ok $? "deny-all networkPolicy sandbox runs (egress cut by the runtime)"
is "$(api POST /v1/sandboxes "{\"image\":{\"uri\":\"host\"},\"volumes\":[{\"name\":\"v\",\"host\":{\"path\":\"$vol/data/../../..\"},\"mountPath\":\"/x\"}]}")" \
    400 "'..' cannot climb out of the allow-list"

# Isolation, as seen through the API (the runtime's own tests go further).
sbxd_ready "$id"
a_ip=${SBXD_EXECD%:*}
like "$(run "$deny" 'cat /proc/1/cmdline | tr "\0" " "')" "execd" "execd is the sandbox's init (own PID namespace)"
is "$(run "$deny" 'ls /proc | grep -c "^[0-9]"' | awk '$1 < 20 {print "few"}')" few "no host processes visible"
is "$(run "$deny" "test -e /etc/shadow || test -e '$SBXD_DIR' || test -e /root/.bash_history; echo \$?")" 1 \
    "no /etc/shadow, no sandboxd state dir, empty /root"
is "$(run "$deny" "cat $SBXD_DIR/state/api_key 2>&1 >/dev/null | grep -c 'No such file'")" 1 "the API key is not visible"
is "$(run "$deny" "timeout 3 bash -c 'echo > /dev/tcp/$a_ip/44772' 2>/dev/null && echo reached || echo blocked")" blocked \
    "a sandbox cannot reach another sandbox's execd"
