# Helpers for execd integration tests. Source after lib.sh.
# ex_start [EXECD ARGS...]: starts execd on a free port with a private spool dir; sets
# EX_URL, EX_PORT, EX_PID, EX_LOG (its stderr) and EX_TMP (a private temp dir, removed at exit).
# Prefer the system python3: a pyenv shim costs ~0.7 s per call.
[[ -x /usr/bin/python3 ]] && PATH=/usr/bin:$PATH
EX_TMP=$(mktemp -d /tmp/execd-test.XXXXXX)
on_exit "rm -rf '$EX_TMP'"

ex_start() {
    EX_PORT=$(free_port)
    mkdir -p "$EX_TMP/spool"
    # stdout goes to a file too: children inherit it and must never hold prove's pipe.
    EX_LOG=$EX_TMP/execd.$EX_PORT.log
    "$EXECD" --listen "127.0.0.1:$EX_PORT" --spool-dir "$EX_TMP/spool" "$@" >"$EX_TMP/execd.out" 2>"$EX_LOG" &
    EX_PID=$!
    on_exit "ex_stop $EX_PID '$EX_LOG'"
    EX_URL="http://127.0.0.1:$EX_PORT"
    wait_line "$EX_LOG" "listening on" || { echo "# execd did not start"; cat "$EX_LOG"; exit 1; }
}

# ex_stop PID [LOG]: SIGTERM (execd kills its commands and, as init, forwards it to the
# entrypoint), SIGKILL after 5 s. A sanitizer report in the log fails the test (an extra
# "not ok" breaks the plan).
ex_stop() {
    if kill -TERM "$1" 2>/dev/null; then
        timeout 5 tail --pid="$1" -f /dev/null
        kill -KILL "$1" 2>/dev/null
        wait "$1" 2>/dev/null
    fi
    if [[ -n ${2:-} ]] && grep -q -e 'ERROR: AddressSanitizer' -e 'runtime error:' "$2" 2>/dev/null; then
        echo "not ok - execd sanitizer report"
        sed 's/^/# /' "$2" | head -40
    fi
}

# ex CURL-ARGS... PATH: curl against execd (body on stdout).
ex() { curl -sS --max-time 30 "$@"; }

# status CURL-ARGS...: prints only the HTTP status code.
status() { curl -sS --max-time 30 -o /dev/null -w '%{http_code}' "$@"; }

# sse_events: reads an upstream event stream on stdin; prints one compact JSON per event,
# dropping pings and timestamps (deterministic).
sse_events() {
    python3 -c '
import json, sys
data = sys.stdin.read()
assert data.endswith("\n\n") or data == "", "stream does not end with a blank line"
for block in data.split("\n\n"):
    if not block:
        continue
    assert "\n" not in block, "an event spans several lines: %r" % block
    ev = json.loads(block)
    if ev.get("type") == "ping":
        continue
    ev.pop("timestamp", None)
    ev.pop("execution_time", None)
    if ev.get("type") == "init":
        ev["text"] = "ID" if len(ev["text"]) == 32 else ev["text"]
    print(json.dumps(ev, separators=(",", ":"), sort_keys=True))
'
}

# jq_py EXPR: evaluates a Python expression over the JSON document on stdin (as `d`).
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); r=($1); print(r if isinstance(r,str) else json.dumps(r, sort_keys=True, separators=(',', ':')))"; }

# run_fg COMMAND-JSON: a foreground command's event list.
run_fg() { ex -N -XPOST "$EX_URL/command" -H 'Content-Type: application/json' -d "$1" | sse_events; }
