#!/bin/bash
# Replays the sandboxfs fuzz corpora through the parsers (under ASan+UBSan in the second pass).
source "$(dirname "$0")/lib.sh"
plan 2
out=$("$SFS_BUILD/fuzz/sandboxfs_template" "$SFS_ROOT/tests/fuzz/corpus/sandboxfs_template" 2>&1)
like "$out" "replayed [1-9][0-9]* inputs" "template/path parser corpus replays cleanly"
out=$("$SFS_BUILD/fuzz/sandboxfs_commands" "$SFS_ROOT/tests/fuzz/corpus/sandboxfs_commands" 2>&1)
like "$out" "replayed [1-9][0-9]* inputs" \
    "command answers corpus (list deltas, their merge, event streams) replays cleanly"
