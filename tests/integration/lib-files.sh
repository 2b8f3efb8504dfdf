# Helpers for the files/ integration tests: one sandbox on a private sandboxd + mount, and a
# scratch directory inside it ($F on the mount, $FIN inside the sandbox).
if [[ -f "$(dirname "${BASH_SOURCE[0]}")/lib-sandboxfs.sh" ]]; then
    source "$(dirname "${BASH_SOURCE[0]}")/lib-sandboxfs.sh"
else
    source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
    sfs_require() { skip_all "lib-sandboxfs.sh is not there yet"; }
fi

# files_setup NAME [mount options] [template text]: sandboxd, mount, sandbox NAME (made from the
# template text, saved under NAME's .suffix, when given), scratch dir /tmp/files-test.
files_setup() {
    sfs_require
    sfs_start_sandboxd || { echo "Bail out! sandboxd did not start"; exit 1; }
    sfs_mount "${2:-}" || { echo "Bail out! sandboxfs did not mount"; exit 1; }
    [[ -z ${3:-} ]] || printf '%s\n' "$3" >"$MNT/.templates/${1##*.}"
    S=$MNT/$1
    mkdir "$S" || { echo "Bail out! mkdir $S failed:"; sed 's/^/# /' "$MNT/.log" 2>/dev/null; exit 1; }
    FIN=/tmp/files-test
    F=$S/files$FIN
    mkdir "$F" || { echo "Bail out! mkdir $F failed"; exit 1; }
}

# in_sandbox CMD: runs CMD with sh -c inside the sandbox (through cmd), prints its stdout;
# the exit status is the command's.
in_sandbox() {
    printf '%s' "$1" >"$S/cmd" || return 1
    local rc
    rc=$(cat "$S/exit")
    cat "$S/stdout"
    return "$rc"
}


# files_done: the plan, at the end (the number of checks depends on the loops above).
files_done() { echo "1..$_tap_n"; }
