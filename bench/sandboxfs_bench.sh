#!/bin/bash
# sandboxfs benchmark (make bench, as root): a private sandboxd and sandboxfs mount, one sandbox,
# and one table comparing the mount against local fork+exec, a local pipe, sshfs to a localhost
# sshd started here (temp keys, free port) and the local disk. Everything it starts or mounts is
# removed on exit. Sizes can be lowered for a quick run:
#   BENCH_ITER=200 (round trips)  BENCH_STREAM_MB=1024  BENCH_FILE_MB=256  BENCH_TREE_DIRS=100
#   BENCH_TREE_FILES=100 (files per dir)  BENCH_SRC=/usr/include  BENCH_MKDIR_N=3
#   BENCH_REPS=3 (each stdout and files/ workload runs this often; the table shows the median)
#   BENCH_TIMEOUT=3600 (seconds; then the FUSE connections are aborted and everything cleaned up)
#   BENCH_FUSE_STATS=1: also count the FUSE requests of each files/ workload (perf, tracepoint
#   fuse:fuse_request_send) and print them per opcode after the table (slows the timed runs).
source "$(dirname "$0")/../tests/integration/lib-sandboxfs.sh"
skip_all() { echo "sandboxfs bench: cannot run: $*" >&2; exit 1; } # lib's TAP skip is a failure here
# Background daemons get their own process groups, so a Ctrl-C or a group kill (timeout) reaches
# only this script, whose EXIT trap then deletes the sandboxes before it stops sandboxd (which
# keeps sandboxes running when it is stopped).
set -m
trap 'exit 130' INT TERM HUP
# The helpers make /tmp/sfs-test.XXXXXX, a name that test runs and their reapers share; a bench
# runs for minutes, so it takes a name of its own.
mktemp() { command mktemp "${@//\/tmp\/sfs-test./\/tmp\/sfs-bench.}"; }

ITER=${BENCH_ITER:-200}
STREAM_MB=${BENCH_STREAM_MB:-1024}
FILE_MB=${BENCH_FILE_MB:-256}
TREE_DIRS=${BENCH_TREE_DIRS:-100}
TREE_FILES=${BENCH_TREE_FILES:-100}
SRC=${BENCH_SRC:-/usr/include}
MKDIR_N=${BENCH_MKDIR_N:-3}
REPS=${BENCH_REPS:-3}
SB=bench

declare -A R # results: R[row.column] = number (µs or MiB/s)
ROWS=()      # row keys in print order
declare -A UNIT KIND TARGET
OPS_KEYS=() # workloads traced with BENCH_FUSE_STATS=1, and their FUSE connection numbers
declare -A OPS_CONN

say() { echo "# $*" >&2; }
die() { echo "sandboxfs bench: $*" >&2; exit 1; }
# Times are in µs from bash's own clock ($EPOCHREALTIME): no fork inside a measurement.
now() { echo "${EPOCHREALTIME/./}"; }
us_since() { echo $((${EPOCHREALTIME/./} - $1)); } # forks (command substitution): outside timings
mib_s() { awk -v b="$1" -v us="$2" 'BEGIN { printf "%.0f", (us > 0) ? b / 1048576 / (us / 1e6) : 0 }'; }
pct() { # pct P FILE: the P-th percentile of the numbers in FILE (nearest rank)
    sort -n "$2" | awk -v p="$1" '{ v[NR] = $1 } END { i = int((NR * p + 99) / 100); if (i < 1) i = 1; print v[i] }'
}
# row KEY UNIT KIND TARGET: KIND is "time" (lower is better) or "rate" (higher is better);
# TARGET is the minimum speed relative to the peer (0.5 = half as fast), or "-" for none.
row() { ROWS+=("$1"); UNIT[$1]=$2; KIND[$1]=$3; TARGET[$1]=$4; }
# timed KEY COLUMN CMD...: runs CMD and adds its wall time (µs) to the samples of KEY.COLUMN;
# R[KEY.COLUMN] is their median.
timed() {
    local k=$1 c=$2 t0
    shift 2
    if [[ ${BENCH_FUSE_STATS:-0} == 1 && $c != local ]]; then
        export -f tree_count ls_lR say
        export TREE_DIRS TREE_FILES
        set -- perf record -q -e fuse:fuse_request_send -a -o "$SFS_TMP/perf.$k.$c" -- bash -c '"$@"' _ "$@"
        OPS_KEYS+=("$k.$c")
        OPS_CONN[$k.$c]=$(fuse_conn "$([[ $c == sfs ]] && echo "$MNT" || echo "$SSHFS")")
    fi
    t0=${EPOCHREALTIME/./}
    "$@" || say "$k/$c: '$*' failed"
    sample "$k.$c" $((${EPOCHREALTIME/./} - t0))
}
sample() { # sample KEY.COLUMN µs: records one measurement; R[KEY.COLUMN] = median so far
    echo "$2" >>"$SFS_TMP/samples.$1"
    R[$1]=$(pct 50 "$SFS_TMP/samples.$1")
}
to_rate() { # to_rate KEY BYTES: turns the median times of KEY (µs) into MiB/s
    local c
    for c in sfs sshfs local; do
        [[ -n ${R[$1.$c]:-} ]] && R[$1.$c]=$(mib_s "$2" "${R[$1.$c]}")
    done
}
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

