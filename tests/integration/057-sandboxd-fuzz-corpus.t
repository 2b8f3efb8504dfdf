#!/bin/bash
# Replays sandboxd's fuzz corpus (tests/fuzz/corpus/sandboxd_fuzz_parsers) through its parsers, with
# deterministic mutations of every input; a crash or sanitizer report fails the test.
source "$(dirname "$0")/lib.sh"
bin=$SFS_BUILD/fuzz/sandboxd_fuzz_parsers
[[ -x $bin ]] || skip_all "no $bin"
plan 1
out=$("$bin" "$SFS_ROOT/tests/fuzz/corpus/sandboxd_fuzz_parsers" 2>&1)
rc=$?
[[ $rc == 0 && $out != *ERROR* && $out != *"runtime error"* ]]
ok $? "corpus replayed without a crash: ${out##*$'\n'}"
[[ $rc == 0 ]] || echo "$out" | head -40 | sed 's/^/# /'
