#!/bin/bash
# A real sandbox through its whole life: create (202, Pending) -> Running, get, endpoints with
# the execd token, list filters and pagination, metadata merge patch, renew, pause/resume with
# 409s, the server proxy (HTTP and SSE), delete (204, then 404, nothing left on the host).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-sandboxd.sh"
sbxd_require
plan 46
sbxd_start "max_sandboxes = 2"

st=$(api POST /v1/sandboxes '{"image":{"uri":"host"},"entrypoint":["tail","-f","/dev/null"],"timeout":600,"resourceLimits":{"cpu":"1","memory":"512Mi"},"metadata":{"team":"a","tag":"one"}}')
is "$st" 202 "create answers 202"
a=$(jget '.id')
like "$(jget '.status.state')" '^(Pending|Running)$' "created sandbox is Pending (or already Running)"
is "$(jget '.entrypoint')" '["tail","-f","/dev/null"]' "entrypoint echoed"
like "$(jget '.expiresAt')" '^20[0-9-]+T[0-9:.]+Z$' "expiresAt set"
b=$(sbxd_create '{"image":{"uri":"host"},"metadata":{"team":"b","tag":"one"}}')
ok $? "second sandbox (manual cleanup, default entrypoint)"
is "$(api POST /v1/sandboxes '{"image":{"uri":"host"}}') $(jget .code)" "429 SANDBOX::QUOTA_EXCEEDED" \
    "a third sandbox is over max_sandboxes"

sbxd_ready "$a"
ok $? "endpoint answers once ready"
like "$SBXD_EXECD" '^[0-9.]+:[0-9]+$' "endpoint is HOST:PORT/proxy/44772"
like "$SBXD_TOKEN" '^[0-9a-f]{64}$' "endpoint carries the execd token header"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://$SBXD_EXECD/ping")" 401 "execd refuses requests without the token"
is "$(curl -s -o /dev/null -w '%{http_code}' -H "X-EXECD-ACCESS-TOKEN: $SBXD_TOKEN" "http://$SBXD_EXECD/ping")" 200 \
    "execd answers with the token"
is "$(api GET /v1/sandboxes/$a/endpoints/18080) $(jget '.endpoint' | sed 's/.*\/proxy\///')" "200 18080" \
    "any valid port gets an endpoint (18080 too)"
st=$(api GET "/v1/sandboxes/$a/endpoints/8080?use_server_proxy=true")
is "$st $(jget '.endpoint')" "200 $SBXD_ADDR/sandboxes/$a/proxy/8080" "server-proxy endpoint"

api GET "/v1/sandboxes/$a" >/dev/null
is "$(jget '.status.state')" Running "get shows Running"
is "$(jget '.image.uri') $(jget '.metadata.tag')" "host one" "get shows image and metadata"
sbxd_ready "$b"
api GET "/v1/sandboxes/$b" >/dev/null
is "$(jget '.entrypoint') $(jget 'has("expiresAt")')" '["tail","-f","/dev/null"] false' \
    "default entrypoint; no expiresAt for manual cleanup"

is "$(api POST /v1/sandboxes/$b/pause)" 202 "pause 202"
is "$(wc -c <"$SBXD_DIR/body") $(header Content-Length)" "0 0" "empty 2xx has Content-Length: 0"
api GET "/v1/sandboxes/$b" >/dev/null
is "$(jget '.status.state')" Paused "state Paused"
is "$(api POST /v1/sandboxes/$b/pause) $(jget '.code')" "409 DOCKER::SANDBOX_NOT_RUNNING" "pause twice 409"
is "$(api POST /v1/sandboxes/$a/resume) $(jget '.code')" "409 DOCKER::SANDBOX_NOT_PAUSED" "resume a running one 409"

api GET "/v1/sandboxes?state=Paused" >/dev/null
is "$(jget '[.items[].id]')" "[\"$b\"]" "state filter"
api GET "/v1/sandboxes?state=paused&state=Running" >/dev/null
is "$(jget '.items | length')" 2 "state filters OR (case-insensitive)"
api GET "/v1/sandboxes?metadata=tag%3Done%26team%3Da" >/dev/null
is "$(jget '[.items[].id]')" "[\"$a\"]" "metadata filters AND"
api GET "/v1/sandboxes?pageSize=1&page=1" >/dev/null
is "$(jget '.items[0].id') $(jget '.pagination.totalPages') $(jget '.pagination.hasNextPage')" \
    "$b 2 true" "pagination, newest first"
