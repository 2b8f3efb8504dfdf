#!/bin/bash
# sandboxfs on a server that answers with what a broken or hostile server could send
# (hostile_server.py): ids that are paths, an endpoint URL with a newline, headers with CR LF,
# quotes and backslashes, a create answer whose id points elsewhere. Nothing of it may reach a
# name, a URL path, a request header or a curl config line.
source "$(dirname "$0")/lib-sandboxfs.sh"
sfs_require
SFS_TMP=$(mktemp -d /tmp/sfs-test.XXXXXX)
on_exit "rm -rf '$SFS_TMP'"
SFS_STATE=$SFS_TMP/state
mkdir -p "$SFS_STATE"
echo hostile-key >"$SFS_STATE/api_key"
HPORT=$(free_port)
SFS_URL=http://127.0.0.1:$HPORT
python3 "$(dirname "$0")/hostile_server.py" "$HPORT" >"$SFS_TMP/hostile.log" 2>&1 &
HPID=$!
on_exit "kill $HPID 2>/dev/null"
for _ in $(seq 100); do curl -s "$SFS_URL/deletes" >/dev/null && break; sleep 0.1; done
mkdir -p "$SFS_TMP/cache" # its own: commands it runs are kept there (no command-list here)
sfs_mount "cache_dir=$SFS_TMP/cache" || { echo "Bail out! sandboxfs did not mount"; exit 1; }

is "$(ls "$MNT" | tr '\n' ' ')" "evil good-2 good-3 good-4 " \
    "ls lists the sandboxes with usable ids only (no '../../etc', 'a/b', '.hidden', '')"
is "$(ls "$MNT/.snapshots" | tr '\n' ' ')" "snap-ok " "so does .snapshots"
is "$(ls -a "$MNT/evil/metadata" | tr '\n' ' ')" ". .. name ok-key " \
    "metadata/ lists the keys that can be file names (no '', '.', '..', 'a/b', 300 bytes)"
is "$(cat "$MNT/evil/metadata/ok-key")" "v" "and reads them"
is "$(errno_of "os.stat('$MNT/evil/metadata/$(printf 'k%.0s' $(seq 300))')")" "ENAMETOOLONG" \
    "a 300-byte key: ENAMETOOLONG"

is "$(errno_of "open('$MNT/evil/endpoints/8000').read()")" "EPROTO" \
    "an endpoint URL with a quote and a newline: EPROTO"
like "$(cat "$MNT/.log")" "endpoint 8000: endpoint answer with characters no URL has" \
    ".log says why"

conf=$(cat "$MNT/evil/endpoints/8001.curl")
like "$conf" 'header = "X-Ok: a \\"quoted\\" \\\\ value"' \
    "a header with quotes and a backslash is one escaped curl config line"
ok $([[ $conf != *upload-file* && $conf != *X-Bad* && $conf != *X-Lf* && $conf != *"Bad Name"* ]] &&
    echo 0 || echo 1) "headers with CR LF, LF or a bad name are left out of PORT.curl"
is "$(grep -c . <<<"$conf")" "2" "PORT.curl is the url line and one header line"
like "$(cat "$MNT/.log")" "header 'X-Bad' left out" ".log names a header left out"
echo=$(curl -s -K "$MNT/evil/endpoints/8001.curl")
is "$(python3 -c 'import json,sys; h=json.load(sys.stdin); print(h.get("X-Ok"), "X-Evil" in h, "X-Bad" in h)' <<<"$echo")" \
    'a "quoted" \ value False False' "curl -K PORT.curl sends the header exactly, and nothing else"

is "$(errno_of "os.write(os.open('$MNT/good-2/cmd', os.O_WRONLY), b'true')")" "ENOTCONN" \
    "execd's header with CR LF: a command fails with ENOTCONN (its execd cannot be used)"
like "$(cat "$MNT/.log")" "execd's header 'X-EXECD-ACCESS-TOKEN' from the server is not a header we can send" \
    ".log says why"

is "$(errno_of "os.write(os.open('$MNT/good-3/cmd', os.O_WRONLY), b'true')")" "EIO" \
    "an execd whose command id is a path: the command write fails with EIO"
like "$(cat "$MNT/.log")" "good-3: cmd: cannot start: Protocol error" ".log says why"
ok $([[ $(curl -s "$SFS_URL/paths") != *victim* ]] && echo 0 || echo 1) \
    "and no request went to where that id points"

echo other >"$MNT/good-4/cmd"
is "$(cat "$MNT/good-4/exit")" "5" \
    "start-wait: an end in the start's stream that names another command is not taken"
is "$(curl -s "$SFS_URL/paths" | python3 -c 'import json,sys; p=json.load(sys.stdin)
s, w = "/execd4/command?wait=30", "/execd4/command/status/c-other?wait=30"
print(s in p and w in p and p.index(s) < p.index(w))')" True \
    "that command's end is asked for instead (status-wait)"
echo own >"$MNT/good-4/cmd"
is "$(cat "$MNT/good-4/exit")" "8" "an end in the start's stream that names the command is taken"
ok $([[ $(curl -s "$SFS_URL/paths") != *status/c-own?wait* ]] && echo 0 || echo 1) \
    "and its watcher sends no status-wait request"
asked() { curl -s "$SFS_URL/paths" | grep -o '"/execd4/command/status/[^"?]*"' | wc -l; }
n=$(asked)
ls "$MNT/good-4/commands" >/dev/null
sleep 0.5 # older than the cached list may be
ls "$MNT/good-4/commands" >/dev/null
cat "$MNT/good-4/exit" "$MNT/good-4/commands/1/exit" >/dev/null
is "$(asked)" "$n" "without command-list: commands known to have ended are not asked about again"

is "$(errno_of "os.mkdir('$MNT/newbox')")" "EIO" "a create answer whose id is a path: EIO"
like "$(cat "$MNT/.log")" "mkdir newbox: the server's answer has no id usable here" ".log says why"
is "$(curl -s "$SFS_URL/deletes")" "[]" "and sandboxfs sent no DELETE to where that id points"
ok $(kill -0 "$SFS_PID" && echo 0 || echo 1) "sandboxfs is still running"
if fusermount3 -u "$MNT"; then # a failed unmount fails the check (the exit cleans up)
    wait "$SFS_PID" 2>/dev/null
    ok $? "it unmounts and exits cleanly (under ASan: without a leak)"
else
    ok 1 "it unmounts and exits cleanly (under ASan: without a leak)"
fi
SFS_PID=
done_testing
