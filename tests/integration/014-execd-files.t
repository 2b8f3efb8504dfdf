#!/bin/bash
# execd: /files/* routes (upstream) and the write-at / truncate / symlink / times extensions.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-execd.sh"
plan 60

ex_start
D=$EX_TMP/f
mkdir -p "$D"
# Upload: metadata with a filename (SDKs) and without one; parents created; mode applied.
printf '{"path":"%s/a/b/hello.txt","mode":644}' "$D" > "$EX_TMP/meta1"
printf 'hello world\n' > "$EX_TMP/c1"
is "$(status -F "metadata=@$EX_TMP/meta1;filename=metadata;type=application/json" -F "file=@$EX_TMP/c1;filename=hello.txt" "$EX_URL/files/upload")" 200 "upload (metadata with filename)"
is "$(cat "$D/a/b/hello.txt")" "hello world" "upload: content, parents created"
is "$(stat -c %a "$D/a/b/hello.txt")" 644 "upload: mode"
is "$(status -F "metadata={\"path\":\"$D/two.bin\",\"mode\":600};type=application/json" -F "file=@$EX_TMP/c1" "$EX_URL/files/upload")" 200 "upload (metadata without filename)"
is "$(stat -c %a "$D/two.bin")" 600 "upload 2: mode"
is "$(ex -F "file=@$EX_TMP/c1" "$EX_URL/files/upload" | jq_py 'd["code"]')" INVALID_FILE_METADATA "upload without metadata"
is "$(ex -F "metadata={\"path\":\"$D/x\"}" "$EX_URL/files/upload" | jq_py 'd["code"]')" INVALID_FILE_CONTENT "upload without file"
is "$(ex -H 'Content-Type: multipart/form-data; boundary=XX' --data-binary $'--XX\r\nbroken' "$EX_URL/files/upload" | jq_py 'd["code"]')" INVALID_FILE "invalid multipart: INVALID_FILE"
is "$(ex -F "metadata=not json" -F "file=@$EX_TMP/c1" "$EX_URL/files/upload" | jq_py 'd["code"]')" INVALID_FILE_METADATA "metadata not JSON"
is "$(ex -d x "$EX_URL/files/upload" | jq_py 'd["code"]')" INVALID_FILE "not multipart"

# Info.
info=$(ex "$EX_URL/files/info?path=$D/a/b/hello.txt&path=$D/a")
is "$(echo "$info" | jq_py '[d[k]["type"] for k in sorted(d)]')" '["directory","file"]' "info: two paths, keyed as requested"
is "$(echo "$info" | jq_py 'd["'"$D"'/a/b/hello.txt"]["size"], d["'"$D"'/a/b/hello.txt"]["mode"], d["'"$D"'/a/b/hello.txt"]["owner"]')" '[12,644,"root"]' "info: size, mode digits, owner name"
like "$(echo "$info" | jq_py 'd["'"$D"'/a/b/hello.txt"]["modified_at"]')" '^20[0-9-]+T[0-9:.]+Z$' "info: RFC3339 times"
is "$(echo "$info" | jq_py 'sorted(d["'"$D"'/a"].keys())')" '["created_at","gid","group","ino","mode","modified_at","mtime_ns","nlink","owner","path","size","type","uid"]' "info: extension fields"
is "$(ex "$EX_URL/files/info?path=$D/missing" | jq_py 'd["code"]')" FILE_NOT_FOUND "info: missing path 404 FILE_NOT_FOUND"
is "$(ex "$EX_URL/files/info")" '{}' "info: no path: {}"
rel=$(realpath --relative-to="$PWD" "$D") # relative to execd's cwd, which is ours
is "$(ex "$EX_URL/files/info?path=$rel/a/../a/b/./hello.txt" | jq_py 'list(d.values())[0]["path"]')" "$D/a/b/hello.txt" "info: relative path made absolute and clean"
# Paths are literal: $HOME is a file name, ~ is home.
touch "$D/\$HOME"
is "$(ex "$EX_URL/files/info?path=$D/%24HOME" | jq_py 'list(d.values())[0]["path"]')" "$D/\$HOME" "literal \$ in a path"
is "$(HOME=$D ex "$EX_URL/files/info?path=~" | jq_py 'list(d.values())[0]["path"]')" "$HOME" "~ expands to the home directory"

