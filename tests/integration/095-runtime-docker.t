#!/bin/bash
# sandboxd --runtime docker through its real HTTP API: create from an image of Docker's local
# store (busybox-static, docker import) -> Running, execd through the endpoint with its token,
# env and limits inside, pause/resume, snapshot and restore (docker commit), deny-egress on the
# internal network, a missing image and 'host' refused with a clear error, SIGKILL + restart
# re-adopts, delete leaves no container.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-sandboxd.sh"
source "$(dirname "$0")/lib-docker.sh"
sbxd_require
dk_require
image=$(dk_busybox_image)
like "$image" "^sandboxd-test/busybox" "busybox test image in Docker's local store"
sbxd_start 'runtime = "docker"'
ok $? "sandboxd --runtime docker starts"

ids=()
snaps=()
# (not $i: lib.sh's cleanup loop counts with it)
on_exit 'for _dk in "${ids[@]}"; do docker rm -f -v $(dk_containers "$_dk"); done'
on_exit 'for _dk in "${snaps[@]}"; do docker rmi -f "sandboxd-snapshot:$_dk"; done'

run() { # run ID COMMAND: stdout lines of COMMAND run by the sandbox's execd
    execd_call "$1" POST /command --max-time 20 -H 'Content-Type: application/json' \
        -d "$(jq -n --arg c "$2" '{command: $c}')" |
        jq -r 'select(.type == "stdout") | .text' 2>/dev/null
}

body=$(jq -cn --arg i "$image" '{image: {uri: $i}, entrypoint: ["tail", "-f", "/dev/null"],
    env: {GREETING: "hi docker"}, resourceLimits: {cpu: "500m", memory: "256Mi"}}')
id=$(sbxd_create "$body") && ids+=("$id") && sbxd_ready "$id"
ok $? "create from $image answers 202 and becomes ready"
api GET "/v1/sandboxes/$id" >/dev/null
is "$(jget '.status.state')" Running "state Running"
is "$(docker ps -q --filter "label=io.sandboxd.id=$id" --filter name="sandboxd-$id" | wc -l)" 1 \
    "one container sandboxd-ID labelled io.sandboxd.id=ID"
is "$(curl -s -o /dev/null -w '%{http_code}' -H "X-EXECD-ACCESS-TOKEN: $SBXD_TOKEN" "http://$SBXD_EXECD/ping")" 200 \
    "execd answers /ping through the endpoint with the token"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://$SBXD_EXECD/ping")" 401 "and refuses it without"
is "$(run "$id" 'echo out-$((6 * 7))')" "out-42" "a command runs and its output comes back"
is "$(run "$id" 'echo "$GREETING"')" "hi docker" "env reaches the sandbox"
is "$(run "$id" 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes')" \
    268435456 "memory limit in the container's cgroup"
like "$(run "$id" 'tr "\0" " " </proc/1/cmdline')" "/opt/opensandbox/execd --listen 0.0.0.0:44772 -- tail -f /dev/null" \
    "execd (bind-mounted) is PID 1 and runs the entrypoint"

is "$(api POST /v1/sandboxes/$id/pause)" 202 "pause 202"
api GET "/v1/sandboxes/$id" >/dev/null
is "$(jget '.status.state') $(docker inspect -f '{{.State.Status}}' "sandboxd-$id")" "Paused paused" \
    "Paused, and paused in Docker"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H "X-EXECD-ACCESS-TOKEN: $SBXD_TOKEN" \
    "http://$SBXD_EXECD/ping")
[[ $code != 200 ]]
ok $? "a paused sandbox's execd does not answer (got $code)"
is "$(api POST /v1/sandboxes/$id/resume)" 202 "resume 202"
is "$(run "$id" 'echo back')" back "commands run again after resume"

run "$id" 'echo snapshot-content > /tmp/f.txt' >/dev/null
is "$(api POST /v1/sandboxes/$id/snapshots '{"name":"d"}')" 202 "snapshot 202"
snap=$(jget '.id')
snaps+=("$snap")
wait_line "$SBXD_DIR/log" "snapshot $snap of sandbox $id is ready" 60
ok $? "snapshot became ready"
is "$(docker image inspect -f ok "sandboxd-snapshot:$snap")" ok "snapshot is the image sandboxd-snapshot:SNAP"
r=$(sbxd_create "{\"snapshotId\":\"$snap\"}") && ids+=("$r") && sbxd_ready "$r"
ok $? "restore: a sandbox created from the snapshot becomes ready"
is "$(run "$r" 'cat /tmp/f.txt')" snapshot-content "the restored sandbox has the file written before"
is "$(api DELETE /v1/sandboxes/$r)" 204 "delete the restored sandbox"
is "$(api DELETE /v1/snapshots/$snap)" 204 "delete the snapshot"
docker image inspect "sandboxd-snapshot:$snap" >/dev/null 2>&1
ok $((!$?)) "its image is gone"

deny=$(sbxd_create "{\"image\":{\"uri\":\"$image\"},\"networkPolicy\":{\"defaultAction\":\"deny\",\"egress\":[]}}") &&
    ids+=("$deny") && sbxd_ready "$deny"
ok $? "deny-egress sandbox becomes ready (reachable from the host)"
is "$(docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' "sandboxd-$deny")" \
    "sandboxd-internal " "it is on the internal network only"
is "$(docker network inspect -f '{{.Internal}}' sandboxd-internal)" true "sandboxd-internal is --internal"
is "$(api DELETE /v1/sandboxes/$deny)" 204 "delete it"

st=$(api POST /v1/sandboxes '{"image":{"uri":"sandboxd-test/no-such-image:1"}}')
like "$st $(jget .message)" "^4[0-9][0-9] .*sandboxd-test/no-such-image:1.*(docker load|docker import)" \
    "a missing image is a 4xx naming the image and how to provide it"
st=$(api POST /v1/sandboxes '{"image":{"uri":"host"}}')
like "$st $(jget .message)" "^400 .*host" "the host image is refused with a clear error"

sbxd_kill9
ok $? "SIGKILL sandboxd"
sbxd_restart
ok $? "sandboxd restarts on the same state"
api GET "/v1/sandboxes/$id" >/dev/null
is "$(jget '.status.state')" Running "the running sandbox is re-adopted"
is "$(run "$id" 'echo still-here')" still-here "and its execd answers through the endpoint"

is "$(api DELETE /v1/sandboxes/$id)" 204 "delete 204"
is "$(dk_containers "$id")" "" "delete leaves no container (docker ps -a by label)"
is "$(api GET /v1/sandboxes/$id)" 404 "deleted sandbox is 404"
done_testing
