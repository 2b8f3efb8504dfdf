#!/bin/bash
# sandboxd API surface without sandboxes: health, auth, request ids, routing, validation errors,
# 404 for unknown ids on every route, empty lists.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-sandboxd.sh"
sbxd_require
plan 38
sbxd_start

st=$(curl -s -o "$SBXD_DIR/body" -w '%{http_code}' "http://$SBXD_ADDR/health")
is "$st $(cat "$SBXD_DIR/body")" '200 {"status":"healthy"}' "/health needs no key"
is "$(stat -c %a "$SBXD_DIR/state/api_key")" 600 "generated API key file is 0600"

st=$(curl -s -o "$SBXD_DIR/body" -w '%{http_code}' "http://$SBXD_ADDR/v1/sandboxes")
is "$st $(jget '.code')" "401 MISSING_API_KEY" "no key: 401 MISSING_API_KEY"
st=$(curl -s -o "$SBXD_DIR/body" -w '%{http_code}' -H 'OPEN-SANDBOX-API-KEY: nope' "http://$SBXD_ADDR/sandboxes")
is "$st $(jget '.code')" "401 INVALID_API_KEY" "wrong key: 401 INVALID_API_KEY (routes under / too)"
hdr=$(curl -s -D - -o /dev/null -H 'X-Request-ID: rid-401' "http://$SBXD_ADDR/v1/sandboxes" | tr -d '\r')
like "$hdr" "X-Request-ID: rid-401" "X-Request-ID echoed on a 401"

st=$(curl -s -o /dev/null -D "$SBXD_DIR/headers" -w '%{http_code}' -H 'X-Request-ID: rid-404' \
    -H "OPEN-SANDBOX-API-KEY: $SBXD_KEY" "http://$SBXD_ADDR/v1/sandboxes/nope")
is "$st $(header X-Request-ID)" "404 rid-404" "X-Request-ID echoed on a 404"
api GET /v1/sandboxes >/dev/null
like "$(header X-Request-ID)" '^[0-9a-f-]{36}$' "X-Request-ID generated when absent"

st=$(api GET /v1/sandboxes)
is "$st $(jget '.items') $(jget '.pagination.totalItems') $(jget '.pagination.hasNextPage')" \
    "200 [] 0 false" "empty list with pagination"
is "$(api GET '/v1/sandboxes?pageSize=0')" 400 "pageSize 0 rejected"
is "$(api GET /v1/nothing-here)" 404 "unknown route 404"
is "$(api PUT /v1/sandboxes)" 405 "wrong method 405"
is "$(jget '.code')" "GENERAL::METHOD_NOT_ALLOWED" "405 has a code"

is "$(api POST /v1/sandboxes '{bad json')" 400 "invalid JSON 400"
like "$(jget '.message')" "not valid JSON" "message says what is wrong"
is "$(api POST /v1/sandboxes '{"image":{"uri":"host"},"timeout":30}')" 400 "timeout below 60 rejected"
like "$(jget '.message')" "at least 60" "timeout message names the minimum"
is "$(api POST /v1/sandboxes '{"image":{"uri":"host"},"snapshotId":"x"}')" 400 "image and snapshotId together rejected"
is "$(api POST /v1/sandboxes '{"image":{"uri":"host"},"metadata":{"opensandbox.io/x":"1"}}') $(jget '.code')" \
    "400 SANDBOX::INVALID_METADATA_LABEL" "reserved metadata key rejected"
is "$(api POST /v1/sandboxes '{"image":{"uri":"host"},"networkPolicy":{"defaultAction":"deny","egress":[{"action":"allow","target":"pypi.org"}]}}')" \
    400 "egress allow rules rejected"
like "$(jget '.message')" "not supported" "egress message names the limitation"
is "$(api POST /v1/sandboxes '{"image":{"uri":"host"},"volumes":[{"name":"v","host":{"path":"/etc"},"mountPath":"/x"}]}')" \
    400 "host volume outside the (empty) allow-list rejected"
is "$(api POST /v1/sandboxes '{"image":{"uri":"no-such-image-xyz"}}')" 400 "unknown image rejected"
like "$(jget '.message')" "no-such-image-xyz" "message names the image"
is "$(api POST /v1/sandboxes '{"snapshotId":"no-such-snapshot"}') $(jget '.code')" \
    "404 SNAPSHOT::NOT_FOUND" "restore from an unknown snapshot 404"
is "$(api GET /v1/sandboxes)" 200 "list still works"
is "$(jget '.pagination.totalItems')" 0 "failed creates left no record"

id=00000000-0000-4000-8000-000000000000
is "$(api GET /v1/sandboxes/$id) $(jget '.code')" "404 DOCKER::SANDBOX_NOT_FOUND" "get unknown 404"
is "$(api DELETE /v1/sandboxes/$id)" 404 "delete unknown 404"
is "$(api POST /v1/sandboxes/$id/pause)" 404 "pause unknown 404"
is "$(api POST /v1/sandboxes/$id/resume)" 404 "resume unknown 404"
is "$(api POST /v1/sandboxes/$id/renew-expiration '{"expiresAt":"2099-01-01T00:00:00Z"}')" 404 "renew unknown 404"
is "$(api PATCH /v1/sandboxes/$id/metadata '{"a":"b"}')" 404 "patch unknown 404"
is "$(api GET /v1/sandboxes/$id/endpoints/44772)" 404 "endpoint of unknown 404"
is "$(api GET /v1/sandboxes/$id/endpoints/70000) $(jget '.code')" "400 DOCKER::INVALID_PORT" "invalid port 400"
is "$(api POST /v1/sandboxes/$id/snapshots)" 404 "snapshot of unknown 404"
is "$(api GET /v1/snapshots/$id)" 404 "get unknown snapshot 404"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://$SBXD_ADDR/sandboxes/$id/proxy/8080/x")" 404 \
    "proxy to an unknown sandbox 404 (no key needed)"
is "$(api POST /v1/metrics/events '{"eventType":"sandbox.create"}')" 204 "SDK telemetry accepted"
