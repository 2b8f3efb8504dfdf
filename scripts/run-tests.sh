#!/bin/bash
# Runs the whole suite twice: the plain build, then the ASan+UBSan build (build/asan).
# Each pass is one prove run over the C unit tests (build*/tests/*) and the shell integration
# tests (tests/integration/*.t). The last line is the total: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JOBS=$(nproc 2>/dev/null || echo 2)
LOGDIR=$(mktemp -d /tmp/sandboxfs-tests.XXXXXX)
total_pass=0
total_fail=0

run_pass() { # name build-dir make-args...
    local name=$1 build=$2
    shift 2
    echo "== $name build ($build)"
    if ! make -s -j"$JOBS" BUILD="$build" "$@" build-all; then
        echo "== $name build FAILED"
        total_fail=$((total_fail + 1))
        return
    fi
    export SFS_ROOT=$ROOT SFS_BUILD=$ROOT/$build
    export EXECD=$ROOT/$build/execd SANDBOXD=$ROOT/$build/sandboxd SANDBOXFS=$ROOT/$build/sandboxfs
    local units=() f
    for f in "$build"/tests/*; do [[ -f $f && -x $f ]] && units+=("$f"); done
    prove --timer "${units[@]}" tests/integration/*.t 2>&1 | tee "$LOGDIR/$name.log"
    local rc=${PIPESTATUS[0]}
    local tests failed
    tests=$(perl -ne 'print $1 if /^Files=\d+, Tests=(\d+)/' "$LOGDIR/$name.log")
    failed=$(perl -ne '$n += $1 if /Failed (\d+)\/\d+ subtests/; END { print $n + 0 }' "$LOGDIR/$name.log")
    ((rc != 0 && failed == 0)) && failed=1
    total_pass=$((total_pass + ${tests:-0} - failed))
    ((total_pass < 0)) && total_pass=0
    total_fail=$((total_fail + failed))
}

# Leaks count as failures (a daemon that leaks aborts at exit); tests/lsan.supp lists the
# libraries' own.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
run_pass plain build
run_pass asan build/asan SAN=1
echo "$total_pass passed, $total_fail failed"
((total_fail == 0))
