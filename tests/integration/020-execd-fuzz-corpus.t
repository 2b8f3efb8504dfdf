#!/bin/bash
# Replays execd's fuzz corpora through the parsers (under ASan+UBSan in the second pass).
source "$(dirname "$0")/lib.sh"
targets=(http multipart range json)
plan ${#targets[@]}
for t in "${targets[@]}"; do
    out=$("$SFS_BUILD/fuzz/execd_fuzz_$t" "$SFS_ROOT/tests/fuzz/corpus/execd_fuzz_$t" 2>&1)
    like "$out" '^replayed [1-9][0-9]* inputs$' "execd_fuzz_$t corpus replays cleanly"
done
