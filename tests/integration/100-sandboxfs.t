#!/bin/bash
# sandboxfs through a real mount, a real sandboxd and real runc sandboxes: lifecycle, commands,
# streams, sessions, endpoints, metadata, templates, errors.
source "$(dirname "$0")/lib-sandboxfs.sh"
sfs_setup


ls_root=$(ls -A "$MNT")
like "$ls_root" "\.templates" "the root lists .templates"
check "mkdir makes a sandbox" mkdir "$MNT/box"
like "$(ls "$MNT")" "(^|$'\n')box($|$'\n')" "ls shows it"
is "$(cat "$MNT/box/status")" "Running" "status is Running once mkdir returned"
id=$(cat "$MNT/box/id")
like "$(api GET "/sandboxes/$id")" "\"id\": *\"$id\"" "id names the server's sandbox"
like "$(cat "$MNT/box/info")" "\"state\": \"Running\"" "info is the sandbox's JSON"
is "$(cat "$MNT/box/image")" "host" "image"
is "$(errno_of "os.mkdir('$MNT/box')")" "EEXIST" "mkdir of an existing sandbox: EEXIST"
is "$(errno_of "os.mkdir('$MNT/bad name')")" "EINVAL" "mkdir of an invalid name: EINVAL"
like "$(cat "$MNT/.log")" "mkdir box" ".log tells what happened"

# Commands and their streams.
echo 'echo hello; echo oops >&2' >"$MNT/box/cmd"
is "$(cat "$MNT/box/stdout")" "hello" "stdout of the latest command"
is "$(cat "$MNT/box/stderr")" "oops" "stderr of the latest command"
is "$(cat "$MNT/box/exit")" "0" "exit reads 0"
like "$(cat "$MNT/box/output")" "hello" "output has both streams"
echo 'exit 3' >"$MNT/box/cmd"
is "$(cat "$MNT/box/exit")" "3" "exit reads the status"
echo 'kill -9 $$' >"$MNT/box/cmd"
is "$(cat "$MNT/box/exit")" "137" "a signal death reads 128+N"
echo 'seq 1 200000' >"$MNT/box/cmd"
is "$(cat "$MNT/box/stdout" | sha256sum)" "$(seq 1 200000 | sha256sum)" "200000 lines arrive byte-exact"
echo "printf 'a\\000b\\377c'" >"$MNT/box/cmd"
is "$(od -An -tx1 "$MNT/box/stdout" | tr -d ' \n')" "610062ff63" "binary output is byte-exact"
echo 'sleep 1; echo late' >"$MNT/box/cmd"
is "$(cat "$MNT/box/stdout")" "late" "a read at the end blocks until more output, then EOF"
echo 'sleep 30' >"$MNT/box/cmd"
is "$(errno_of "fd=os.open('$MNT/box/stdout', os.O_RDONLY|os.O_NONBLOCK); os.read(fd, 10)")" "EAGAIN" "O_NONBLOCK readers get EAGAIN"
is "$(errno_of "fd=os.open('$MNT/box/exit', os.O_RDONLY|os.O_NONBLOCK); os.read(fd, 10)")" "EAGAIN" "O_NONBLOCK exit readers of a running command get EAGAIN"
start=$SECONDS
timeout -s INT 2 cat "$MNT/box/exit" >/dev/null
ok $((SECONDS - start < 15 ? 0 : 1)) "a blocked read is interruptible (SIGINT)"
n=$(ls "$MNT/box/commands" | sort -n | tail -1)
is "$(cat "$MNT/box/commands/$n/status")" "running" "commands/N/status of a running command"
echo TERM >"$MNT/box/commands/$n/ctl"
ok $? "commands/N/ctl takes a signal name"
like "$(cat "$MNT/box/commands/$n/exit")" "^(143|137)$" "the signalled command ended"
is "$(cat "$MNT/box/commands/1/stdout")" "hello" "commands/1 keeps the first command's output"
is "$(cat "$MNT/box/commands/1/cmd")" "echo hello; echo oops >&2" "commands/1/cmd"
is "$(errno_of "os.write(os.open('$MNT/box/cmd', os.O_WRONLY), b'x' * 70000)")" "EFBIG" "a command over 64 KiB: EFBIG"
is "$(errno_of "os.write(os.open('$MNT/box/cmd', os.O_WRONLY), b'  \\n')")" "EINVAL" "a blank command: EINVAL"
echo 'Xvfb_like() { sleep 300; }; Xvfb_like' >"$MNT/box/cmd"
echo 'echo second' >"$MNT/box/cmd"
is "$(cat "$MNT/box/stdout")" "second" "a long-running command keeps running while the next starts"

