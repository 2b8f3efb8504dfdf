#!/bin/bash
# execd in a busybox-only root (no bash, no libc): the static binary, the sh fallback, and
# sessions with busybox's `export -p` format.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-execd.sh"
((EUID == 0)) || skip_all "needs root for chroot"
BB=$(command -v busybox) || skip_all "busybox-static is not installed"
ldd "$BB" >/dev/null 2>&1 && skip_all "busybox is not static"
ldd "$EXECD" >/dev/null 2>&1 && skip_all "execd is not static (the ASan build links dynamically)"
plan 8

R=$EX_TMP/root
mkdir -p "$R/bin" "$R/etc" "$R/tmp" "$R/dev" "$R/root"
cp "$BB" "$R/bin/busybox"
for a in sh echo ls cat pwd id; do ln -s busybox "$R/bin/$a"; done
cp "$EXECD" "$R/execd"
echo 'root:x:0:0:root:/root:/bin/sh' > "$R/etc/passwd"
echo 'root:x:0:' > "$R/etc/group"
mknod "$R/dev/null" c 1 3 && chmod 666 "$R/dev/null"
EX_PORT=$(free_port)
EX_URL=http://127.0.0.1:$EX_PORT
env -i PATH=/bin "$(command -v chroot)" "$R" /execd --listen "127.0.0.1:$EX_PORT" --spool-dir /tmp >/dev/null 2>"$EX_TMP/bb.log" &
pid=$!
on_exit "ex_stop $pid '$EX_TMP/bb.log'"
wait_line "$EX_TMP/bb.log" "listening on"
ok $? "static execd starts in a busybox root"
is "$(run_fg '{"command":"echo hi from $0"}' | sed -n 2p)" '{"text":"hi from /bin/sh","type":"stdout"}' "commands run with /bin/sh when there is no bash"
is "$(run_fg '{"command":"ls /bin/busybox"}' | sed -n 2p)" '{"text":"/bin/busybox","type":"stdout"}' "sees its own root"
sid=$(ex -XPOST "$EX_URL/session" -d '{"cwd":"/tmp"}' | jq_py 'd["session_id"]')
ex -N -XPOST "$EX_URL/session/$sid/run" -d '{"command":"export A=\"x y\"; cd /root"}' -o /dev/null
is "$(ex -N -XPOST "$EX_URL/session/$sid/run" -d '{"command":"echo \"$A\"; pwd"}' | sse_events | grep stdout | tr '\n' ' ')" \
   '{"text":"x y","type":"stdout"} {"text":"/root","type":"stdout"} ' "sessions persist env and cwd under busybox sh"
printf 'data' > "$EX_TMP/c"
is "$(status -F "metadata={\"path\":\"/tmp/up/f\"};filename=metadata" -F "file=@$EX_TMP/c" "$EX_URL/files/upload")" 200 "upload"
is "$(cat "$R/tmp/up/f")" data "file written inside the root"
is "$(ex "$EX_URL/files/info?path=/tmp/up/f" | jq_py 'list(d.values())[0]["owner"]')" root "owner name from the root's /etc/passwd (no NSS)"
is "$(ex "$EX_URL/metrics" | jq_py '"cpu_count" in d')" true "metrics without /proc: still answers"
