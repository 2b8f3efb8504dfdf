#!/bin/bash
# execd extensions: /command/list and raw stdout/stderr/output reads (offset, follow).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-execd.sh"
plan 32

ex_start
# Binary-safe: every byte value, on stdout, a different payload on stderr.
ex -N -XPOST "$EX_URL/command" -D "$EX_TMP/h" -o /dev/null \
    -d '{"command":"head -c 300000 /dev/urandom > '"$EX_TMP"'/bin; cat '"$EX_TMP"'/bin; printf E >&2"}'
id=$(tr -d '\r' < "$EX_TMP/h" | sed -n 's/^X-Command-Id: //p')
ex -o "$EX_TMP/got" "$EX_URL/command/$id/stdout"
cmp -s "$EX_TMP/bin" "$EX_TMP/got"; ok $? "stdout is byte-exact (300000 random bytes)"
is "$(ex "$EX_URL/command/$id/stderr")" E "stderr separately"
is "$(ex "$EX_URL/command/$id/output" | wc -c)" 300001 "output = stdout + stderr"
ex -o "$EX_TMP/tail" "$EX_URL/command/$id/stdout?offset=299990"
cmp -s <(tail -c 10 "$EX_TMP/bin") "$EX_TMP/tail"; ok $? "read from an offset"
hd=$(ex -D - -o /dev/null "$EX_URL/command/$id/stdout?offset=5" | tr -d '\r')
like "$hd" 'X-Output-Length: 300000' "X-Output-Length header"
like "$hd" 'X-Command-Running: false' "X-Command-Running: false"
like "$hd" 'Content-Type: application/octet-stream' "octet-stream"
is "$(ex "$EX_URL/command/$id/stdout?offset=999999" | wc -c)" 0 "offset past the end: empty 200"
is "$(status "$EX_URL/command/0123456789abcdef0123456789abcdef/stdout")" 404 "unknown id: 404"
is "$(ex "$EX_URL/command/0123456789abcdef0123456789abcdef/stdout" | jq_py 'd["code"]')" INVALID_REQUEST_BODY "unknown id: INVALID_REQUEST_BODY"
is "$(status "$EX_URL/command/$id/stdout?offset=-1")" 400 "negative offset: 400"

# follow=1 streams until the end, also for a reader that starts before the output exists.
mkfifo "$EX_TMP/go"
ex -N -XPOST "$EX_URL/command" -d '{"command":"read x < '"$EX_TMP"'/go; for i in 1 2 3; do echo line$i; done","background":true}' >"$EX_TMP/bg"
bid=$(head -1 "$EX_TMP/bg" | jq_py 'd["text"]')
ex -N "$EX_URL/command/$bid/stdout?follow=1" -D "$EX_TMP/fh" -o "$EX_TMP/follow" &
fpid=$!
wait_line "$EX_TMP/fh" "X-Command-Running: true"
ok $? "follow: headers sent while running"
echo go > "$EX_TMP/go"
wait $fpid
is "$(cat "$EX_TMP/follow")" $'line1\nline2\nline3' "follow: every byte, then the end"
is "$(ex "$EX_URL/command/$bid/stdout?follow=1&offset=6")" $'line2\nline3' "follow of a finished command from an offset"

# output interleaves the streams in arrival order; reads from any offset (inside a run, at a
# switch of stream) and the upstream logs cursor agree with the whole.
ex -N -XPOST "$EX_URL/command" -d '{"command":"for i in $(seq 1 40); do echo o$i; sleep 0.002; echo e$i >&2; sleep 0.002; done","background":true}' >"$EX_TMP/ibg"
iid=$(head -1 "$EX_TMP/ibg" | jq_py 'd["text"]')
ex -N "$EX_URL/command/$iid/output?follow=1" -o "$EX_TMP/ifollow"
ex -o "$EX_TMP/iout" "$EX_URL/command/$iid/output"
cmp -s "$EX_TMP/iout" "$EX_TMP/ifollow"; ok $? "output: a follower and a later read get the same bytes"
is "$(grep o "$EX_TMP/iout")" "$(ex "$EX_URL/command/$iid/stdout")" "output: the stdout lines in order"
is "$(grep e "$EX_TMP/iout")" "$(ex "$EX_URL/command/$iid/stderr")" "output: the stderr lines in order"
len=$(wc -c < "$EX_TMP/iout")
bad=0
for k in 0 1 3 4 5 9 10 17 100 $((len / 2)) $((len - 4)) $((len - 1)); do
    cmp -s <(tail -c +$((k + 1)) "$EX_TMP/iout") <(ex "$EX_URL/command/$iid/output?offset=$k") || bad=$((bad + 1))
    cmp -s <(tail -c +$((k + 1)) "$EX_TMP/iout") <(ex "$EX_URL/command/$iid/output?offset=$k&follow=1") || bad=$((bad + 1))
done
is "$bad" 0 "output from 12 offsets, plain and followed: the tail of the whole"
cmp -s <(tail -c +18 "$EX_TMP/iout") <(ex "$EX_URL/command/$iid/logs?cursor=17"); ok $? "logs from a cursor: the same bytes"

