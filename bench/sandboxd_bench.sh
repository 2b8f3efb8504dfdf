#!/bin/bash
# sandboxd benchmark: create-to-ready latency (p50, vs runc run of the same bundle) and memory
# per idle sandbox. Needs root, runc, build/sandboxd and build/execd. Prints a table.
# BENCH_ROUNDS (default 20) and BENCH_IDLE (default 50) tune it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${SFS_BUILD:-$ROOT/build}
SANDBOXD=${SANDBOXD:-$BUILD/sandboxd}
EXECD=${EXECD:-$BUILD/execd}
[[ $EUID == 0 ]] || { echo "sandboxd bench: needs root" >&2; exit 1; }
dir=$(mktemp -d /tmp/sbxd-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "execd_path = \"$EXECD\"" >"$dir/config.toml"
"$SANDBOXD" --listen "127.0.0.1:$port" --state-dir "$dir/state" --config "$dir/config.toml" 2>"$dir/log" &
pid=$!
cleanup() {
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    grep -q " $dir/" /proc/self/mounts || rm -rf "$dir"
}
trap cleanup EXIT
timeout 30 bash -c 'grep -q -m1 "listening on" < <(tail -n +1 -F "$1" 2>/dev/null)' _ "$dir/log"
echo "== sandboxd ($(nproc) CPUs, $(uname -r), runc $(runc --version | awk 'NR==1{print $3}'))"
SBXD_PID=$pid python3 "$ROOT/bench/sandboxd_bench.py" "127.0.0.1:$port" "$(cat "$dir/state/api_key")" "$dir/state"
