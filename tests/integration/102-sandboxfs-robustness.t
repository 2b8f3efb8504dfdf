#!/bin/bash
# sandboxfs under trouble: bad input, concurrent writers, a lost server, removed sandboxes,
# unmount with blocked readers, snapshots and restore through a template.
source "$(dirname "$0")/lib-sandboxfs.sh"
sfs_setup
mkdir "$MNT/box" || { echo "Bail out! mkdir failed"; exit 1; }


# Bad input.
is "$(errno_of "os.write(os.open('$MNT/box/ctl', os.O_WRONLY), b'pause' + b'x' * 5000)")" "EFBIG" "a huge write to ctl: EFBIG"
is "$(errno_of "os.write(os.open('$MNT/box/ctl', os.O_WRONLY), bytes(range(256)))")" "EINVAL" "binary junk to ctl: EINVAL"
is "$(errno_of "os.write(os.open('$MNT/box/expires', os.O_WRONLY), b'yesterday')")" "EINVAL" "nonsense to expires: EINVAL"
is "$(errno_of "open('$MNT/box/endpoints/0').read()")" "ENOENT" "port 0 does not exist"
is "$(errno_of "open('$MNT/box/endpoints/99999').read()")" "ENOENT" "port 99999 does not exist"
is "$(errno_of "open('$MNT/box/commands/999/stdout').read()")" "ENOENT" "an unknown command number"
is "$(errno_of "os.mkdir('$MNT/box/sessions/bad name')")" "EINVAL" "an invalid session name"
is "$(errno_of "os.mkdir('$MNT/box/whatever')")" "EPERM" "mkdir elsewhere in a sandbox: EPERM"
is "$(errno_of "open('$MNT/box/status','w').write('x')")" "EACCES" "status is read-only"
is "$(cat "$MNT/box/status")" "Running" "and the sandbox is fine"
printf 'image=/\n' >"$MNT/.templates/hostroot"
is "$(errno_of "os.mkdir('$MNT/hostroot')")" "EINVAL" "a template naming the host's / as rootfs is refused"
like "$(cat "$MNT/.log")" "allowed_host_paths" ".log says how to allow a directory rootfs"

# Concurrent writers: every write is one command.
before=$(ls "$MNT/box/commands" | wc -l)
pids=()
for i in $(seq 1 10); do
    echo "echo writer$i" >"$MNT/box/cmd" &
    pids+=($!)
done
wait "${pids[@]}"
after=$(ls "$MNT/box/commands" | wc -l)
is "$((after - before))" "10" "10 concurrent writers start 10 commands"
all=$(for n in $(seq $((before + 1)) "$after"); do cat "$MNT/box/commands/$n/stdout"; done | sort -V | tr '\n' ' ')
is "$all" "writer1 writer2 writer3 writer4 writer5 writer6 writer7 writer8 writer9 writer10 " "each ran once"
# Eight writers of 40 commands each in a new sandbox: a listing that came back during a start
# could list it before the start added it (then it was listed twice).
mkdir "$MNT/many"
pids=()
for j in $(seq 8); do
    (for i in $(seq 40); do echo "echo w$j-$i" >"$MNT/many/cmd"; done) &
    pids+=($!)
done
wait "${pids[@]}"
sleep 1 # the cached list is then asked again
is "$(ls "$MNT/many/commands" | wc -l)" "320" "8 x 40 concurrent starts: 320 commands, each listed once"
is "$(cat "$MNT"/many/commands/*/cmd | grep . | sort -u | wc -l)" "320" "and they are the 320 commands"
rmdir "$MNT/many"

# Snapshots: ctl snapshot, .snapshots lists it, a template restores from it.
echo 'echo snapshot-me > /root/marker' >"$MNT/box/cmd"
cat "$MNT/box/exit" >/dev/null
echo 'snapshot first' >"$MNT/box/ctl"
ok $? "ctl snapshot"
snap=
for _ in $(seq 1 100); do
    snap=$(ls "$MNT/.snapshots" | head -1)
    [[ -n $snap && $(cat "$MNT/.snapshots/$snap/status" 2>/dev/null) == Ready ]] && break
    sleep 0.2
done
ok $([[ -n $snap ]] && echo 0 || echo 1) ".snapshots lists the snapshot"
is "$(cat "$MNT/.snapshots/$snap/status")" "Ready" "its status"
like "$(cat "$MNT/.snapshots/$snap/info")" "\"id\": \"$snap\"" "its info"
printf 'snapshot=%s\n' "$snap" >"$MNT/.templates/restored"
check "mkdir from a snapshot template" mkdir "$MNT/restored"
echo 'cat /root/marker' >"$MNT/restored/cmd"
is "$(cat "$MNT/restored/stdout")" "snapshot-me" "the restored sandbox has the snapshot's files"

# rmdir during a running command, then the removed sandbox's files.
echo 'sleep 300' >"$MNT/restored/cmd"
check "rmdir during a running command" rmdir "$MNT/restored"
is "$(errno_of "open('$MNT/restored/stdout').read()")" "ENOENT" "a removed sandbox's files: ENOENT"
check "rmdir of a snapshot" rmdir "$MNT/.snapshots/$snap"

# A blocked reader keeps the mount busy; once it is interrupted, unmount works.
echo 'sleep 300' >"$MNT/box/cmd"
cat "$MNT/box/stdout" >/dev/null &
reader=$!
for _ in $(seq 1 200); do # until the reader has the file open
    ls -l /proc/$reader/fd 2>/dev/null | grep -q 'box/stdout' && break
    sleep 0.05
done
ok $(! fusermount3 -u "$MNT" 2>/dev/null && echo 0 || echo 1) "unmount with a blocked reader: busy"
kill -TERM $reader # (background jobs of a script ignore SIGINT)
wait $reader 2>/dev/null
fusermount3 -u "$MNT"
ok $? "after the reader is interrupted, unmount works"
wait "$SFS_PID" 2>/dev/null
ok $? "and the daemon exits cleanly"
SFS_PID=
sfs_mount

# A lost server: ENOTCONN and a .log line; the mount recovers when it is back.
kill -9 "$SFS_SANDBOXD_PID"
wait "$SFS_SANDBOXD_PID" 2>/dev/null
sleep 1.2 # let the listing and status caches (1 s) expire
is "$(errno_of "open('$MNT/box/status').read()")" "ENOTCONN" "server gone: ENOTCONN"
like "$(cat "$MNT/.log")" "Couldn't connect|Connection refused|not connected|Transport" ".log says the server is unreachable"
"$SANDBOXD" --listen "127.0.0.1:$SFS_PORT" --state-dir "$SFS_STATE" >"$SFS_TMP/sandboxd2.log" 2>&1 &
SFS_SANDBOXD_PID=$!
wait_line "$SFS_TMP/sandboxd2.log" "listening on" 30
is "$(cat "$MNT/box/status")" "Running" "the mount recovers by itself when the server is back"
echo 'echo back' >"$MNT/box/cmd"
is "$(cat "$MNT/box/stdout")" "back" "and commands run again"
done_testing
