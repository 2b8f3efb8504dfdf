#!/bin/bash
# make run: starts sandboxd (127.0.0.1:8080, state in /var/lib/sandboxd) and mounts sandboxfs at
# /sandboxes in the foreground. Ctrl-C unmounts and stops the server (sandboxes keep their state
# in sandboxd's state dir and are re-adopted on the next start).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
LISTEN=${SANDBOXD_LISTEN:-127.0.0.1:8080}
STATE=${SANDBOXD_STATE_DIR:-/var/lib/sandboxd}
MNT=${SANDBOXFS_MOUNTPOINT:-/sandboxes}
LOG=${SANDBOXD_LOG:-/var/log/sandboxd.log}

mkdir -p "$STATE" "$MNT" "$(dirname "$LOG")"
if mountpoint -q "$MNT"; then
    echo "run: $MNT is already mounted (fusermount3 -u $MNT first)" >&2
    exit 1
fi
: >"$LOG"
"$BUILD/sandboxd" --listen "$LISTEN" --state-dir "$STATE" >>"$LOG" 2>&1 &
server=$!
stop() {
    fusermount3 -u "$MNT" 2>/dev/null || true
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
}
trap stop EXIT INT TERM
if ! timeout 30 bash -c 'grep -q -m1 "listening on" < <(tail -n +1 -F "$1" 2>/dev/null)' _ "$LOG"; then
    echo "run: sandboxd did not start; its log ($LOG):" >&2
    cat "$LOG" >&2
    exit 1
fi
echo "run: sandboxd on $LISTEN (log $LOG, API key $STATE/api_key)"
echo "run: mounting $MNT; try: mkdir $MNT/demo && echo 'uname -a' > $MNT/demo/cmd && cat $MNT/demo/stdout"
echo "run: Ctrl-C unmounts and stops the server"
"$BUILD/sandboxfs" -f -o "server=http://$LISTEN,api_key_file=$STATE/api_key" "$MNT"
