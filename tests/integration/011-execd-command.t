#!/bin/bash
# execd: POST /command (foreground and background), status, logs, interrupt, bad input.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-execd.sh"
plan 38

ex_start
ev=$(run_fg '{"command":"echo Hello OpenSandbox E2E"}')
is "$ev" '{"text":"ID","type":"init"}
{"text":"Hello OpenSandbox E2E","type":"stdout"}
{"type":"execution_complete"}' "echo: init, one stdout event without newline, complete"

ev=$(run_fg '{"command":"printf '"'"'a\\n\\nb\\n\\n\\nc\\n'"'"'"}' | python3 -c 'import sys,json; print(json.dumps([json.loads(l).get("text") for l in sys.stdin if "stdout" in l]))')
like "$ev" '\["a", "\\n", "b", "\\n", "\\n", "c"\]$' "blank lines are sent as \"\\n\" (upstream regression case)"

ev=$(run_fg '{"command":"printf '"'"'x\\r\\ny\\rz'"'"'"}' | python3 -c 'import sys,json; print(json.dumps([json.loads(l).get("text") for l in sys.stdin if "stdout" in l]))')
is "$ev" '["x", "y", "z"]' "CRLF is one terminator, CR ends a line, a partial last line is flushed"

ev=$(run_fg '{"command":"nonexistent-command-xyz"}')
like "$ev" '"type":"stderr"' "failure: stderr event"
like "$ev" 'nonexistent-command-xyz' "stderr names the command"
like "$ev" '\{"error":\{"ename":"CommandExecError","evalue":"127","traceback":\["exit status 127"\]\},"type":"error"\}$' "failure ends with error evalue 127"
[[ $ev != *execution_complete* ]]; ok $? "no execution_complete after an error"

# The child reports a failed exec itself (its errno through the report pipe): here an
# environment value over the kernel's 128 KiB limit per string.
printf '{"command":"true","envs":{"BIG":"%s"}}' "$(head -c 200000 /dev/zero | tr '\0' x)" >"$EX_TMP/big.json"
ev=$(ex -N -XPOST "$EX_URL/command" -H 'Content-Type: application/json' -d @"$EX_TMP/big.json" | sse_events)
like "$ev" '"evalue":"fork/exec /bin/[a-z]*: Argument list too long"' "a failed exec is the command's error (E2BIG)"

is "$(run_fg '{"command":"pwd","cwd":"/tmp"}' | sed -n 2p)" '{"text":"/tmp","type":"stdout"}' "cwd"
is "$(status -XPOST "$EX_URL/command" -d '{"command":"pwd","cwd":"/does/not/exist"}')" 400 "missing cwd: 400"
is "$(run_fg '{"command":"echo $FOO-$BAR","envs":{"FOO":"f o","BAR":"b"}}' | sed -n 2p)" '{"text":"f o-b","type":"stdout"}' "envs injected"
like "$(run_fg '{"command":"id -u","uid":65534,"gid":65534,"cwd":"/"}' | sed -n 2p)" '"text":"65534"' "uid/gid"
like "$(run_fg '{"command":"kill -TERM $$"}' | tail -1)" '"evalue":"-1","traceback":\["signal: terminated"\]' "signal death: evalue -1 as upstream"
like "$(run_fg '{"command":"sleep 30","timeout":300}' | tail -1)" '"traceback":\["signal: killed"\]' "timeout kills the command"

# Headers: X-Command-Id equals the init id.
hdr=$(ex -D - -o "$EX_TMP/body" -XPOST "$EX_URL/command" -d '{"command":"true"}' | tr -d '\r' | sed -n 's/^X-Command-Id: //p')
init=$(head -1 "$EX_TMP/body" | jq_py 'd["text"]')
is "$hdr" "$init" "X-Command-Id header equals the init id"
like "$(ex -D - -o /dev/null -XPOST "$EX_URL/command" -d '{"command":"true"}' | tr -d '\r')" 'Content-Type: text/event-stream' "SSE content type"

