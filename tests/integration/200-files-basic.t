#!/bin/bash
# files/: single-file operations through the mount, each checked from inside the sandbox too.
source "$(dirname "$0")/lib-files.sh"
files_setup fbox

like " $(ls "$S/files/" | tr '\n' ' ')" " etc " "files/ lists the sandbox's root"
is "$(readlink "$S/files")" "../.files/fbox" "files is a symlink into .files"

in_sandbox "printf 'made inside\n' > $FIN/inside.txt"
is "$(cat "$F/inside.txt")" "made inside" "cat reads a file made inside the sandbox"

echo data >"$F/b.txt"
is "$(in_sandbox "cat $FIN/b.txt")" "data" "a file written through the mount reaches the sandbox"
is "$(stat -c '%s %F %a' "$F/b.txt")" "5 regular file 644" "ls -l: size, type, mode"
echo more >>"$F/b.txt"
is "$(cat "$F/b.txt")" $'data\nmore' "append (>>)"
printf 'XY' | dd of="$F/b.txt" bs=1 seek=1 conv=notrunc status=none
is "$(in_sandbox "cat $FIN/b.txt")" $'dXYa\nmore' "write at an offset (dd conv=notrunc)"

cp /etc/services "$F/services"
check "cp in: same bytes" cmp /etc/services "$F/services"
is "$(in_sandbox "sha256sum < $FIN/services")" "$(sha256sum </etc/services)" "cp in: same bytes inside"
cp "$F/services" "$SFS_TMP/services.out"
check "cp out: same bytes" cmp /etc/services "$SFS_TMP/services.out"

# procfs and sysfs files, whose sizes (0 and 4096 bytes) say nothing of their content
is "$(cat "$S/files/proc/sys/kernel/ostype")" "$(in_sandbox 'cat /proc/sys/kernel/ostype')" "cat of a procfs file (size 0): its content"
is "$(stat -c %s "$S/files/proc/sys/kernel/ostype")" 0 "its size stays 0, as inside the sandbox"
like "$(grep -c '^processor' "$S/files/proc/cpuinfo")" '^[1-9]' "grep through files/proc/cpuinfo"
is "$(cat "$S/files/sys/class/net/lo/mtu")" "$(in_sandbox 'cat /sys/class/net/lo/mtu')" "cat of a sysfs attribute (size 4096): its content"
: >"$F/empty"
is "$(wc -c <"$F/empty")" 0 "an empty file reads empty"
rm "$F/empty"

mv "$F/b.txt" "$F/c.txt"
ok $([[ ! -e $F/b.txt && -f $F/c.txt ]] && echo 0 || echo 1) "mv renames"
is "$(in_sandbox "ls $FIN | tr '\n' ' '")" "c.txt inside.txt services " "the sandbox sees the rename"
echo old >"$F/d.txt"
mv "$F/c.txt" "$F/d.txt"
is "$(cat "$F/d.txt")" $'dXYa\nmore' "mv over an existing file replaces it"
rm "$F/d.txt"
ok $([[ ! -e $F/d.txt ]] && echo 0 || echo 1) "rm removes"
in_sandbox "test -e $FIN/d.txt" >/dev/null
ok $((! $?)) "rm removed it inside too"
is "$(errno_of "open('$F/nope')")" "ENOENT" "open of a missing file: ENOENT"

mkdir "$F/dir"
check "mkdir" test -d "$F/dir"
is "$(in_sandbox "stat -c %F $FIN/dir")" "directory" "mkdir made a directory inside"
is "$(errno_of "os.mkdir('$F/dir')")" "EEXIST" "mkdir of an existing directory: EEXIST"
touch "$F/dir/x"
is "$(errno_of "os.rmdir('$F/dir')")" "ENOTEMPTY" "rmdir of a non-empty directory: ENOTEMPTY"
rm "$F/dir/x"
rmdir "$F/dir"
ok $([[ ! -e $F/dir ]] && echo 0 || echo 1) "rmdir of an empty directory"
is "$(errno_of "os.rmdir('$F/inside.txt')")" "ENOTDIR" "rmdir of a file: ENOTDIR"

chmod 640 "$F/inside.txt"
is "$(stat -c %a "$F/inside.txt")/$(in_sandbox "stat -c %a $FIN/inside.txt")" "640/640" "chmod 640"
chmod 4755 "$F/inside.txt"
is "$(stat -c %a "$F/inside.txt")/$(in_sandbox "stat -c %a $FIN/inside.txt")" "4755/4755" "chmod 4755 (setuid)"
mkdir "$F/sticky" && chmod 1777 "$F/sticky"
is "$(stat -c %a "$F/sticky")/$(in_sandbox "stat -c %a $FIN/sticky")" "1777/1777" "chmod 1777 (sticky)"
chmod 000 "$F/inside.txt"
is "$(stat -c %a "$F/inside.txt")" "0" "chmod 000"
chmod 644 "$F/inside.txt"

