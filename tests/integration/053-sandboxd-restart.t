#!/bin/bash
# SIGKILL and restart lose nothing: running and paused sandboxes are re-adopted (records,
# metadata, tokens, endpoints), one that expired meanwhile is cleaned up, one that died
# meanwhile shows Failed/Terminated with a reason.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-sandboxd.sh"
sbxd_require
plan 16
sbxd_start "min_timeout = 1"

keep=$(sbxd_create '{"image":{"uri":"host"},"metadata":{"k":"v"}}') && sbxd_ready "$keep"
ok $? "sandbox to keep is running"
token=$SBXD_TOKEN
paused=$(sbxd_create) && sbxd_ready "$paused" && [[ $(api POST /v1/sandboxes/$paused/pause) == 202 ]]
ok $? "sandbox to keep paused"
dies=$(sbxd_create) && sbxd_ready "$dies"
ok $? "sandbox that will die"
expires=$(sbxd_create '{"image":{"uri":"host"},"timeout":2}')
ok $? "sandbox that will expire while sandboxd is down"
api GET "/v1/sandboxes/$expires" >/dev/null
deadline=$(jget '.expiresAt')

# A sandbox whose init dies while sandboxd runs: the list notices.
live=$(sbxd_create) && sbxd_ready "$live"
pid=$(runc --root "$SBXD_DIR/state/runc" state "$live" | jq -r .pid)
runc --root "$SBXD_DIR/state/runc" kill "$live" KILL && timeout 20 tail --pid="$pid" -f /dev/null
api GET "/v1/sandboxes?state=Failed&state=Terminated" >/dev/null
is "$(jget '[.items[].id]')" "[\"$live\"]" "a sandbox that died under a running sandboxd is listed as Failed/Terminated"
is "$(api DELETE /v1/sandboxes/$live)" 204 "and can be deleted"

sbxd_kill9
# Kill the init of one sandbox while sandboxd is down (runc state lives in STATE/runc).
runc --root "$SBXD_DIR/state/runc" kill "$dies" KILL
ok $? "killed one sandbox's init behind sandboxd's back"
# Wait out the short TTL: the event here is the wall clock passing a deadline.
python3 -c 'import datetime as d, sys, time
t = d.datetime.fromisoformat(sys.argv[1].replace("Z", "+00:00")).timestamp()
time.sleep(max(0, t - time.time() + 0.2))' "$deadline"

sbxd_restart
ok $? "sandboxd restarted"
api GET "/v1/sandboxes/$keep" >/dev/null
is "$(jget '.status.state') $(jget '.metadata.k')" "Running v" "running sandbox re-adopted with its metadata"
sbxd_ready "$keep"
is "$SBXD_TOKEN" "$token" "same execd token after the restart"
is "$(curl -s -o /dev/null -w '%{http_code}' -H "X-EXECD-ACCESS-TOKEN: $SBXD_TOKEN" "http://$SBXD_EXECD/ping")" 200 \
    "its execd still answers"
api GET "/v1/sandboxes/$paused" >/dev/null
is "$(jget '.status.state')" Paused "paused sandbox still Paused"
is "$(api POST /v1/sandboxes/$paused/resume)" 202 "and it resumes"
api GET "/v1/sandboxes/$dies" >/dev/null
like "$(jget '.status.state')" '^(Failed|Terminated)$' "dead sandbox shows Failed/Terminated"
like "$(jget '.status.reason'): $(jget '.status.message')" 'process_exited|sandbox_lost' "with a reason"
is "$(api GET /v1/sandboxes/$expires)" 404 "sandbox that expired meanwhile was cleaned up"
