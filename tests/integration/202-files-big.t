#!/bin/bash
# files/: a 50 MiB file round trip (sha256) in both directions, and ranged reads in the middle.
source "$(dirname "$0")/lib-files.sh"
files_setup bigbox

head -c $((50 << 20)) /dev/urandom >"$SFS_TMP/big"
want=$(sha256sum <"$SFS_TMP/big" | cut -d' ' -f1)
cp "$SFS_TMP/big" "$F/big"
ok $? "cp of 50 MiB into the mount"
is "$(stat -c %s "$F/big")" "$((50 << 20))" "its size"
is "$(in_sandbox "sha256sum < $FIN/big" | cut -d' ' -f1)" "$want" "sha256 inside the sandbox"
is "$(sha256sum <"$F/big" | cut -d' ' -f1)" "$want" "sha256 read back through the mount"
is "$(dd if="$F/big" bs=4096 skip=5000 count=3 status=none | sha256sum)" \
    "$(dd if="$SFS_TMP/big" bs=4096 skip=5000 count=3 status=none | sha256sum)" "a read in the middle"
in_sandbox "head -c 52428800 /dev/urandom > $FIN/big2" >/dev/null
is "$(sha256sum <"$F/big2" | cut -d' ' -f1)" "$(in_sandbox "sha256sum < $FIN/big2" | cut -d' ' -f1)" \
    "a 50 MiB file made inside reads back the same"
