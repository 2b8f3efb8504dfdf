#!/bin/bash
# The Docker rows of the sandboxd benchmark (run by sandboxd_bench.sh when a Docker engine
# answers): create-to-ready (the first 200 of execd's /ping) of
#   docker run -d of the busybox test image with execd as entrypoint (+ inspect for its address)
#   sandboxd --runtime docker: POST /v1/sandboxes, then /ping through the endpoint
# BENCH_DOCKER_ROUNDS (default 10) tunes it. Needs root, build/sandboxd and build/execd.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${SFS_BUILD:-$ROOT/build}
SANDBOXD=${SANDBOXD:-$BUILD/sandboxd}
EXECD=${EXECD:-$BUILD/execd}
ROUNDS=${BENCH_DOCKER_ROUNDS:-10}
curl -sf --unix-socket /var/run/docker.sock http://docker/_ping >/dev/null ||
    { echo "docker rows: no Docker engine (scripts/dockerd.sh starts one)"; exit 0; }
source "$ROOT/tests/integration/lib-docker.sh"
image=$(dk_busybox_image)
dir=$(mktemp -d /tmp/sbxd-dkbench.XXXXXX)
pid=
cleanup() {
    docker rm -f -v $(docker ps -aq --filter label=sandboxd-bench=1) >/dev/null 2>&1 || true
    if [[ -n $pid ]]; then
        local key id
        key=$(cat "$dir/state/api_key")
        for id in $(curl -s -H "OPEN-SANDBOX-API-KEY: $key" "http://$addr/v1/sandboxes?pageSize=200" | jq -r '.items[]?.id'); do
            curl -s -o /dev/null -X DELETE -H "OPEN-SANDBOX-API-KEY: $key" "http://$addr/v1/sandboxes/$id"
        done
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# Connection attempts every 5 ms (execd is in another network namespace: no event), bounded.
wait_ping() {
    local i
    for ((i = 0; i < 6000; i++)); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 -H "X-EXECD-ACCESS-TOKEN: $2" "http://$1/ping") == 200 ]] && return 0
        sleep 0.005
    done
    return 1
}

docker_run_once() {
    local t0 cid ip
    t0=$(now_ms)
    cid=$(docker run -d --label sandboxd-bench=1 -e EXECD_ACCESS_TOKEN=bench \
        -v "$(realpath "$EXECD"):/opt/opensandbox/execd:ro" --entrypoint /opt/opensandbox/execd \
        "$image" --listen 0.0.0.0:44772 -- tail -f /dev/null)
    ip=$(docker inspect -f '{{.NetworkSettings.IPAddress}}' "$cid")
    wait_ping "$ip:44772" bench && echo $(($(now_ms) - t0))
    docker rm -f -v "$cid" >/dev/null
}

sandboxd_once() {
    local t0 id ep tok key
    key=$(cat "$dir/state/api_key")
    t0=$(now_ms)
    id=$(curl -s -H "OPEN-SANDBOX-API-KEY: $key" -H 'Content-Type: application/json' \
        -d "{\"image\":{\"uri\":\"$image\"}}" "http://$addr/v1/sandboxes" | jq -r .id)
    curl -s -H "OPEN-SANDBOX-API-KEY: $key" "http://$addr/v1/sandboxes/$id/endpoints/44772" >"$dir/ep"
    ep=$(jq -r '.endpoint | split("/proxy/")[0]' "$dir/ep")
    tok=$(jq -r '.headers["X-EXECD-ACCESS-TOKEN"]' "$dir/ep")
    wait_ping "$ep" "$tok" && echo $(($(now_ms) - t0))
    curl -s -o /dev/null -X DELETE -H "OPEN-SANDBOX-API-KEY: $key" "http://$addr/v1/sandboxes/$id"
}

row() { # NAME FUNCTION: p50, p90, max over ROUNDS
    local v i
    v=$(for ((i = 0; i < ROUNDS; i++)); do "$2"; done | sort -n)
    local n
    n=$(wc -l <<<"$v")
    printf "%-52s %9s ms %9s ms %9s ms\n" "$1" "$(sed -n "$(((n + 1) / 2))p" <<<"$v")" \
        "$(sed -n "$(((n * 9 + 9) / 10))p" <<<"$v")" "$(tail -1 <<<"$v")"
}

addr=127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'execd_path = "%s"\nruntime = "docker"\n' "$EXECD" >"$dir/config.toml"
"$SANDBOXD" --listen "$addr" --state-dir "$dir/state" --config "$dir/config.toml" 2>"$dir/log" &
pid=$!
timeout 30 bash -c 'grep -q -m1 "listening on" < <(tail -n +1 -F "$1" 2>/dev/null)' _ "$dir/log"
echo "== docker ($(docker version -f '{{.Server.Version}}'), image $image, $ROUNDS rounds)"
printf "%-52s %12s %12s %12s\n" "create-to-ready" "p50" "p90" "max"
row "docker run -d + inspect + first ping" docker_run_once
row "sandboxd --runtime docker: create + first ping" sandboxd_once
