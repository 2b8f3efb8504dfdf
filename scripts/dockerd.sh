#!/bin/bash
# Starts the Docker engine for sandboxd's Docker runtime when its socket does not answer (CI
# machines and containers have no systemd). dockerd runs in the background, detached, with its
# log in $DOCKERD_LOG (default /var/log/sandboxd-dockerd.log); the script returns once the
# engine answers /_ping, or fails after $DOCKERD_WAIT seconds (default 60) with the log's tail.
#
# --iptables=false: Docker's iptables setup sets the FORWARD policy to DROP, which would cut the
# native runtime's sandboxes (10.88.0.0/16, nftables table inet sandboxd) off the network. The
# host still reaches containers on Docker's bridges by their address (no NAT needed); containers
# get no NAT to the outside. Set DOCKERD_ARGS to start it otherwise.
set -uo pipefail
SOCK=/var/run/docker.sock
LOG=${DOCKERD_LOG:-/var/log/sandboxd-dockerd.log}
WAIT=${DOCKERD_WAIT:-60}

ping_engine() { curl -sf --max-time 5 --unix-socket "$SOCK" http://docker/_ping >/dev/null 2>&1; }

ping_engine && exit 0
command -v dockerd >/dev/null || { echo "dockerd.sh: dockerd is not installed (make deps)" >&2; exit 1; }
((EUID == 0)) || { echo "dockerd.sh: starting dockerd needs root" >&2; exit 1; }
mkdir -p "$(dirname "$LOG")"
: >>"$LOG"
start=$(wc -l <"$LOG")
# shellcheck disable=SC2086
setsid dockerd ${DOCKERD_ARGS:---iptables=false} </dev/null >>"$LOG" 2>&1 &
pid=$!
# Waits for the engine's "API listen on" line (no polling), then checks that it answers.
if timeout "$WAIT" bash -c 'grep -q -m1 "API listen on $2" < <(tail -n +"$1" -F "$3" 2>/dev/null)' \
    _ "$((start + 1))" "$SOCK" "$LOG" && ping_engine; then
    echo "dockerd.sh: dockerd (pid $pid) answers on $SOCK; log in $LOG"
    exit 0
fi
echo "dockerd.sh: dockerd did not answer on $SOCK within $WAIT s; its log:" >&2
tail -n 20 "$LOG" >&2
kill "$pid" 2>/dev/null
exit 1