# abort_fuse: aborts every FUSE connection mounted under $SFS_TMP (blocked requests fail with
# ENOTCONN), without touching the mounts themselves (a stat on a wedged mount would hang too).
abort_fuse() {
    local dev
    for dev in $(awk -v t="$SFS_TMP/" 'index($5, t) == 1 && $0 ~ / - fuse/ { split($3, d, ":"); print d[2] }' /proc/self/mountinfo); do
        echo 1 >"/sys/fs/fuse/connections/$dev/abort" 2>/dev/null
    done
}
start_watchdog() { # a wedged mount must not hang the bench forever
    local me=$$
    (
        sleep "${BENCH_TIMEOUT:-3600}"
        echo "sandboxfs bench: timed out after ${BENCH_TIMEOUT:-3600} s; aborting the mounts" >&2
        abort_fuse
        kill -TERM "$me"
    ) &
    on_exit "kill -- -$!" # its own process group (set -m): the subshell and its sleep
}

# --- setup: sandboxd, sandboxfs, one sandbox; sshd and sshfs on a host tree --------------------

setup_sandboxfs() {
    sfs_require
    sfs_start_sandboxd || die "sandboxd did not start"
    sfs_mount || die "sandboxfs did not mount"
    local t0
    # The bench sandbox has no CPU quota, as the local side has none: with the default
    # template's cpu=1, the producer and execd share one CPU while a local pipe has them all
    # (the stdout rows then measure the quota, not the mount; a row of its own shows that).
    printf 'image=host\nmemory=1Gi\npids=1024\n' >"$MNT/.templates/$SB" || die "cannot write the bench template"
    t0=$(now)
    mkdir "$MNT/$SB" || die "mkdir $SB failed: $(tail -3 "$MNT/.log")"
    say "sandbox $SB ready in $(($(us_since "$t0") / 1000)) ms"
    S=$MNT/$SB
    F=$S/files/tmp
}

setup_sshd() {
    command -v sshd >/dev/null && command -v sshfs >/dev/null || die "sshd or sshfs missing (make deps)"
    SSH_DIR=$SFS_TMP/ssh
    mkdir -p "$SSH_DIR" /run/sshd
    ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/host_key" || die "ssh-keygen failed"
    ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/client_key" || die "ssh-keygen failed"
    cp "$SSH_DIR/client_key.pub" "$SSH_DIR/authorized_keys"
    SSH_PORT=$(free_port)
    cat >"$SSH_DIR/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $SSH_PORT
HostKey $SSH_DIR/host_key
PidFile $SSH_DIR/sshd.pid
AuthorizedKeysFile $SSH_DIR/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp /usr/lib/openssh/sftp-server
CONF
    /usr/sbin/sshd -D -e -f "$SSH_DIR/sshd_config" 2>"$SSH_DIR/sshd.log" &
    SSHD_PID=$!
    on_exit "kill $SSHD_PID; wait $SSHD_PID"
    wait_line "$SSH_DIR/sshd.log" "Server listening on" 10 || die "sshd did not start: $(cat "$SSH_DIR/sshd.log")"
    HOST=$SFS_TMP/host # the local-disk side, and what sshfs serves
    SSHFS=$SFS_TMP/sshfs
    mkdir -p "$HOST" "$SSHFS"
    on_exit "fusermount3 -u '$SSHFS' || fusermount3 -u -z '$SSHFS'"
    sshfs_mount
}