# Background: init + complete at once; status and logs.
mkfifo "$EX_TMP/fifo"
ex -N -XPOST "$EX_URL/command" -d '{"command":"echo one; echo two >&2; read x < '"$EX_TMP"'/fifo; echo three","background":true}' >"$EX_TMP/bg"
is "$(sse_events <"$EX_TMP/bg")" '{"text":"ID","type":"init"}
{"type":"execution_complete"}' "background: init then execution_complete"
id=$(head -1 "$EX_TMP/bg" | jq_py 'd["text"]')
st=$(ex "$EX_URL/command/status/$id")
is "$(echo "$st" | jq_py '[d["id"], d["running"], "exit_code" in d, "finished_at" in d]')" "[\"$id\",true,false,false]" "status while running"
like "$(echo "$st" | jq_py 'd["started_at"]')" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]+)?Z$' "started_at is RFC3339"
is "$(ex "$EX_URL/command/status/$id?wait=1" | jq_py 'd["running"]')" true "status-wait: times out while running"
is "$(status "$EX_URL/command/status/$id?wait=61")" 400 "status-wait: more than 60 s is a 400"
ex "$EX_URL/command/status/$id?wait=30" >"$EX_TMP/waited" &
waiter=$!
echo go > "$EX_TMP/fifo"
wait $waiter
is "$(jq_py '[d["running"], d["exit_code"]]' <"$EX_TMP/waited")" '[false,0]' "status-wait: answers at the command's end"
ex -o /dev/null "$EX_URL/command/$id/output?follow=1"
ex -D "$EX_TMP/h" -o "$EX_TMP/logs" "$EX_URL/command/$id/logs"
is "$(sort "$EX_TMP/logs" | tr '\n' ,)" "one,three,two," "logs: both streams"
is "$(tr -d '\r' < "$EX_TMP/h" | sed -n 's/^EXECD-COMMANDS-TAIL-CURSOR: //ip')" 14 "tail cursor header = byte offset"
is "$(ex "$EX_URL/command/$id/logs?cursor=4" | wc -c)" 10 "logs from a cursor"
is "$(ex -D - -o /dev/null "$EX_URL/command/$id/logs?cursor=99" | tr -d '\r' | grep -i -e '^content-length' -e '^execd-commands-tail-cursor' | tr '\n' ,)" "EXECD-COMMANDS-TAIL-CURSOR: 14,Content-Length: 0," "cursor past the end: empty"
st=$(ex "$EX_URL/command/status/$id")
is "$(echo "$st" | jq_py '[d["running"], d["exit_code"], "finished_at" in d]')" '[false,0,true]' "status after the end"
# start-wait: a background start with ?wait= holds its stream until the command ended, and tells
# the end with a status event (the status record) before execution_complete.
events() { python3 -c 'import sys,json
evs=[json.loads(l) for l in sys.stdin if l.strip()]
st=[e["status"] for e in evs if e["type"]=="status"]
print(",".join(e["type"] for e in evs), *[[s["id"]==evs[0]["text"], s["running"], s["exit_code"]] for s in st])'; }
is "$(ex -N -XPOST "$EX_URL/command?wait=10" -d '{"command":"sleep 0.2; exit 3","background":true}' | events)" \
    "init,ping,status,execution_complete [True, False, 3]" "start-wait: the status record of the end"
is "$(ex -N -XPOST "$EX_URL/command?wait=1" -d '{"command":"sleep 3","background":true}' | events)" \
    "init,ping,execution_complete" "start-wait: no status event when the time is up first"
is "$(status -XPOST "$EX_URL/command?wait=61" -d '{"command":"true","background":true}')" 400 \
    "start-wait: more than 60 s is a 400"
fg=$(run_fg '{"command":"true"}'; ex "$EX_URL/command/list" | jq_py '[c["id"] for c in d if not c["background"]][-1]')
is "$(status "$EX_URL/command/$(echo "$fg" | tail -1)/logs")" 400 "logs of a foreground command: 400"
is "$(status "$EX_URL/command/status/0123456789abcdef0123456789abcdef")" 404 "status of an unknown id: 404"

# Interrupt.
bg=$(ex -N -XPOST "$EX_URL/command" -d '{"command":"sleep 60","background":true}' | head -1 | jq_py 'd["text"]')
is "$(status -XDELETE "$EX_URL/command?id=$bg")" 200 "interrupt: 200"
is "$(ex "$EX_URL/command/status/$bg" | jq_py '[d["running"], d["exit_code"]]')" '[false,143]' "interrupted: exit_code 128+15"
is "$(ex -XDELETE "$EX_URL/command?id=$bg" | jq_py 'd["code"]')" RUNTIME_ERROR "interrupt of a finished command: RUNTIME_ERROR"
is "$(status -XDELETE "$EX_URL/command")" 400 "interrupt without id: 400"

# Bad input.
is "$(ex -XPOST "$EX_URL/command" -d '{"command":' | jq_py 'd["code"]')" INVALID_REQUEST_BODY "malformed JSON: 400 INVALID_REQUEST_BODY"
is "$(status -XPOST "$EX_URL/command" -d '{"cwd":"/"}')" 400 "missing command: 400"
