#!/bin/bash
# execd benchmark: command round trip, stdout throughput (SSE and raw extension) against local
# baselines, and idle RSS. Prints a table. Usage: bench/execd_bench.sh [SIZE_MIB] (default 1024).
#
# Throughput: each run gets a fresh execd (a run does not inherit the spools of the one before)
# and the consumer (curl) writes to /dev/null, as the baseline's `cat` does; curl's exit status
# (a cut chunked stream is an error) and byte count check the transfer. The median of RUNS runs.
set -euo pipefail
cd "$(dirname "$0")/.."
EXECD=${EXECD:-build/execd}
MIB=${1:-1024}
RUNS=${RUNS:-3}
PY=python3
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3
TMP=$(mktemp -d "${BENCH_TMP:-/tmp}/execd-bench.XXXXXX")
PID=
trap 'execd_down; rm -rf "$TMP"' EXIT

execd_up() {
    PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    mkdir -p "$TMP/spool"
    "$EXECD" --listen 127.0.0.1:$PORT --spool-dir "$TMP/spool" 2>"$TMP/log" >/dev/null &
    PID=$!
    timeout 10 bash -c "until grep -q listening '$TMP/log'; do sleep 0.05; done"
    URL=http://127.0.0.1:$PORT
}
execd_down() {
    [[ -n $PID ]] && { kill $PID 2>/dev/null; wait $PID 2>/dev/null || true; }
    PID=
}

execd_up
rss_kib=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)

# Round trip: N sequential `true` commands over one keep-alive connection, request to the
# end of the stream, against local fork+exec+wait of `sh -c true` and `bash -c true`.
read -r rt_execd rt_sh rt_bash < <($PY - "$PORT" <<'PY'
import http.client, subprocess, sys, time
N = 300
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
def once():
    c.request("POST", "/command", body='{"command":"true"}', headers={"Content-Type": "application/json"})
    r = c.getresponse()
    body = r.read()
    assert b"execution_complete" in body, body
for _ in range(20):
    once()
t = time.perf_counter()
for _ in range(N):
    once()
execd = (time.perf_counter() - t) / N
def local(shell):
    t = time.perf_counter()
    for _ in range(N):
        subprocess.run([shell, "-c", "true"], check=True)
    return (time.perf_counter() - t) / N
print("%.1f %.1f %.1f" % (execd * 1e6, local("sh") * 1e6, local("bash") * 1e6))
PY
)
execd_down

# Throughput: MIB MiB of 100-byte lines.
GEN="yes 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' | head -c ${MIB}M"
now() { date +%s.%N; }
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
run_pipe() {
    local t0 t1
    t0=$(now); bash -c "$GEN" | cat >/dev/null; t1=$(now)
    echo "$t1 - $t0" | bc -l
}
run_sse() {
    local t0 t1 got
    execd_up
    t0=$(now)
    got=$(curl -sSN -XPOST "$URL/command" -d "{\"command\":\"$GEN\"}" -o /dev/null -w '%{size_download}') ||
        echo "warning: the SSE stream failed" >&2
    t1=$(now)
    execd_down
    [[ ${got:-0} -gt $((MIB * 1048576)) ]] || echo "warning: SSE stream of only ${got:-0} bytes" >&2
    echo "$t1 - $t0" | bc -l
}
run_raw() {
    local t0 t1 id got
    execd_up
    t0=$(now)
    # the id by sed, not an interpreter: its start-up is not execd's time
    id=$(curl -sN -XPOST "$URL/command" -d "{\"command\":\"$GEN\",\"background\":true}" |
        sed -n '1s/.*"text":"\([0-9a-f]*\)".*/\1/p')
    got=$(curl -sSN "$URL/command/$id/stdout?follow=1" -o /dev/null -w '%{size_download}') ||
        echo "warning: the raw follow failed" >&2
    t1=$(now)
    execd_down
    [[ $got -eq $((MIB * 1048576)) ]] || echo "warning: raw follow returned $got bytes" >&2
    echo "$t1 - $t0" | bc -l
}
pipe_s=$(for _ in $(seq "$RUNS"); do run_pipe; done | median)
sse_s=$(for _ in $(seq "$RUNS"); do run_sse; done | median)
raw_s=$(for _ in $(seq "$RUNS"); do run_raw; done | median)

mibs() { echo "scale=0; $MIB / $1" | bc -l; }
pct() { echo "scale=0; 100 * $2 / $1" | bc -l; } # pct TIME BASELINE_TIME: throughput ratio
printf '%-40s %14s %14s %8s %8s\n' "measure" "execd" "baseline" "ratio" "target"
printf '%-40s %11s us %11s us %7sx %8s\n' "round trip 'true' (vs sh -c true)" "$rt_execd" "$rt_sh" "$(echo "scale=2; $rt_execd / $rt_sh" | bc -l)" "<=1.5x"
printf '%-40s %11s us %11s us %7sx %8s\n' "round trip 'true' (vs bash -c true)" "$rt_execd" "$rt_bash" "$(echo "scale=2; $rt_execd / $rt_bash" | bc -l)" ""
printf '%-40s %9s MiB/s %9s MiB/s %7s%% %8s\n' "stdout ${MIB} MiB via SSE (100-byte lines)" "$(mibs "$sse_s")" "$(mibs "$pipe_s")" "$(pct "$sse_s" "$pipe_s")" ">=40%"
printf '%-40s %9s MiB/s %9s MiB/s %7s%% %8s\n' "stdout ${MIB} MiB via raw follow" "$(mibs "$raw_s")" "$(mibs "$pipe_s")" "$(pct "$raw_s" "$pipe_s")" ">=70%"
printf '%-40s %11s KiB %14s %8s %8s\n' "idle RSS" "$rss_kib" "" "" "<=2048"
echo "(throughput: median of $RUNS runs each, a fresh execd per run)"
