#!/bin/bash
# sandboxfs against an execd without our extensions (EXECD_UPSTREAM_COMPAT=1: upstream's routes
# only): commands, output, exit, commands/ (kept in the mount's cache dir), files.
source "$(dirname "$0")/lib-sandboxfs.sh"
sfs_setup
printf 'image=host\nenv=EXECD_UPSTREAM_COMPAT=1\n' >"$MNT/.templates/compat"
mkdir "$MNT/up.compat" || { echo "Bail out! mkdir failed"; exit 1; }
S=$MNT/up.compat

hdrs=$(curl -s -D - -o /dev/null -K "$S/endpoints/44772.curl" "$(cat "$S/endpoints/44772")/../../ping" 2>&1)
ok $([[ $hdrs != *X-Execd-Extensions* ]] && echo 0 || echo 1) "this sandbox's execd announces no extensions"
echo 'echo hi; sleep 1; echo more' >"$S/cmd"
is "$(cat "$S/stdout")" "hi
more" "stdout streams through upstream's logs route"
is "$(cat "$S/exit")" "0" "exit"
echo 'exit 5' >"$S/cmd"
is "$(cat "$S/exit")" "5" "a failing command's exit"
is "$(ls "$S/commands" | tr '\n' ' ')" "1 2 " "commands/ lists the commands started through the mount"
is "$(cat "$S/commands/1/cmd")" "echo hi; sleep 1; echo more" "commands/1/cmd"
echo 'seq 1 50000' >"$S/cmd"
is "$(cat "$S/stdout" | sha256sum)" "$(seq 1 50000 | sha256sum)" "larger output arrives byte-exact"
printf 'hello\n' >"$S/files/tmp/up.txt"
is "$(cat "$S/files/tmp/up.txt")" "hello" "files/ writes and reads without the write-at extension"
sfs_unmount
sfs_mount
is "$(cat "$S/commands/1/stdout")" "hi
more" "after a remount, commands/ still has the commands (cache dir)"
done_testing
