#!/bin/bash
# execd: delete, permissions, replace, search, and /directories/*.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-execd.sh"
plan 26

ex_start
D=$EX_TMP/d
mkdir -p "$D/t/u/v" "$D/t/w"
echo one > "$D/t/a.txt"; echo two > "$D/t/u/b.txt"; echo three > "$D/t/u/v/c.log"; echo four > "$D/t/.hidden.txt"
ln -s a.txt "$D/t/link"

# /files delete
touch "$D/del1" "$D/del2"
is "$(status -XDELETE "$EX_URL/files?path=$D/del1&path=$D/del2&path=$D/missing")" 200 "delete files (a missing one is fine)"
[[ ! -e $D/del1 && ! -e $D/del2 ]]; ok $? "deleted"
is "$(status -XDELETE "$EX_URL/files?path=$D/t/w")" 500 "delete of a directory: 500"

# permissions
touch "$D/p"
is "$(status -XPOST -d "{\"$D/p\":{\"mode\":4750,\"owner\":\"nobody\",\"group\":\"nogroup\"}}" "$EX_URL/files/permissions")" 200 "permissions"
is "$(stat -c '%a %U %G' "$D/p")" "4750 nobody nogroup" "mode (with setuid), owner and group by name"
is "$(ex "$EX_URL/files/info?path=$D/p" | jq_py 'list(d.values())[0]["mode"]')" 4750 "info mode includes setuid"
is "$(status -XPOST -d "{\"$D/p\":{\"mode\":999}}" "$EX_URL/files/permissions")" 400 "mode with digits 8/9: 400"
is "$(status -XPOST -d "{\"$D/p\":{\"owner\":\"no-such-user-xyz\"}}" "$EX_URL/files/permissions")" 400 "unknown owner: 400"
is "$(status -XPOST -d "{\"$D/nope\":{\"mode\":644}}" "$EX_URL/files/permissions")" 404 "permissions of a missing file: 404"

# replace
printf 'foo bar foo\nfoo\n' > "$D/r"
is "$(ex -XPOST -d "{\"$D/r\":{\"old\":\"foo\",\"new\":\"baz\"}}" "$EX_URL/files/replace?verbose=true")" "{\"$D/r\":{\"replacedCount\":3}}" "replace verbose: count"
is "$(cat "$D/r")" $'baz bar baz\nbaz' "replace: content"
is "$(status -XPOST -d "{\"$D/r\":{\"old\":\"zzz\",\"new\":\"y\"}}" "$EX_URL/files/replace")" 200 "replace not verbose: 200"
is "$(ex -XPOST -d "{\"$D/r\":{\"old\":\"zzz\",\"new\":\"y\"}}" "$EX_URL/files/replace?verbose=true")" "{\"$D/r\":{\"replacedCount\":0}}" "replace: zero matches"
is "$(status -XPOST -d "{\"$D/r\":{\"old\":\"\",\"new\":\"y\"}}" "$EX_URL/files/replace")" 400 "replace with empty old: 400"

# search (doublestar on base names, no directories, symlinks not followed)
names() { jq_py 'sorted(x["path"].rsplit("/",1)[1] for x in d)'; }
is "$(ex "$EX_URL/files/search?path=$D/t&pattern=*.txt" | names)" '[".hidden.txt","a.txt","b.txt"]' "search *.txt"
is "$(ex "$EX_URL/files/search?path=$D/t&pattern=**" | names)" '[".hidden.txt","a.txt","b.txt","c.log","link"]' "search ** (default): files and links, no dirs"
is "$(ex "$EX_URL/files/search?path=$D/t&pattern=%7Ba,c%7D.*" | names)" '["a.txt","c.log"]' "search with braces"
is "$(status "$EX_URL/files/search?path=$D/none")" 404 "search of a missing root: 404"

# directories
is "$(status -XPOST -d "{\"$D/n1/n2/n3\":{\"mode\":700}}" "$EX_URL/directories")" 200 "create directories"
is "$(stat -c %a "$D/n1/n2/n3")" 700 "created with mode"
l=$(ex "$EX_URL/directories/list?path=$D/t")
is "$(echo "$l" | jq_py '[(x["path"].rsplit("/",1)[1], x["type"]) for x in d]')" '[[".hidden.txt","file"],["a.txt","file"],["link","symlink"],["u","directory"],["w","directory"]]' "list depth 1: sorted, symlink reported"
is "$(ex "$EX_URL/directories/list?path=$D/t&depth=3" | jq_py '[x["path"][len("'"$D"'/t/"):] for x in d]')" '[".hidden.txt","a.txt","link","u","u/b.txt","u/v","u/v/c.log","w"]' "list depth 3: descendants after their parent"
is "$(ex "$EX_URL/directories/list?path=$D/t&depth=0")" '[]' "list depth 0: []"
is "$(status "$EX_URL/directories/list?path=$D/t/a.txt")" 400 "list of a file: 400"
is "$(status -XDELETE "$EX_URL/directories?path=$D/t&path=$D/missing")" 200 "delete directories (rm -rf, missing ok)"
[[ ! -e $D/t ]]; ok $? "tree removed"