sshfs_mount() {
    sshfs -p "$SSH_PORT" -o "IdentityFile=$SSH_DIR/client_key,StrictHostKeyChecking=no" \
        -o "UserKnownHostsFile=/dev/null,LogLevel=ERROR" "root@127.0.0.1:$HOST" "$SSHFS" ||
        die "sshfs mount failed"
}
sshfs_remount() { fusermount3 -u "$SSHFS" && sshfs_mount; }
sfs_remount() { sfs_unmount && sfs_mount && cat "$S/id" >/dev/null; }
cold() { # cold sfs|sshfs|local: forget every cache of that side
    case $1 in
    sfs) sfs_remount ;;
    sshfs) sshfs_remount ;;
    esac
    drop_caches
}

# runs CMD in the sandbox and waits for it; fails unless it exits 0
in_sandbox() {
    echo "$1" >"$S/cmd" || return 1
    [[ $(cat "$S/exit") == 0 ]] || { say "in sandbox: '$1' failed: $(head -c 300 "$S/stderr")"; return 1; }
}

# The same tree everywhere: TREE_DIRS directories of TREE_FILES small files each.
TREE_SCRIPT="mkdir -p tree && cd tree && for d in \$(seq $TREE_DIRS); do mkdir d\$d; \
for f in \$(seq $TREE_FILES); do echo \"file \$d/\$f\" > d\$d/f\$f; done; done"

# --- workloads ---------------------------------------------------------------------------------

# One block of N round trips through the mount, then N local ones.
rt_block() {
    local i t0
    for ((i = 0; i < $1; i++)); do
        t0=${EPOCHREALTIME/./}
        echo true >"$S/cmd"
        cat "$S/exit" >"$SFS_TMP/rt.exit"
        echo $((${EPOCHREALTIME/./} - t0)) >>"$SFS_TMP/rt.sfs"
        [[ $(<"$SFS_TMP/rt.exit") == 0 ]] || die "round trip: exit '$(<"$SFS_TMP/rt.exit")'"
    done
    sleep 0.05 # the last command's end (watcher, notify) settles outside the local timings
    for ((i = 0; i < $1; i++)); do
        t0=${EPOCHREALTIME/./}
        sh -c true
        echo $((${EPOCHREALTIME/./} - t0)) >>"$SFS_TMP/rt.local"
    done
}

# Blocks of 25 alternate between the mount and the local baseline, so that both see the same
# machine: on a shared VM the baseline alone drifts by 30% within a minute.
bench_round_trip() {
    local done_n=0 n
    row rt_median µs time 0.5
    row rt_p90 µs time 0.5
    : >"$SFS_TMP/rt.sfs"
    : >"$SFS_TMP/rt.local"
    in_sandbox true || die "the first command failed"
    while ((done_n < ITER)); do
        n=$((ITER - done_n < 25 ? ITER - done_n : 25))
        rt_block "$n"
        done_n=$((done_n + n))
    done
    R[rt_median.sfs]=$(pct 50 "$SFS_TMP/rt.sfs")
    R[rt_p90.sfs]=$(pct 90 "$SFS_TMP/rt.sfs")
    R[rt_median.local]=$(pct 50 "$SFS_TMP/rt.local")
    R[rt_p90.local]=$(pct 90 "$SFS_TMP/rt.local")
}