# Download and ranges.
seq 1 1000 > "$D/n.txt"
ex -o "$EX_TMP/dl" "$EX_URL/files/download?path=$D/n.txt"
cmp -s "$D/n.txt" "$EX_TMP/dl"; ok $? "download: whole file"
hd=$(ex -D - -o /dev/null "$EX_URL/files/download?path=$D/n.txt" | tr -d '\r')
like "$hd" 'Content-Disposition: attachment; filename="n.txt"' "download: Content-Disposition"
is "$(ex -H 'Range: bytes=0-9' "$EX_URL/files/download?path=$D/n.txt")" "$(head -c 10 "$D/n.txt")" "range bytes=0-9"
hd=$(ex -D - -o /dev/null -H 'Range: bytes=10-' "$EX_URL/files/download?path=$D/n.txt" | tr -d '\r')
like "$hd" "^HTTP/1.1 206.*Content-Range: bytes 10-3892/3893" "206 with Content-Range"
is "$(ex -H 'Range: bytes=-4' "$EX_URL/files/download?path=$D/n.txt")" "$(tail -c 4 "$D/n.txt")" "suffix range"
is "$(status -H 'Range: bytes=5000-' "$EX_URL/files/download?path=$D/n.txt")" 416 "range past the end: 416"
is "$(ex -H 'Range: lines=1' "$EX_URL/files/download?path=$D/n.txt" | jq_py 'd["code"]')" UNKNOWN "unparsable range: 416 UNKNOWN"
is "$(ex "$EX_URL/files/download?path=$D/n.txt&offset=3&limit=2")" $'3\n4' "line read offset=3 limit=2"
is "$(status "$EX_URL/files/download?path=$D/n.txt&offset=0&limit=2")" 400 "line read offset 0: 400"
is "$(status "$EX_URL/files/download?path=$D/nope")" 404 "download missing: 404"
is "$(status "$EX_URL/files/download")" 400 "download without path: 400"
# Files whose size says nothing of their content (procfs: 0 bytes, sysfs: 4096): their bytes
# are read, never promised.
like "$(ex "$EX_URL/files/download?path=/proc/self/status")" '^Name:' "download of a procfs file (size 0): its content"
hd=$(ex -D - -o /dev/null -H 'Range: bytes=0-3' "$EX_URL/files/download?path=/proc/self/status" | tr -d '\r')
like "$hd" 'Content-Range: bytes 0-3/\*' "a range of it: 206 with the total unknown"
is "$(ex -H 'Range: bytes=0-3' "$EX_URL/files/download?path=/proc/self/status")" Name "a range of it: its bytes"
is "$(status -H 'Range: bytes=100000-' "$EX_URL/files/download?path=/proc/self/status")" 416 "a range past its end: 416"
is "$(status -H 'Range: bytes=-4' "$EX_URL/files/download?path=/proc/self/status")" 416 "a suffix range (it needs the size): 416"
is "$(ex "$EX_URL/files/download?path=/sys/class/net/lo/mtu")" "$(cat /sys/class/net/lo/mtu)" "a sysfs attribute (size 4096): its content"
ex -o /dev/null "$EX_URL/files/download?path=/proc/self/pagemap" 2>/dev/null
is $? 18 "a pseudo file past 256 MiB: the answer is cut (curl: partial transfer)"

