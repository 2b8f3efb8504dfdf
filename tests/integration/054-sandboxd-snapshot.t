#!/bin/bash
# Snapshots: create (202, Location, Creating -> Ready), get, list, restore into a new sandbox
# that has the file, 409 on a paused source, delete.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-sandboxd.sh"
sbxd_require
plan 15
sbxd_start

src=$(sbxd_create '{"image":{"uri":"host"},"entrypoint":["sleep","infinity"]}') && sbxd_ready "$src"
ok $? "source sandbox running"
out=$(execd_call "$src" POST /command -H 'Content-Type: application/json' \
    -d '{"command":"mkdir -p /root/work && echo snapshot-content > /root/work/f.txt"}')
like "$out" execution_complete "wrote a file inside"

is "$(api POST /v1/sandboxes/$src/snapshots '{"name":"before"}')" 202 "snapshot 202"
snap=$(jget '.id')
is "$(jget '.status.state') $(jget '.name') $(jget '.sandboxId')" "Creating before $src" "Creating, named, from the source"
is "$(header Location)" "/v1/snapshots/$snap" "Location header"
wait_line "$SBXD_DIR/log" "snapshot $snap of sandbox $src is ready" 60
ok $? "snapshot became ready"
api GET "/v1/snapshots/$snap" >/dev/null
is "$(jget '.status.state')" Ready "get shows Ready"
api GET "/v1/snapshots?sandboxId=$src" >/dev/null
is "$(jget '[.items[].id]')" "[\"$snap\"]" "list by sandboxId"

st=$(api POST /v1/sandboxes "{\"snapshotId\":\"$snap\"}")
is "$st" 202 "restore: create from the snapshot"
restored=$(jget '.id')
is "$(jget '.entrypoint')" '["sleep","infinity"]' "restored sandbox keeps the source's entrypoint"
out=$(execd_call "$restored" POST /command -H 'Content-Type: application/json' -d '{"command":"cat /root/work/f.txt"}')
like "$out" '"text":"snapshot-content"' "restored sandbox has the file"
api GET "/v1/sandboxes/$restored" >/dev/null
is "$(jget '.snapshotId')" "$snap" "get shows snapshotId"

[[ $(api POST /v1/sandboxes/$src/pause) == 202 ]]
is "$(api POST /v1/sandboxes/$src/snapshots) $(jget '.code')" "409 SNAPSHOT::INVALID_SOURCE_STATE" "snapshot of a paused sandbox 409"
is "$(api DELETE /v1/snapshots/$snap)" 204 "delete snapshot 204"
is "$(api GET /v1/snapshots/$snap)" 404 "deleted snapshot 404"