stream_through_mount() { # stream_through_mount CMD BYTES [SANDBOX]: R_US = time from the write to EOF
    local t0 size sb=${3:-$S}
    t0=${EPOCHREALTIME/./}
    echo "$1" >"$sb/cmd" || return 1
    cat "$sb/stdout" >/dev/null
    R_US=$((${EPOCHREALTIME/./} - t0))
    size=$(stat -c %s "$sb/stdout")
    [[ $size == "$2" ]] || say "stream '$1': $size bytes, expected $2"
}

bench_stdout() {
    local bytes=$((STREAM_MB * 1048576)) t0 rep capped=$MNT/${SB}1 # t0: a start, then a time
    row stdout_zero MiB/s rate 0.5
    row stdout_bin MiB/s rate 0.5
    row stdout_zero_cpu1 MiB/s rate -
    mkdir "$capped" || die "mkdir ${SB}1 failed: $(tail -3 "$MNT/.log")" # the default template
    # binary: the same random file, in page cache on both sides
    in_sandbox "head -c ${STREAM_MB}M /dev/urandom > /tmp/rand" || die "cannot make /tmp/rand"
    head -c "${STREAM_MB}M" /dev/urandom >"$SFS_TMP/rand"
    for ((rep = 0; rep < REPS; rep++)); do
        stream_through_mount "head -c ${STREAM_MB}M /dev/zero" "$bytes"
        sample stdout_zero.sfs "$R_US"
        t0=${EPOCHREALTIME/./}
        head -c "${STREAM_MB}M" /dev/zero | cat >/dev/null
        t0=$((${EPOCHREALTIME/./} - t0))
        sample stdout_zero.local "$t0"
        sample stdout_zero_cpu1.local "$t0"
        stream_through_mount "head -c ${STREAM_MB}M /dev/zero" "$bytes" "$capped"
        sample stdout_zero_cpu1.sfs "$R_US"
        stream_through_mount "cat /tmp/rand" "$bytes"
        sample stdout_bin.sfs "$R_US"
        t0=${EPOCHREALTIME/./}
        cat "$SFS_TMP/rand" | cat >/dev/null
        sample stdout_bin.local $((${EPOCHREALTIME/./} - t0))
    done
    to_rate stdout_zero "$bytes"
    to_rate stdout_bin "$bytes"
    to_rate stdout_zero_cpu1 "$bytes"
    rmdir "$capped"
    rm -f "$SFS_TMP/rand"
    in_sandbox "rm -f /tmp/rand"
}

side_dir() { # side_dir SIDE: where that side's files go
    case $1 in local) echo "$HOST" ;; sshfs) echo "$SSHFS" ;; sfs) echo "$F" ;; esac
}

bench_seq() { # sequential write (until close returns, fsync'd) and cold read of FILE_MB MiB
    local bytes=$((FILE_MB * 1048576)) side dir rep
    row seq_write MiB/s rate 1
    row seq_read MiB/s rate 1
    head -c "${FILE_MB}M" /dev/urandom >"$SFS_TMP/data"
    for side in local sshfs sfs; do
        dir=$(side_dir "$side")
        for ((rep = 0; rep < REPS; rep++)); do
            timed seq_write "$side" dd if="$SFS_TMP/data" of="$dir/seq" bs=1M conv=fsync status=none
            cold "$side"
            timed seq_read "$side" dd if="$dir/seq" of=/dev/null bs=1M status=none
            ((rep > 0)) || cmp -s "$SFS_TMP/data" "$dir/seq" || say "seq: $side read back different bytes"
            rm -f "$dir/seq"
        done
    done
    to_rate seq_write "$bytes"
    to_rate seq_read "$bytes"
    rm -f "$SFS_TMP/data"
}

tree_count() { # tree_count KEY SIDE DIR: find DIR, and check that it saw every file
    local n
    n=$(find "$3" -type f | wc -l)
    [[ $n == $((TREE_DIRS * TREE_FILES)) ]] || say "$1/$2: find saw $n files"
}
ls_lR() { ls -lR "$1" >/dev/null; }