# Metadata, ctl, expires.
echo platform >"$MNT/box/metadata/team"
is "$(cat "$MNT/box/metadata/team")" "platform" "metadata/KEY write sets"
like "$(api GET "/sandboxes/$id")" '"team": *"platform"' "the server has it"
rm "$MNT/box/metadata/team"
ok $? "rm metadata/KEY"
unlike_team=$(api GET "/sandboxes/$id")
ok $([[ $unlike_team != *'"team"'* ]] && echo 0 || echo 1) "the key is gone on the server"
echo pause >"$MNT/box/ctl"
is "$(cat "$MNT/box/status")" "Paused" "ctl pause"
is "$(errno_of "os.write(os.open('$MNT/box/cmd', os.O_WRONLY), b'true')")" "EAGAIN" "a command in a paused sandbox: EAGAIN"
echo resume >"$MNT/box/ctl"
is "$(cat "$MNT/box/status")" "Running" "ctl resume"
is "$(errno_of "os.write(os.open('$MNT/box/ctl', os.O_WRONLY), b'explode')")" "EINVAL" "an unknown ctl verb: EINVAL"
is "$(cat "$MNT/box/expires")" "none" "a sandbox without timeout never expires"
is "$(errno_of "os.write(os.open('$MNT/box/expires', os.O_WRONLY), b'+30m')")" "EBUSY" "the server refuses to renew a sandbox without timeout: EBUSY"

# Sessions.
check "mkdir sessions/S" mkdir "$MNT/box/sessions/s1"
echo 'cd /tmp && export GREETING=hi' >"$MNT/box/sessions/s1/cmd"
is "$(cat "$MNT/box/sessions/s1/exit")" "0" "a session run ends"
echo 'pwd; echo $GREETING' >"$MNT/box/sessions/s1/cmd"
is "$(cat "$MNT/box/sessions/s1/stdout")" "/tmp
hi" "cwd and exported env persist in a session"
echo 'echo out; echo err >&2; echo out2' >"$MNT/box/sessions/s1/cmd"
is "$(cat "$MNT/box/sessions/s1/stdout")|$(cat "$MNT/box/sessions/s1/stderr")" "out
out2|err" "a session run's stderr is its own (session-stderr)"
is "$(ls "$MNT/box/sessions/s1" | tr '\n' ' ')" "cmd exit stderr stdout " "a session's files"
echo 'exit 4' >"$MNT/box/sessions/s1/cmd"
is "$(cat "$MNT/box/sessions/s1/exit")" "4" "a session run's exit status"
echo 'sleep 2' >"$MNT/box/sessions/s1/cmd"
watch_attrib "$MNT/box/sessions/s1/exit"
wait $W
ok $? "a watch on a session's exit wakes when its run ends"
sfs_unmount
sfs_mount
is "$(ls "$MNT/box/sessions")" "s1" "after a remount the session is still there (kept in metadata)"
echo 'echo $GREETING from $(pwd)' >"$MNT/box/sessions/s1/cmd"
is "$(cat "$MNT/box/sessions/s1/stdout")" "hi from /tmp" "and keeps its env and cwd"
check "rmdir sessions/S" rmdir "$MNT/box/sessions/s1"
is "$(ls "$MNT/box/sessions")" "" "rmdir ended it"

# Endpoints.
echo 'exec python3 -m http.server 8000 --bind 127.0.0.1 --directory /etc' >"$MNT/box/cmd"
url=$(cat "$MNT/box/endpoints/8000")
like "$url" "^http://.*8000" "endpoints/PORT prints a URL"
body=$(curl -s --retry 20 --retry-connrefused --retry-all-errors --retry-delay 1 "$url/hostname")
ok $([[ -n $body ]] && echo 0 || echo 1) "the URL reaches the port inside the sandbox"
like "$(ls "$MNT/box/endpoints")" "8000" "ls endpoints lists the looked-up ports"
like "$(cat "$MNT/box/endpoints/8000.curl")" "^url = " "PORT.curl is a curl config"
like "$(curl -s -K "$MNT/box/endpoints/8000.curl")" "hostname" \
    "curl -K endpoints/PORT.curl reaches the port (a listing of the sandbox's /etc)"
like "$(cat "$MNT/box/endpoints/44772.curl")" 'header = "X-EXECD-ACCESS-TOKEN: [0-9a-f]+"' \
    "a header the server requires is a header line of PORT.curl"
without=$(curl -s -o /dev/null -w '%{http_code}' "$(cat "$MNT/box/endpoints/44772")/ping")
with=$(curl -s -o /dev/null -w '%{http_code}' -K "$MNT/box/endpoints/44772.curl")
is "$without $with" "401 404" "curl -K 44772.curl gets past execd's token check (404 for /, 401 without)"