# Truncation at the spool cap.
kill $EX_PID; wait $EX_PID 2>/dev/null
ex_start --spool-cap 1000
ex -N -XPOST "$EX_URL/command" -D "$EX_TMP/h2" -o /dev/null -d '{"command":"head -c 5000 /dev/zero"}'
id=$(tr -d '\r' < "$EX_TMP/h2" | sed -n 's/^X-Command-Id: //p')
hd=$(ex -D - -o "$EX_TMP/cap" "$EX_URL/command/$id/stdout" | tr -d '\r')
like "$hd" 'X-Output-Truncated: true' "past the cap: X-Output-Truncated"
is "$(wc -c < "$EX_TMP/cap")" 1000 "past the cap: cap bytes kept"

# The list.
l=$(ex "$EX_URL/command/list" | jq_py '[(c["id"], c["content"], c["running"], c["exit_code"], c["background"], c["stdout_bytes"], c["stderr_bytes"], c["output_bytes"], "finished_at" in c) for c in d]')
is "$l" "[[\"$id\",\"head -c 5000 /dev/zero\",false,0,false,1000,0,1000,true]]" "command list fields"

# The list as the changes since a state of it (?since=SEQ&epoch=E): records that changed (or
# run), ids evicted; applied to the earlier list they give the whole list.
kill $EX_PID; wait $EX_PID 2>/dev/null
ex_start --max-records 16
start_bg() { ex -N -XPOST "$EX_URL/command" -d "{\"command\":\"$1\",\"background\":true}" | head -1 | jq_py 'd["text"]'; }
ended() { ex "$EX_URL/command/status/$1?wait=10" >/dev/null; }
list_since() { ex "$EX_URL/command/list?since=$1&epoch=$2"; }
a=$(start_bg true); ended "$a"
ex "$EX_URL/command/list?since=0" >"$EX_TMP/l0"
read -r epoch seq0 < <(jq_py 'd["epoch"] + " " + str(d["seq"])' <"$EX_TMP/l0")
is "$(jq_py '[d["full"], [c["id"] for c in d["records"]], d["removed"]]' <"$EX_TMP/l0")" "[true,[\"$a\"],[]]" "since=0: the whole list, with its epoch and sequence"
is "$(list_since "$seq0" "$epoch" | jq_py '[d["full"], d["seq"] == '"$seq0"', d["records"], d["removed"]]')" '[false,true,[],[]]' "nothing changed: an empty change"
mkfifo "$EX_TMP/go2"
b=$(start_bg "read x < $EX_TMP/go2; echo done")
list_since "$seq0" "$epoch" >"$EX_TMP/l1"
is "$(jq_py '[(c["id"], c["running"]) for c in d["records"]]' <"$EX_TMP/l1")" "[[\"$b\",true]]" "a new command is in the change"
seq1=$(jq_py 'd["seq"]' <"$EX_TMP/l1")
is "$(list_since "$seq1" "$epoch" | jq_py '[c["id"] for c in d["records"]]')" "[\"$b\"]" "a running command is in every change (its byte counts move)"
echo go >"$EX_TMP/go2"; ended "$b"
is "$(list_since "$seq1" "$epoch" | jq_py '[(c["id"], c["running"], c["exit_code"], c["stdout_bytes"]) for c in d["records"]]')" "[[\"$b\",false,0,5]]" "its end is a change"
seq2=$(list_since 0 x | jq_py 'd["seq"]')
ex "$EX_URL/command/list" >"$EX_TMP/before"
for i in $(seq 20); do c=$(start_bg "echo $i"); ended "$c"; done
list_since "$seq2" "$epoch" >"$EX_TMP/delta"
ex "$EX_URL/command/list" >"$EX_TMP/after"
merged=$(python3 - "$EX_TMP/before" "$EX_TMP/delta" <<'PY'
import json, sys
cached, delta = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
changed = {r["id"]: r for r in delta["records"]}
out = [changed.pop(r["id"], r) for r in cached if r["id"] not in delta["removed"]]
out += [r for r in delta["records"] if r["id"] in changed]
print(json.dumps([len(delta["removed"]), out], sort_keys=True, separators=(",", ":")))
PY
)
is "$merged" "[6,$(jq_py 'd' <"$EX_TMP/after")]" "20 more commands with 16 records: 6 evicted; the change applied to the old list is the new list"
is "$(list_since "$seq2" bogus | jq_py 'd["full"]')" true "another epoch (a restarted execd): the whole list"
is "$(list_since 999999 "$epoch" | jq_py 'd["full"]')" true "a sequence from the future: the whole list"
for i in $(seq 130); do c=$(start_bg true); done; ended "$c"
is "$(list_since "$seq2" "$epoch" | jq_py '[d["full"], len(d["records"])]')" '[true,16]' "more evictions since than execd remembers: the whole list"
is "$(status "$EX_URL/command/list?since=-5")" 400 "a negative since: 400"
