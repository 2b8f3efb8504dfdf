#!/bin/bash
# files/: whole trees through the mount: cp -r and tar both ways (compared with diff -r), find,
# grep -r, rm -r.
source "$(dirname "$0")/lib-files.sh"
files_setup tbox

src=$SFS_TMP/tree
mkdir -p "$src"
cp -r "$SFS_ROOT/fs" "$SFS_ROOT/backend" "$SFS_ROOT/common" "$SFS_ROOT/tests" "$src/"
mkdir -p "$src/empty dir" "$src/deep/a/b/c/d"
ln -s ../fs/ops.c "$src/deep/link to ops"
head -c 300000 /dev/urandom >"$src/deep/a/b/c/d/random.bin"
chmod 750 "$src/deep/a"
nfiles=$(find "$src" | wc -l)

cp -r "$src" "$F/tree"
check "cp -r in, diff -r" diff -r "$src" "$F/tree"
is "$(find "$F/tree" | wc -l)" "$nfiles" "find sees every entry"
is "$(in_sandbox "find $FIN/tree | wc -l")" "$nfiles" "every entry is inside the sandbox"
is "$(in_sandbox "cd $FIN/tree && find . -type f -exec cat {} + | sha256sum")" \
    "$(cd "$src" && find . -type f -exec cat {} + | sha256sum)" "the sandbox has the same bytes"
is "$(stat -c %a "$F/tree/deep/a")" "750" "modes survive cp -r"
is "$(readlink "$F/tree/deep/link to ops")" "../fs/ops.c" "symlinks survive cp -r"

cp -r "$F/tree" "$SFS_TMP/back"
check "cp -r out, diff -r" diff -r "$src" "$SFS_TMP/back"

want=$(cd "$src" && grep -rl "files_getattr" . | sort)
is "$(cd "$F/tree" && grep -rl "files_getattr" . | sort)" "$want" "grep -r"
is "$(find "$F/tree" -name '*.h' | wc -l)" "$(find "$src" -name '*.h' | wc -l)" "find -name"

tar -C "$src" -cf "$SFS_TMP/in.tar" .
mkdir "$F/untar"
tar -C "$F/untar" -xf "$SFS_TMP/in.tar"
ok $? "tar x into the mount"
check "tar x: diff -r" diff -r "$src" "$F/untar"
is "$(stat -c %Y "$F/untar/fs/ops.c")" "$(stat -c %Y "$src/fs/ops.c")" "tar x keeps mtimes"
tar -C "$F/untar" -cf "$SFS_TMP/out.tar" .
ok $? "tar c from the mount"
mkdir "$SFS_TMP/untar-out"
tar -C "$SFS_TMP/untar-out" -xf "$SFS_TMP/out.tar"
check "tar c: diff -r" diff -r "$src" "$SFS_TMP/untar-out"

rm -r "$F/tree"
ok $([[ ! -e $F/tree ]] && echo 0 || echo 1) "rm -r"
in_sandbox "test -e $FIN/tree" >/dev/null
ok $((! $?)) "rm -r removed it inside"
rm -rf "$F/untar"

# Walks read directories ahead (files_prefetch.c): what a command changes after a walk shows in
# the next walk, at every depth.
in_sandbox "mkdir -p $FIN/walk/a/b/c $FIN/walk/x/y && touch $FIN/walk/a/b/c/f1 $FIN/walk/x/y/g1" >/dev/null
is "$(cd "$F/walk" && find . -type f | sort | tr '\n' ' ')" "./a/b/c/f1 ./x/y/g1 " "a walk sees the tree"
in_sandbox "touch $FIN/walk/a/b/c/f2 $FIN/walk/x/y/g2 && rm $FIN/walk/x/y/g1 && mkdir $FIN/walk/z" >/dev/null
is "$(cd "$F/walk" && find . | sort | tr '\n' ' ')" \
    ". ./a ./a/b ./a/b/c ./a/b/c/f1 ./a/b/c/f2 ./x ./x/y ./x/y/g2 ./z " "the next walk sees a command's changes"
rm -r "$F/walk"

# A directory read in several batches (3000 entries) keeps the entries it had when its reading
# began: deleting while iterating (shutil.rmtree, rm -r) neither skips nor repeats any, and
# ls -l shows what ls -l shows inside.
in_sandbox "mkdir $FIN/big && cd $FIN/big && seq 3000 | sed 's/^/entry-/' | xargs touch" >/dev/null
is "$(cd "$F/big" && ls -l --time-style=+%s | sha256sum)" \
    "$(in_sandbox "cd $FIN/big && ls -l --time-style=+%s | sha256sum")" "ls -l of 3000 entries as inside"
is "$(python3 -c '
import os, sys
d = sys.argv[1]
seen = []
with os.scandir(d) as it:
    for e in it:
        seen.append(e.name)
        os.unlink(os.path.join(d, e.name))
print(len(seen), len(set(seen)), len(os.listdir(d)))' "$F/big")" "3000 3000 0" \
    "deleting while iterating: every entry seen once, none left"
rmdir "$F/big"
ok $? "the emptied directory is removed"

# A directory listed again at once comes from the kernel's readdir cache (no request); a change
# made through the mount or by a command still shows in the next listing.
mkdir "$F/kept" && touch "$F/kept/a"
ls "$F/kept" >/dev/null && ls "$F/kept" >/dev/null
touch "$F/kept/b"
is "$(ls "$F/kept" | tr '\n' ' ')" "a b " "a cached listing shows a file created through the mount"
mv "$F/kept/a" "$F/kept/c" && rm "$F/kept/b"
is "$(ls "$F/kept" | tr '\n' ' ')" "c " "... and a rename and a removal"
ls "$F/kept" >/dev/null
in_sandbox "touch $FIN/kept/d" >/dev/null
is "$(ls "$F/kept" | tr '\n' ' ')" "c d " "... and a file a command created"
rm -r "$F/kept"

# Our own creations and times patch the cached listing with the attributes execd answers with
# (no new listing asked for): it still equals the listing inside, sizes and times included.
mkdir "$F/fresh"
for i in 1 2 3; do echo "$i$i$i" >"$F/fresh/f$i"; done
touch -d '2001-02-03 04:05:06' "$F/fresh/f2"
printf 'longer now' >>"$F/fresh/f3"
is "$(ls -l --time-style=+%s "$F/fresh")" "$(in_sandbox "ls -l --time-style=+%s $FIN/fresh")" \
    "a new directory's listing after creations, appends and touch -d equals the one inside"
rm -r "$F/fresh"
is "$(ls -A "$F")" "" "the scratch directory is empty again"
files_done
