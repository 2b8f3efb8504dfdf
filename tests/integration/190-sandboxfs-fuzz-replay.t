#!/bin/bash
# Replays the sandboxfs fuzz corpus through the parsers (under ASan+UBSan in the second pass).
source "$(dirname "$0")/lib.sh"
plan 1
out=$("$SFS_BUILD/fuzz/sandboxfs_template" "$SFS_ROOT/tests/fuzz/corpus/sandboxfs_template" 2>&1)
like "$out" "replayed [1-9][0-9]* inputs" "template/path parser corpus replays cleanly"
