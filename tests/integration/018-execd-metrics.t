#!/bin/bash
# execd: /metrics (immediate) and /metrics/watch (one JSON line per sample).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-execd.sh"
plan 4

ex_start
m=$(ex "$EX_URL/metrics")
is "$(echo "$m" | jq_py 'd["cpu_count"] > 0 and 0 <= d["cpu_used_pct"] <= 100 and 0 <= d["mem_used_mib"] <= d["mem_total_mib"]')" true "metrics fields in range"
is "$(echo "$m" | jq_py 'sorted(d.keys())')" '["cpu_count","cpu_limit_from_cgroup","cpu_used_pct","mem_limit_from_cgroup","mem_total_mib","mem_used_mib","timestamp"]' "metrics keys"
now=$(date +%s%3N)
is "$(echo "$m" | jq_py "abs(d['timestamp'] - $now) < 120000")" true "timestamp is recent (ms)"
w=$(ex -N "$EX_URL/metrics/watch" | head -2 | python3 -c 'import sys,json; print(all("cpu_count" in json.loads(l) for l in sys.stdin))')
is "$w" True "watch: one JSON object per line"
