#!/bin/bash
# make fuzz: builds every fuzz target (FUZZERS of mk/*.mk) with clang + libFuzzer + ASan/UBSan
# into build/libfuzzer, then runs each for FUZZ_SECONDS (default 60) on a copy of its corpus
# (tests/fuzz/corpus/<target>). New crashes are left in build/libfuzzer/crashes/<target>/:
# add them to the corpus once fixed. Targets guard their replay main with LIBFUZZER.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang >/dev/null || { echo "fuzz: clang is not installed" >&2; exit 1; }
B=build/libfuzzer
SECS=${FUZZ_SECONDS:-60}
make -s -j"$(nproc)" BUILD=$B SAN=1 CC=clang \
    EXTRA_CFLAGS="-fsanitize=fuzzer-no-link -DLIBFUZZER -DSFS_LIBFUZZER -Wno-unknown-warning-option" \
    EXTRA_LDFLAGS="-fsanitize=fuzzer" \
    $(make -s -pn BUILD=$B 2>/dev/null | sed -n 's/^FUZZERS := //p' | head -1)
rc=0
for f in "$B"/fuzz/*; do
    [[ -x $f ]] || continue
    name=$(basename "$f")
    work=$B/corpus/$name
    mkdir -p "$work" "$B/crashes/$name"
    [[ -d tests/fuzz/corpus/$name ]] && cp -r tests/fuzz/corpus/"$name"/. "$work"/
    echo "== $name (${SECS}s)"
    "$f" -max_total_time="$SECS" -artifact_prefix="$B/crashes/$name/" "$work" 2>&1 | tail -3 || rc=1
done
exit $rc
