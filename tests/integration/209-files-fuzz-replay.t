#!/bin/bash
# Replays the FileInfo parser's fuzz corpus (under ASan+UBSan in the second pass).
source "$(dirname "$0")/lib.sh"
plan 1
out=$("$SFS_BUILD/fuzz/files_fileinfo" "$SFS_ROOT/tests/fuzz/corpus/files_fileinfo" 2>&1)
like "$out" "replayed [1-9][0-9]* inputs" "FileInfo parser corpus replays cleanly"
