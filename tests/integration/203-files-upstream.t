#!/bin/bash
# files/ against an execd without our extensions (EXECD_UPSTREAM_COMPAT=1): whole-file uploads on
# close, remove-then-rename, symlink/readlink/truncate through commands.
source "$(dirname "$0")/lib-files.sh"
files_setup ubox.upstream "" $'image=host\nenv=EXECD_UPSTREAM_COMPAT=1'

# Checks go straight to the sandbox's execd (not through the mount).
EP=$(cat "$S/endpoints/44772")
grep -iv '^ *url' "$S/endpoints/44772.curl" >"$SFS_TMP/execd.curl" # its headers (token)
curl() { command curl -K "$SFS_TMP/execd.curl" "$@"; }
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
inside_cat() { curl -sf "$EP/files/download?path=$(enc "$1")"; }
inside_mode() {
    local j
    j=$(curl -s "$EP/files/info?path=$(enc "$1")")
    [[ $j =~ \"mode\":([0-9]+) ]] && echo "${BASH_REMATCH[1]}" || echo "$j"
}
like "$(curl -si "$EP/ping")" "HTTP/1.1 200" "execd answers at the endpoint"
ok $([[ $(curl -si "$EP/ping") != *X-Execd-Extensions* ]] && echo 0 || echo 1) "and announces no extensions"

echo data >"$F/a.txt"
is "$(inside_cat $FIN/a.txt)" "data" "a new file is uploaded on close"
echo more >>"$F/a.txt"
is "$(inside_cat $FIN/a.txt)" $'data\nmore' "append re-uploads the whole file"
printf 'XY' | dd of="$F/a.txt" bs=1 seek=1 conv=notrunc status=none
is "$(cat "$F/a.txt")" $'dXYa\nmore' "write at an offset"
chmod 600 "$F/a.txt"
echo again >>"$F/a.txt"
is "$(stat -c %a "$F/a.txt")/$(inside_mode $FIN/a.txt)" "600/600" "an upload keeps the mode"
truncate -s 4 "$F/a.txt"
is "$(inside_cat $FIN/a.txt)" "dXYa" "truncate (command)"
echo old >"$F/b.txt"
mv "$F/a.txt" "$F/b.txt"
is "$(cat "$F/b.txt")" "dXYa" "mv over an existing file"
ln -s "b.txt" "$F/l"
is "$(readlink "$F/l")/$(cat "$F/l")" "b.txt/dXYa" "symlink and readlink (commands)"
head -c $((5 << 20)) /dev/urandom >"$SFS_TMP/big"
cp "$SFS_TMP/big" "$F/big"
is "$(inside_cat $FIN/big | sha256sum | cut -d' ' -f1)" "$(sha256sum <"$SFS_TMP/big" | cut -d' ' -f1)" "5 MiB: same bytes inside"
check "5 MiB read back" cmp "$SFS_TMP/big" "$F/big"
cp -r "$SFS_ROOT/fs" "$F/fs"
check "cp -r + diff -r" diff -r "$SFS_ROOT/fs" "$F/fs"
files_done