api GET "/v1/sandboxes?pageSize=1&page=2" >/dev/null
is "$(jget '.items[0].id') $(jget '.pagination.hasNextPage')" "$a false" "second page"

is "$(api POST /v1/sandboxes/$b/resume)" 202 "resume 202"
api GET "/v1/sandboxes/$b" >/dev/null
is "$(jget '.status.state')" Running "state Running again"

is "$(api PATCH /v1/sandboxes/$a/metadata '{"tag":null,"team":"z","new":"v"}')" 200 "metadata patch 200"
is "$(jget '.metadata')" '{"team":"z","new":"v"}' "merge patch: null deletes, values set"
is "$(api PATCH /v1/sandboxes/$a/metadata '{"opensandbox.io/id":"x"}')" 400 "reserved key rejected"
is "$(api PATCH /v1/sandboxes/$a/metadata '[1]')" 400 "non-object patch rejected"
api GET "/v1/sandboxes/$a" >/dev/null
is "$(jget '.metadata')" '{"team":"z","new":"v"}' "metadata persisted, rejected patches changed nothing"

is "$(api POST /v1/sandboxes/$a/renew-expiration '{"expiresAt":"2099-01-02T03:04:05Z"}')" 200 "renew 200"
is "$(jget '.expiresAt')" "2099-01-02T03:04:05.000Z" "renew returns the new expiresAt"
is "$(api POST /v1/sandboxes/$a/renew-expiration '{"expiresAt":"2001-01-01T00:00:00Z"}')" 400 "renew to the past 400"
is "$(api POST /v1/sandboxes/$b/renew-expiration '{"expiresAt":"2099-01-01T00:00:00Z"}')" 409 "renew of a manual-cleanup sandbox 409"

# Server proxy: no API key; port 44772 reaches execd itself, others go through execd's /proxy.
st=$(curl -s -o "$SBXD_DIR/body" -w '%{http_code}' "http://$SBXD_ADDR/sandboxes/$a/proxy/44772/ping")
is "$st" 200 "server proxy reaches execd without an API key"
out=$(curl -s -N -H 'Content-Type: application/json' -d '{"command":"echo via-proxy"}' \
    "http://$SBXD_ADDR/v1/sandboxes/$a/proxy/44772/command")
like "$out" '"type":"stdout","text":"via-proxy"' "SSE command stream through the server proxy"
like "$out" 'execution_complete' "stream completes"
# A web server that binds before it detaches: the command returns once it listens.
srv='import http.server as h, os, socketserver as s
os.chdir("/tmp"); srv = s.TCPServer(("127.0.0.1", 8099), h.SimpleHTTPRequestHandler)
if os.fork() == 0:
    os.setsid(); srv.serve_forever()'
out=$(execd_call "$a" POST /command -H 'Content-Type: application/json' \
    -d "$(jq -n --arg c "python3 -c '$srv' >/dev/null 2>&1" '{command: $c}')")
like "$out" execution_complete "a web server started inside the sandbox"
curl -s "http://$SBXD_ADDR/sandboxes/$a/proxy/8099/" -o "$SBXD_DIR/page"
ok $? "server proxy reaches another port inside the sandbox"
like "$(cat "$SBXD_DIR/page")" "Directory listing" "and returns its page"

sbxd_ready "$a" # SBXD_EXECD and SBXD_TOKEN of $a (execd_call ran in subshells)
is "$(api DELETE /v1/sandboxes/$a)" 204 "delete 204"
is "$(api GET /v1/sandboxes/$a)" 404 "deleted sandbox is 404"
# Its address may already belong to a sandbox of another sandboxd on this machine: the check
# is that the old token opens nothing any more.
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-EXECD-ACCESS-TOKEN: $SBXD_TOKEN" --max-time 2 "http://$SBXD_EXECD/ping")
[[ $code != 200 ]]
ok $? "its execd is gone (got $code)"
