#!/bin/bash
# execd: /code, /pty, client disconnects, and the concurrent command cap.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-execd.sh"
plan 9

ex_start --max-commands 2
is "$(ex -N -XPOST "$EX_URL/code" -d '{"code":"echo from code"}' | sse_events)" '{"text":"ID","type":"init"}
{"text":"from code","type":"stdout"}
{"type":"execution_complete"}' "/code without a language runs a command"
r=$(ex -XPOST "$EX_URL/code" -d '{"code":"1+1","context":{"language":"python"}}')
like "$r" '"code":"RUNTIME_ERROR","message":"language runtime server not configured' "/code with a language: clear error"
is "$(status -XPOST "$EX_URL/code" -d '{}')" 400 "/code without code: 400"
is "$(ex "$EX_URL/code/contexts" | jq_py 'd["code"]')" RUNTIME_ERROR "contexts: clear error"
is "$(status -XPOST "$EX_URL/pty" -d '{}')" 501 "/pty: 501 NOT_SUPPORTED"

# A client that disconnects does not stop a foreground command; its output is all spooled.
mkfifo "$EX_TMP/go"
# A client that reads the headers and the init event, then hangs up.
id=$(python3 - "$EX_PORT" "$EX_TMP/go" <<'PY'
import socket, sys, json
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
body = json.dumps({"command": "read x < %s; seq 1 20000" % sys.argv[2]})
s.sendall(("POST /command HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)).encode())
data = b""
while b"init" not in data:
    data += s.recv(4096)
s.close()
for line in data.decode().split("\r\n"):
    if line.lower().startswith("x-command-id:"):
        print(line.split(":", 1)[1].strip())
PY
)
echo go > "$EX_TMP/go"
is "$(ex "$EX_URL/command/$id/stdout?follow=1" | md5sum)" "$(seq 1 20000 | md5sum)" "client gone: the command ran on, output complete"

# The cap on concurrent commands.
mkfifo "$EX_TMP/go1" "$EX_TMP/go2"
ex -N -XPOST "$EX_URL/command" -d '{"command":"read x < '"$EX_TMP"'/go1","background":true}' -o /dev/null
ex -N -XPOST "$EX_URL/command" -d '{"command":"read x < '"$EX_TMP"'/go2","background":true}' -o /dev/null
is "$(status -XPOST "$EX_URL/command" -d '{"command":"true"}')" 429 "past --max-commands: 429"
echo go > "$EX_TMP/go1"
echo go > "$EX_TMP/go2"
until_done() { ex "$EX_URL/command/list" | jq_py 'sum(c["running"] for c in d)'; }
for id in $(ex "$EX_URL/command/list" | jq_py '" ".join(c["id"] for c in d if c["running"])'); do
    ex -o /dev/null "$EX_URL/command/$id/output?follow=1"
done
is "$(until_done)" 0 "both finished"
is "$(status -XPOST "$EX_URL/command" -d '{"command":"true"}')" 200 "room again after they ended"