# files/ link, .log, templates, SDK-made sandboxes.
is "$(readlink "$MNT/box/files")" "../.files/box" "files is a link into .files"
like "$(ls "$MNT/box/files/")" "etc" "files/ shows the sandbox's root"
printf 'image=host\nenv=FLAVOUR=py\ntimeout=10m\n' >"$MNT/.templates/py"
check "mkdir NAME.py uses template py" mkdir "$MNT/b7.py"
echo 'echo $FLAVOUR' >"$MNT/b7.py/cmd"
is "$(cat "$MNT/b7.py/stdout")" "py" "the template's env reached the sandbox"
before=$(cat "$MNT/b7.py/expires")
like "$before" "^20[0-9][0-9]-" "a template's timeout sets expires"
echo '+30m' >"$MNT/b7.py/expires"
ok $? "expires takes +30m"
ok $([[ $(cat "$MNT/b7.py/expires") > $before ]] && echo 0 || echo 1) "expires moved later"
echo 'renew 2h' >"$MNT/b7.py/ctl"
ok $? "ctl renew 2h"
printf 'image=host\nbogus line\n' >"$MNT/.templates/broken"
is "$(errno_of "os.mkdir('$MNT/broken')")" "EINVAL" "an invalid template: EINVAL"
like "$(cat "$MNT/.log")" "template broken" ".log names the broken template"
# commands/ follows execd's list as it changes (read as changes since the last read): a command
# another client started shows up, the oldest go when execd forgets them (here it keeps 8).
printf 'image=host\nenv=EXECD_MAX_RECORDS=8\n' >"$MNT/.templates/recs"
check "mkdir few.recs" mkdir "$MNT/few.recs"
R=$MNT/few.recs
for i in 1 2 3; do echo "echo $i" >"$R/cmd"; cat "$R/exit" >/dev/null; done
is "$(ls "$R/commands" | sort -n | tr '\n' ' ')" "1 2 3 " "commands/ of the mount's own commands"
api GET "/sandboxes/$(cat "$R/id")/endpoints/44772" >"$SFS_TMP/ep"
eurl=http://$(python3 -c 'import json,sys; print(json.load(sys.stdin)["endpoint"])' <"$SFS_TMP/ep")
etok=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["headers"]["X-EXECD-ACCESS-TOKEN"])' <"$SFS_TMP/ep")
foreign() { # foreign CMD: starts CMD through execd's API and waits for its end
    local fid
    fid=$(curl -s -XPOST -H "X-EXECD-ACCESS-TOKEN: $etok" "$eurl/command" -d "{\"command\":\"$1\",\"background\":true}" | head -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["text"])')
    curl -s -H "X-EXECD-ACCESS-TOKEN: $etok" "$eurl/command/status/$fid?wait=10" >/dev/null
}
foreign "echo foreign"
for _ in $(seq 1 50); do [[ -e $R/commands/4 ]] && break; sleep 0.1; done
is "$(cat "$R/commands/4/cmd")|$(cat "$R/commands/4/stdout")|$(cat "$R/stdout")" "echo foreign|foreign|foreign" "a command started by another client shows up, as the latest"
foreign "echo theirs"
echo 'echo mine' >"$R/cmd"
cat "$R/exit" >/dev/null
sleep 0.5 # past the list's cache (0.3 s): the next read applies execd's changes to it
is "$(cat "$R/stdout")|$(cat "$R/commands/5/cmd")|$(cat "$R/commands/6/cmd")" "mine|echo theirs|echo mine" "a command started here right after another client's: both in start order, ours the latest"
for i in $(seq 5 12); do echo "echo $i" >"$R/cmd"; cat "$R/exit" >/dev/null; done
for _ in $(seq 1 50); do [[ -e $R/commands/9 ]] || break; sleep 0.1; done
is "$(ls "$R/commands" | sort -n | tr '\n' ' ')|$(cat "$R/commands/1/cmd")|$(cat "$R/commands/8/stdout")" "1 2 3 4 5 6 7 8 |echo 5|12" "the commands execd forgot are gone, the rest renumbered"
want=$(curl -s -H "X-EXECD-ACCESS-TOKEN: $etok" "$eurl/command/list" | python3 -c 'import json,sys; print(" ".join(c["content"].split()[1] for c in json.load(sys.stdin)))')
is "$(for n in $(seq 1 8); do cat "$R/commands/$n/stdout"; done | tr '\n' ' ')" "$want " "commands/ is execd's list, in order"
api POST /sandboxes '{"image":{"uri":"host"},"entrypoint":["tail","-f","/dev/null"],"resourceLimits":{"cpu":"1","memory":"512Mi"},"metadata":{"name":"sdkbox"}}' >/dev/null
for _ in $(seq 1 50); do [[ -d $MNT/sdkbox ]] && break; sleep 0.2; done
ok $([[ -d $MNT/sdkbox ]] && echo 0 || echo 1) "a sandbox made through the API shows by its name"
check "rmdir deletes a sandbox" rmdir "$MNT/b7.py"
ok $([[ ! -e $MNT/b7.py ]] && echo 0 || echo 1) "and it is gone"
done_testing
