#!/bin/bash
# execd: bash sessions (cwd and exported env persist between runs).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-execd.sh"
plan 15

ex_start
mkdir -p "$EX_TMP/work"
sid=$(ex -XPOST "$EX_URL/session" -d "{\"cwd\":\"$EX_TMP/work/sub\"}" | jq_py 'd["session_id"]')
like "$sid" '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' "create: a UUID"
[[ -d $EX_TMP/work/sub ]]; ok $? "create: cwd made with mkdir -p"
run() { ex -N -XPOST "$EX_URL/session/$sid/run" -d "$1" | sse_events; }
is "$(run '{"command":"pwd"}')" "{\"text\":\"$sid\",\"type\":\"init\"}
{\"text\":\"$EX_TMP/work/sub\",\"type\":\"stdout\"}
{\"type\":\"execution_complete\"}" "run: init text is the session id, cwd applies"
run '{"command":"export GREETING=\"hi there\"; cd ..; NOTEXPORTED=1"}' >/dev/null
is "$(run '{"command":"echo \"$GREETING|$NOTEXPORTED\"; pwd"}' | grep stdout | tr '\n' ' ')" \
    "{\"text\":\"hi there|\",\"type\":\"stdout\"} {\"text\":\"$EX_TMP/work\",\"type\":\"stdout\"} " "exported env and cwd persist, plain vars do not"
is "$(run '{"command":"echo out; echo err >&2; echo; echo x"}' | grep stdout | tr '\n' ' ')" \
    '{"text":"out","type":"stdout"} {"text":"err","type":"stdout"} {"text":"x","type":"stdout"} ' "stderr merged into stdout, empty lines dropped"
is "$(run '{"command":"echo out; echo err >&2","separate_stderr":true}' | grep -E 'stdout|stderr' | sort | tr '\n' ' ')" \
    '{"text":"err","type":"stderr"} {"text":"out","type":"stdout"} ' "separate_stderr (session-stderr): stderr events of its own"
is "$(status -XPOST "$EX_URL/session/$sid/run" -d '{"command":"true","separate_stderr":1}')" 400 "separate_stderr must be a boolean"
is "$(run '{"command":"export KEEP=1; exit 7"}' | tail -1)" \
    '{"error":{"ename":"CommandExecError","evalue":"7","traceback":["exit status 7"]},"type":"error"}' "exit 7: error event with evalue 7"
is "$(run '{"command":"echo $KEEP"}' | sed -n 2p)" '{"text":"1","type":"stdout"}' "env exported before exit persists"
is "$(run '{"command":"pwd","cwd":"/tmp"}' | sed -n 2p)" '{"text":"/tmp","type":"stdout"}' "per-run cwd override"
is "$(run '{"command":"printf \"a'"'"'b\"; echo"}' | sed -n 2p)" "{\"text\":\"a'b\",\"type\":\"stdout\"}" "quotes survive"
is "$(ex "$EX_URL/command/list" | jq_py 'len(d)')" 0 "session runs are not in the command list"
is "$(ex -XPOST "$EX_URL/session/nope/run" -d '{"command":"true"}' | jq_py 'd["code"]')" RUNTIME_ERROR "unknown session: RUNTIME_ERROR"
is "$(status -XDELETE "$EX_URL/session/$sid")" 200 "delete: 200"
is "$(ex -XDELETE "$EX_URL/session/$sid" | jq_py 'd["code"]')" CONTEXT_NOT_FOUND "delete again: CONTEXT_NOT_FOUND"