# Write at offset, truncate, symlink (extensions).
printf 'abcdef' > "$D/w"
is "$(status -XPUT --data-binary XY "$EX_URL/files/write?path=$D/w&offset=2")" 200 "write at offset"
is "$(cat "$D/w")" abXYef "write at offset: bytes replaced in place"
is "$(ex -XPUT --data-binary Z "$EX_URL/files/write?path=$D/w&offset=1&truncate=1" | jq_py 'list(d.values())[0]["size"], list(d.values())[0]["type"]')" '[2,"file"]' "write answers with the file's attributes after it"
is "$(cat "$D/w")" aZ "write with truncate=1"
ex -XPUT -H 'Transfer-Encoding: chunked' --data-binary @"$D/n.txt" "$EX_URL/files/write?path=$D/new" >/dev/null
cmp -s "$D/n.txt" "$D/new"; ok $? "write creates the file (chunked body)"
is "$(status -XPUT --data-binary x "$EX_URL/files/write?path=$D/no/such/dir/f")" 404 "write: missing parent 404"
is "$(status -XPOST "$EX_URL/files/truncate?path=$D/new&size=3")" 200 "truncate"
is "$(cat "$D/new")" "1"$'\n'"2" "truncate: size 3"
is "$(status -XPOST -d "{\"path\":\"$D/lnk\",\"target\":\"n.txt\"}" "$EX_URL/files/symlink")" 200 "symlink"
is "$(ex "$EX_URL/files/info?path=$D/lnk" | jq_py 'list(d.values())[0]["type"], list(d.values())[0]["link_target"]')" '["symlink","n.txt"]' "info reports symlink and its target"
is "$(status -XPOST -d "{\"path\":\"$D/lnk\",\"target\":\"x\"}" "$EX_URL/files/symlink")" 500 "symlink over an existing path: 500"
# times (extension): the path itself, nanoseconds since the epoch or "now"
is "$(ex -XPOST -d "{\"path\":\"$D/lnk\",\"mtime\":-315619199500000000}" "$EX_URL/files/times" | jq_py 'd["'"$D/lnk"'"]["mtime_ns"], d["'"$D/lnk"'"]["type"]')" '[-315619199500000000,"symlink"]' "times on a symlink answers with its attributes"
is "$(stat -c %y "$D/lnk")" "1960-01-01 00:00:00.500000000 +0000" "sets the link's own mtime, before 1970 too"
is "$(status -XPOST -d "{\"path\":\"$D/n.txt\",\"atime\":1000000000123456789,\"mtime\":\"now\"}" "$EX_URL/files/times")" 200 "times: atime and now"
is "$(stat -c %X "$D/n.txt")" 1000000000 "atime set"
ok $(( $(date +%s) - $(stat -c %Y "$D/n.txt") < 5 ? 0 : 1 )) "mtime is now"
is "$(status -XPOST -d "{\"path\":\"$D/none\",\"mtime\":1}" "$EX_URL/files/times")" 404 "times on a missing path: 404"
is "$(status -XPOST -d "{\"path\":\"$D/n.txt\",\"mtime\":\"soon\"}" "$EX_URL/files/times")" 400 "times: a bad value is a 400"
touch -d '2500-01-01 00:00:00' "$D/far"
is "$(ex "$EX_URL/files/info?path=$D/far" | jq_py 'list(d.values())[0]["mtime_ns"]')" 9223372036854775807 "an mtime past 2262 saturates mtime_ns"

# Delete, mv, permissions, replace, search.
ex -XPOST -d "[{\"src\":\"$D/w\",\"dest\":\"$D/m/moved\"}]" "$EX_URL/files/mv"
[[ -f $D/m/moved && ! -e $D/w ]]; ok $? "mv (destination parent created)"
is "$(status -XPOST -d "[{\"src\":\"$D/new\",\"dest\":\"$D/m/moved\"}]" "$EX_URL/files/mv")" 500 "mv onto an existing file: 500"
is "$(status -XPOST -d "[{\"src\":\"$D/new\",\"dest\":\"$D/m/moved\",\"overwrite\":true}]" "$EX_URL/files/mv")" 200 "mv with overwrite:true"
is "$(status -XPOST -d "[{\"src\":\"$D/gone\",\"dest\":\"$D/x\"}]" "$EX_URL/files/mv")" 404 "mv of a missing source: 404"
