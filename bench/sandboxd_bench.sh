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
cleanup() { # delete what a failed run left (through the API: the runtime cleans the host)
    local key id
    key=$(cat "$dir/state/api_key" 2>/dev/null) || key=
    for id in $(curl -s -H "OPEN-SANDBOX-API-KEY: $key" "http://127.0.0.1:$port/v1/sandboxes?pageSize=200" |
        jq -r '.items[]?.id' 2>/dev/null); do
        curl -s -o /dev/null -X DELETE -H "OPEN-SANDBOX-API-KEY: $key" "http://127.0.0.1:$port/v1/sandboxes/$id"
    done
    for c in $(runc --root "$dir/state/bench-runc" list -q 2>/dev/null); do
        runc --root "$dir/state/bench-runc" delete -f "$c" >/dev/null 2>&1 || true
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    grep -q " $dir/" /proc/self/mounts || rm -rf "$dir"
}
trap cleanup EXIT
timeout 30 bash -c 'grep -q -m1 "listening on" < <(tail -n +1 -F "$1" 2>/dev/null)' _ "$dir/log"
echo "== sandboxd ($(nproc) CPUs, $(uname -r), runc $(runc --version | awk 'NR==1{print $3}'))"
SBXD_PID=$pid python3 "$ROOT/bench/sandboxd_bench.py" "127.0.0.1:$port" "$(cat "$dir/state/api_key")" "$dir/state"
bash "$ROOT/bench/sandboxd_docker_bench.sh"
