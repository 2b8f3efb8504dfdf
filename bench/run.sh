#!/bin/bash
# make bench: runs every bench/*_bench.sh (each prints its own table).
set -uo pipefail
cd "$(dirname "$0")/.."
rc=0
for b in bench/*_bench.sh; do
    [[ -f $b ]] || continue
    echo "== $b"
    bash "$b" || rc=1
done
exit $rc
