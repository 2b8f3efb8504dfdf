#!/bin/bash
# make bench: runs every bench/*_bench.sh in turn (as root, against build/ or $SFS_BUILD) and
# prints each one's table. Set BENCH_ONLY=NAME (e.g. sandboxfs) to run one. Exits non-zero when a
# benchmark could not run; a missed target is reported in the tables, not in the exit status.
set -uo pipefail
cd "$(dirname "$0")/.."
export SFS_ROOT=$PWD
export SFS_BUILD=${SFS_BUILD:-$PWD/${BUILD:-build}}
export EXECD=${EXECD:-$SFS_BUILD/execd} SANDBOXD=${SANDBOXD:-$SFS_BUILD/sandboxd}
export SANDBOXFS=${SANDBOXFS:-$SFS_BUILD/sandboxfs}
failed=0
for b in bench/*_bench.sh; do
    name=$(basename "$b" _bench.sh)
    [[ -n ${BENCH_ONLY:-} && $name != "$BENCH_ONLY" ]] && continue
    echo "== $name ($b)"
    if ! bash "$b"; then
        echo "== $name FAILED"
        failed=$((failed + 1))
    fi
done
((failed == 0))