bench_tree() {
    local side dir rep
    row find_cold ms time 1
    row find_warm ms time 1
    row lsR_cold ms time 1
    row lsR_warm ms time 1
    (cd "$HOST" && bash -c "$TREE_SCRIPT") || die "cannot build the host tree"
    in_sandbox "cd /tmp && $TREE_SCRIPT" || die "cannot build the sandbox tree"
    for side in local sshfs sfs; do
        dir=$(side_dir "$side")/tree
        for ((rep = 0; rep < REPS; rep++)); do
            cold "$side"
            timed find_cold "$side" tree_count find "$side" "$dir"
            timed find_warm "$side" tree_count find "$side" "$dir"
            cold "$side"
            timed lsR_cold "$side" ls_lR "$dir"
            timed lsR_warm "$side" ls_lR "$dir"
        done
    done
    rm -rf "$HOST/tree"
    in_sandbox "rm -rf /tmp/tree"
}

bench_cp() {
    local side dir n want rep
    row cp_r ms time 1
    want=$(find "$SRC" | wc -l)
    tar -cf - "$SRC" 2>/dev/null | cat >/dev/null # source in page cache for every side
    for side in local sshfs sfs; do
        dir=$(side_dir "$side")
        for ((rep = 0; rep < REPS; rep++)); do # a new target each time: no cache can know it
            timed cp_r "$side" cp -r "$SRC" "$dir/src.$side.$rep"
            n=$(find "$dir/src.$side.$rep" | wc -l)
            [[ $n == "$want" ]] || say "cp -r to $side: $n entries, expected $want"
        done
    done
    rm -rf "$HOST"/src.*
    in_sandbox "rm -rf /tmp/src.sfs.*"
}

bench_mkdir() {
    local i t0
    row mkdir ms time -
    row rmdir ms time -
    : >"$SFS_TMP/mkdir"
    : >"$SFS_TMP/rmdir"
    for ((i = 0; i < MKDIR_N; i++)); do
        t0=${EPOCHREALTIME/./}
        mkdir "$MNT/mk$i" || die "mkdir mk$i failed: $(tail -3 "$MNT/.log")"
        echo $((${EPOCHREALTIME/./} - t0)) >>"$SFS_TMP/mkdir"
        t0=${EPOCHREALTIME/./}
        rmdir "$MNT/mk$i" || say "rmdir mk$i failed"
        echo $((${EPOCHREALTIME/./} - t0)) >>"$SFS_TMP/rmdir"
    done
    R[mkdir.sfs]=$(pct 50 "$SFS_TMP/mkdir")
    R[rmdir.sfs]=$(pct 50 "$SFS_TMP/rmdir")
}

# --- the table ---------------------------------------------------------------------------------

declare -A LABEL=(
    [rt_median]="cmd round trip, median (echo true > cmd; cat exit)"
    [rt_p90]="cmd round trip, p90"
    [stdout_zero]="stdout throughput, head -c ${STREAM_MB}M /dev/zero"
    [stdout_bin]="stdout throughput, binary (${STREAM_MB} MiB random)"
    [stdout_zero_cpu1]="stdout, zeros, default template (cpu=1 quota)"
    [seq_write]="files/ sequential write ${FILE_MB} MiB (dd, fsync)"
    [seq_read]="files/ sequential read ${FILE_MB} MiB (cold)"
    [find_cold]="files/ find, $((TREE_DIRS * TREE_FILES))-file tree, cold"
    [find_warm]="files/ find, warm"
    [lsR_cold]="files/ ls -lR, cold"
    [lsR_warm]="files/ ls -lR, warm"
    [cp_r]="files/ cp -r $SRC ($(find "$SRC" | wc -l) entries)"
    [mkdir]="mkdir (create to ready), median of $MKDIR_N"
    [rmdir]="rmdir, median of $MKDIR_N"
)

