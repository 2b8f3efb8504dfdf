# Helpers for sandboxfs integration tests: a private sandboxd (temp state dir, free port) and a
# sandboxfs mount of it in a temp dir. Everything is removed on exit.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sfs_require() { # skips the whole test when the stack cannot run here
    [[ $EUID -eq 0 ]] || skip_all "needs root (runc sandboxes, FUSE)"
    [[ -x $SANDBOXD && -x $SANDBOXFS && -x $EXECD ]] || skip_all "sandboxd, sandboxfs or execd not built"
    [[ -e /dev/fuse ]] || skip_all "no /dev/fuse"
}

# sfs_start_sandboxd: sets SFS_TMP, SFS_STATE, SFS_PORT, SFS_URL, SFS_KEY
sfs_start_sandboxd() {
    SFS_TMP=$(mktemp -d /tmp/sfs-test.XXXXXX)
    SFS_STATE=$SFS_TMP/state
    SFS_PORT=$(free_port)
    SFS_URL=http://127.0.0.1:$SFS_PORT
    mkdir -p "$SFS_STATE"
    on_exit "rm -rf '$SFS_TMP'"
    "$SANDBOXD" --listen "127.0.0.1:$SFS_PORT" --state-dir "$SFS_STATE" >"$SFS_TMP/sandboxd.log" 2>&1 &
    SFS_SANDBOXD_PID=$!
    on_exit "sfs_stop_sandboxd"
    wait_line "$SFS_TMP/sandboxd.log" "listening on" 30 || { diag "sandboxd did not start:"; sed 's/^/# /' "$SFS_TMP/sandboxd.log"; return 1; }
    SFS_KEY=$(cat "$SFS_STATE/api_key")
}

sfs_stop_sandboxd() {
    # Delete what is left, then stop the server (TERM, so it can clean up its runtime state).
    local ids
    ids=$(curl -s -H "OPEN-SANDBOX-API-KEY: $SFS_KEY" "$SFS_URL/v1/sandboxes?pageSize=200" |
        python3 -c 'import json,sys; [print(i["id"]) for i in json.load(sys.stdin).get("items",[])]' 2>/dev/null)
    for id in $ids; do curl -s -X DELETE -H "OPEN-SANDBOX-API-KEY: $SFS_KEY" "$SFS_URL/v1/sandboxes/$id" >/dev/null; done
    kill -TERM "$SFS_SANDBOXD_PID" 2>/dev/null
    wait "$SFS_SANDBOXD_PID" 2>/dev/null
}

# sfs_mount [extra -o options]: mounts sandboxfs at $MNT (config dir $SFS_TMP/config).
sfs_mount() {
    MNT=${MNT:-$SFS_TMP/mnt}
    mkdir -p "$MNT" "$SFS_TMP/config"
    : >"$SFS_TMP/sandboxfs.log"
    "$SANDBOXFS" -f -o "server=$SFS_URL,api_key_file=$SFS_STATE/api_key,config_dir=$SFS_TMP/config${1:+,$1}" \
        "$MNT" >>"$SFS_TMP/sandboxfs.log" 2>&1 &
    SFS_PID=$!
    on_exit "sfs_unmount"
    wait_line "$SFS_TMP/sandboxfs.log" "mounted .* at " 20 || { diag "sandboxfs did not mount:"; sed 's/^/# /' "$SFS_TMP/sandboxfs.log"; return 1; }
}

# watch_attrib FILE...: an inotifywait for IN_ATTRIB on the files, in the background and
# established; `wait $W` then ends 0 once an event came (1 after 20 s without).
watch_attrib() {
    local log
    log=$(mktemp "$SFS_TMP/ino.XXXXXX")
    inotifywait -t 20 -e attrib "$@" >"$log" 2>&1 &
    W=$!
    wait_line "$log" "Watches established" 10
}

sfs_unmount() {
    [[ -n ${SFS_PID:-} ]] || return 0
    fusermount3 -u "$MNT" 2>/dev/null || fusermount3 -u -z "$MNT" 2>/dev/null
    wait "$SFS_PID" 2>/dev/null
    SFS_PID=
}

# sfs_setup: sandboxd + mount, ready for mkdir.
sfs_setup() {
    sfs_require
    sfs_start_sandboxd || { echo "Bail out! sandboxd did not start"; exit 1; }
    sfs_mount || { echo "Bail out! sandboxfs did not mount"; exit 1; }
}

# api METHOD PATH [JSON]: calls sandboxd's API, prints the body.
api() {
    curl -s -X "$1" -H "OPEN-SANDBOX-API-KEY: $SFS_KEY" -H 'Content-Type: application/json' \
        ${3:+-d "$3"} "$SFS_URL/v1$2"
}

# errno_of PYTHON: the errno name a Python os call failed with, or OK.
errno_of() {
    python3 -c "import os,errno,sys
try:
    $1
    print('OK')
except OSError as e:
    print(errno.errorcode[e.errno])"
}