printf 'hello world' >"$F/t.txt"
truncate -s 5 "$F/t.txt"
is "$(cat "$F/t.txt")" "hello" "truncate shrinks"
truncate -s 10000 "$F/t.txt"
is "$(stat -c %s "$F/t.txt")/$(in_sandbox "stat -c %s $FIN/t.txt")" "10000/10000" "truncate grows"
: >"$F/t.txt"
is "$(stat -c %s "$F/t.txt")" "0" "> truncates to 0"

ln -s "../some target" "$F/link"
is "$(readlink "$F/link")" "../some target" "ln -s + readlink"
is "$(stat -c %F "$F/link")" "symbolic link" "ls -l shows a symlink"
is "$(in_sandbox "readlink $FIN/link")" "../some target" "the sandbox has the link"
ln -s services "$F/svc"
check "a relative symlink resolves through the mount" cmp /etc/services "$F/svc"

# An editor's save: write a temporary file, then rename it over the original.
printf 'version 1\n' >"$F/doc.txt"
printf 'version 2\n' >"$F/.doc.txt.swp"
mv -f "$F/.doc.txt.swp" "$F/doc.txt"
is "$(cat "$F/doc.txt")/$(in_sandbox "cat $FIN/doc.txt")" "version 2/version 2" "editor-style save (temp + rename)"
python3 -c "
import os
p='$F/doc2.txt'
open(p,'w').write('one\n')
t=p+'.tmp'
with open(t,'w') as f:
    f.write('two\n'); f.flush(); os.fsync(f.fileno())
os.replace(t,p)"
is "$(cat "$F/doc2.txt")" "two" "write + fsync + os.replace"

# Odd names.
for name in "a b" "q'uote" 'd$HOME' 'ünï©ode' '100%' 'semi;colon' '"dq"' 'back\slash'; do
    printf '%s\n' "$name" >"$F/$name"
    got=$(cat "$F/$name")
    inside=$(in_sandbox "cat $FIN/$(printf '%q' "$name")")
    is "$got/$inside" "$name/$name" "odd name: $name"
done
like "$(ls "$F")" "ünï©ode" "ls lists odd names"

touch -d '2001-02-03 04:05:06 UTC' "$F/inside.txt"
is "$(stat -c %Y "$F/inside.txt")/$(in_sandbox "stat -c %Y $FIN/inside.txt")" "981173106/981173106" "touch -d sets mtime"
cp -p "$F/inside.txt" "$F/copy-p.txt"
is "$(stat -c %Y "$F/copy-p.txt")" "981173106" "cp -p keeps mtime"

# A buffered write that cannot be sent fails the close(2), not only the release.
mkdir "$F/gone"
got=$(python3 -c "
import os, errno
f = os.open('$F/gone/x', os.O_WRONLY | os.O_CREAT, 0o644)
os.write(f, b'data')
open('$S/cmd', 'w').write('rm -rf $FIN/gone')
open('$S/exit').read()
try:
    os.close(f)
    print('OK')
except OSError as e:
    print(errno.errorcode[e.errno])")
is "$got" "ENOENT" "a write that cannot land fails at close (ENOENT)"

blocks_in=$(in_sandbox "stat -f -c %b /")
is "$(stat -f -c %b "$S/files/")" "$blocks_in" "statfs reports the sandbox's filesystem"
like "$(df -P "$S/files/" | tail -1)" "^[^ ]+ +[1-9][0-9]* " "df shows a size"
printf '%10000s' x >"$F/du.bin"
is "$(du --apparent-size -B1 "$F/du.bin" | cut -f1)" "10000" "du --apparent-size"
like "$(du -s "$F" | cut -f1)" "^[1-9][0-9]*$" "du -s of a directory"

# Special files keep their type (execd's file-type extension); the mount is nodev and a fifo
# opened here is a local one, so none of them reaches into the sandbox or the host.
in_sandbox "mkfifo $FIN/fifo" >/dev/null
is "$(stat -c %F "$F/fifo")" "fifo" "a fifo shows as a fifo"
is "$(stat -c '%F %t,%T' "$S/files/dev/null")" "character special file 1,3" "/dev/null: a character device 1,3"
is "$(errno_of "os.open('$S/files/dev/null', os.O_RDONLY)")" "EACCES" "devices cannot be opened (nodev)"
rm "$F/fifo"

# Hard links (ln(1) inside the sandbox: the API has none).
echo one >"$F/h1"
ln "$F/h1" "$F/h2"
ok $? "ln makes a hard link"
is "$(stat -c %h "$F/h1") $(stat -c %h "$F/h2")" "2 2" "both names count two links"
is "$(in_sandbox "stat -c %i $FIN/h1; stat -c %i $FIN/h2" | uniq | wc -l)" 1 "one inode inside the sandbox"
echo two >>"$F/h2"
is "$(cat "$F/h1")" $'one\ntwo' "a write through one name shows through the other"
is "$(errno_of "os.link('$F/h1', '$F/h2')")" "EEXIST" "a taken name: EEXIST"
is "$(errno_of "os.link('$F/h1', '$S/newname')")" "EPERM" "a link out of files/: EPERM"
rm "$F/h1" "$F/h2"
files_done
