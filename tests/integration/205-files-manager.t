#!/bin/bash
# files/ with file managers: GIO's command line (gio list/info/copy/move/remove/mkdir) and
# Midnight Commander driven under tmux (browse, preview with F3, copy with F5, quit with F10).
# Every step must finish within a few seconds: a stalled mount fails the check.
source "$(dirname "$0")/lib-files.sh"
command -v gio >/dev/null && command -v mc >/dev/null && command -v tmux >/dev/null ||
    { echo "Bail out! gio, mc and tmux are needed (make deps)"; exit 1; }
files_setup fmbox

in_sandbox "mkdir -p $FIN/fm/sub && echo hello-preview > $FIN/fm/note.txt && head -c 300000 /dev/urandom > $FIN/fm/sub/blob.bin" >/dev/null
out=$SFS_TMP/fm-out
mkdir -p "$out"

# GIO
is "$(timeout 10 gio list -l "$F/fm" | sort | tr '\t' ' ')" "note.txt 14 (regular)
sub 4096 (directory)" "gio list -l: names, sizes, types"
like "$(timeout 10 gio info "$F/fm/note.txt")" "size: +14" "gio info"
timeout 10 gio copy "$F/fm/sub/blob.bin" "$out/blob.bin"
in_sandbox "cat $FIN/fm/sub/blob.bin" >"$out/inside.bin"
check "gio copy out: byte-exact with the sandbox's file" cmp "$out/blob.bin" "$out/inside.bin"
timeout 10 gio copy "$out/blob.bin" "$F/fm/copy.bin"
check "gio copy into the mount" cmp "$out/blob.bin" "$F/fm/copy.bin"
timeout 10 gio move "$F/fm/copy.bin" "$F/fm/sub/moved.bin"
check "gio move" cmp "$out/blob.bin" "$F/fm/sub/moved.bin"
timeout 10 gio mkdir "$F/fm/made"
is "$(in_sandbox "test -d $FIN/fm/made && echo yes")" "yes" "gio mkdir reaches the sandbox"
timeout 10 gio remove "$F/fm/sub/moved.bin" "$F/fm/made"
is "$(ls "$F/fm" "$F/fm/sub" | tr '\n' ' ')" "$F/fm: note.txt sub  $F/fm/sub: blob.bin " "gio remove"

# Midnight Commander under tmux, one tmux server per mc (a server just killed may still hold
# its socket). wait_pane TEXT: the screen shows TEXT within 10 s.
export TERM=xterm
mkdir -p "$SFS_TMP/mchome"
sock=
tm() { tmux -S "$sock" "$@"; }
wait_pane() {
    local end=$((SECONDS + 10))
    until tm capture-pane -p -t fm 2>/dev/null | grep -qF -- "$1"; do
        ((SECONDS < end)) || return 1
        sleep 0.1
    done
}
on_exit "for s in '$SFS_TMP'/tmux-*.sock; do tmux -S \"\$s\" kill-server 2>/dev/null; done"
mc_in() { # mc_in N LEFT RIGHT: mc number N with these panels
    sock=$SFS_TMP/tmux-$1.sock
    tm new-session -d -s fm -x 160 -y 40 \
        "env HOME=$SFS_TMP/mchome mc -u -a --nosubshell '$2' '$3'"
}
mc_in 1 "$F/fm" "$out"
wait_pane "note.txt"
ok $? "mc lists the sandbox's directory"
tm send-keys -t fm Down Down F3 # .. -> /sub -> note.txt, view it
wait_pane "hello-preview"
ok $? "mc previews a file (F3)"
tm send-keys -t fm q F5
wait_pane "Copy file \"note.txt\""
ok $? "mc offers to copy it (F5)"
tm send-keys -t fm Enter
timeout 10 bash -c "until [[ \$(cat '$out/note.txt' 2>/dev/null) == hello-preview ]]; do sleep 0.1; done"
ok $? "mc copies out of the mount"
mkdir -p "$out/mc"
tm kill-server 2>/dev/null
mc_in 2 "$F/fm/sub" "$out/mc"
wait_pane "blob.bin"
tm send-keys -t fm Down F5
wait_pane "Copy file \"blob.bin\""
tm send-keys -t fm Enter
# (mc may size the target first and fill it after: wait for the bytes, not the size)
timeout 10 bash -c "until cmp -s '$out/blob.bin' '$out/mc/blob.bin'; do sleep 0.1; done"
ok $? "mc copies a binary out, byte-exact"
tm send-keys -t fm F10
timeout 10 bash -c "while tmux -S '$sock' has-session -t fm 2>/dev/null; do sleep 0.1; done"
ok $? "mc quits (F10)"
files_done