fmt() { # fmt VALUE UNIT: µs values are shown in ms when large
    [[ -z $1 ]] && { echo "-"; return; }
    if [[ $2 == ms ]]; then awk -v v="$1" 'BEGIN { printf "%.0f", v / 1000 }'
    elif [[ $2 == µs && $1 -ge 10000 ]]; then awk -v v="$1" 'BEGIN { printf "%.1f ms", v / 1000 }'
    else echo "$1"; fi
}

# speed of sandboxfs relative to the peer (local for commands and stdout, sshfs for files/)
speed() {
    local k=$1 peer=$2 a=${R[$1.sfs]:-} b=${R[$1.$2]:-}
    [[ -n $a && -n $b && $a != 0 && $b != 0 ]] || { echo "-"; return; }
    if [[ ${KIND[$k]} == time ]]; then awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }'
    else awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }'; fi
}

print_table() {
    local k peer s met t
    printf '\n%-58s %12s %12s %12s %8s %8s  %s\n' workload sandboxfs sshfs local speed target met
    for k in "${ROWS[@]}"; do
        case $k in rt_* | stdout_*) peer=local ;; *) peer=sshfs ;; esac
        s=$(speed "$k" "$peer")
        t=${TARGET[$k]}
        if [[ $t == - || $s == - ]]; then met=-
        elif awk -v s="$s" -v t="$t" 'BEGIN { exit !(s >= t) }'; then met=yes
        else met=NO; fi
        printf '%-58s %12s %12s %12s %8s %8s  %s\n' "${LABEL[$k]} [${UNIT[$k]}]" \
            "$(fmt "${R[$k.sfs]:-}" "${UNIT[$k]}")" "$(fmt "${R[$k.sshfs]:-}" "${UNIT[$k]}")" \
            "$(fmt "${R[$k.local]:-}" "${UNIT[$k]}")" "$([[ $s == - ]] && echo - || echo "${s}x")" "$([[ $t == - ]] && echo - || echo "≥${t}x")" "$met"
    done
    echo
    echo "speed = sandboxfs relative to its peer (local for cmd/stdout, sshfs for files/): >1 is faster."
    echo "cold = remounted and 'echo 3 > /proc/sys/vm/drop_caches'; warm = run again right after."
    echo "round trips: median and p90 of $ITER; stdout and files/: median of $REPS runs."
    echo "$(date -u '+%F %H:%M UTC'), $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), \
$(awk '{ printf "%.0f GiB", $2 / 1048576; exit }' /proc/meminfo) RAM, kernel $(uname -r), \
load average at start $LOAD0, at end $(cut -d' ' -f1-3 /proc/loadavg)"
}

# fuse_conn DIR: the FUSE connection number (/sys/fs/fuse/connections/N) of the mount at DIR
fuse_conn() { awk -v m="$1" '$5 == m { split($3, d, ":"); print d[2] }' /proc/self/mountinfo | tail -1; }

print_fuse_stats() {
    local kc
    ((${#OPS_KEYS[@]})) || return 0
    echo "FUSE requests per workload (BENCH_FUSE_STATS=1; total: per opcode):"
    for kc in "${OPS_KEYS[@]}"; do
        [[ -f $SFS_TMP/perf.$kc ]] || continue
        printf '  %-16s %s\n' "$kc" "$(perf script -i "$SFS_TMP/perf.$kc" 2>/dev/null |
            awk -v c="connection ${OPS_CONN[$kc]} " 'index($0, c) && match($0, /\(FUSE_[A-Z_0-9]+\)/) {
                    n[substr($0, RSTART + 6, RLENGTH - 7)]++; t++ }
                END { printf "%d:", t; for (o in n) printf " %s %d", o, n[o] }')"
    done
}

main() {
    local b
    LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
    [[ ${BENCH_FUSE_STATS:-0} != 1 ]] || command -v perf >/dev/null || die "BENCH_FUSE_STATS=1 needs perf (linux-perf)"
    setup_sandboxfs
    start_watchdog
    setup_sshd
    for b in ${BENCH_ONLY_SFS:-round_trip stdout seq tree cp mkdir}; do
        say "running $b"
        "bench_$b"
    done
    print_table
    print_fuse_stats
}
main
