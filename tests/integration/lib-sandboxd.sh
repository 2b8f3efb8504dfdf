# Helpers for the sandboxd integration tests. Source after lib.sh.
#   sbxd_require            skip unless root, runc, sandboxd and execd are available
#   sbxd_start [CONFIG...]  start sandboxd on a free port with a temp state dir; extra config
#                           lines go to its config file. Sets SBXD_DIR SBXD_ADDR SBXD_KEY SBXD_PID
#   sbxd_kill9 / sbxd_restart   SIGKILL it / start it again on the same state and port
#   api METHOD PATH [JSON]  calls the API with the key; prints the status; body in $SBXD_DIR/body
#   jget EXPR [FILE]        a value of the JSON body (python expression on `d`), e.g. jget '.id'
#   sbxd_create [JSON]      creates a sandbox (default: host image), prints its id
#   sbxd_ready ID           waits (blocking endpoint call, no polling) until ID left Pending
#   execd_call ID METHOD PATH [CURL ARGS...]  calls the sandbox's execd through its endpoint
SBXD_DIR=
SBXD_PID=

sbxd_require() {
    [[ $EUID == 0 ]] || skip_all "sandboxd tests need root (runc, namespaces)"
    command -v runc >/dev/null || skip_all "runc is not installed (make deps)"
    command -v jq >/dev/null || skip_all "jq is not installed (make deps)"
    [[ -x $SANDBOXD ]] || skip_all "no sandboxd binary at $SANDBOXD"
    [[ -x $EXECD ]] || skip_all "no execd binary at $EXECD"
}

_sbxd_launch() {
    : >"$SBXD_DIR/log"
    "$SANDBOXD" --listen "$SBXD_ADDR" --state-dir "$SBXD_DIR/state" \
        --config "$SBXD_DIR/config.toml" 2>>"$SBXD_DIR/log" &
    SBXD_PID=$!
    if ! wait_line "$SBXD_DIR/log" "listening on" 30; then
        echo "# sandboxd did not start:"; sed 's/^/#   /' "$SBXD_DIR/log"
        return 1
    fi
    SBXD_KEY=$(cat "$SBXD_DIR/state/api_key")
}

sbxd_start() {
    SBXD_DIR=$(mktemp -d /tmp/sbxd-test.XXXXXX)
    SBXD_ADDR=127.0.0.1:$(free_port)
    {
        echo "execd_path = \"$EXECD\""
        local l
        for l in "$@"; do echo "$l"; done
    } >"$SBXD_DIR/config.toml"
    on_exit _sbxd_cleanup
    _sbxd_launch
}

sbxd_kill9() {
    [[ -n $SBXD_PID ]] && kill -9 "$SBXD_PID" 2>/dev/null
    wait "$SBXD_PID" 2>/dev/null
    SBXD_PID=
}

sbxd_restart() {
    cp "$SBXD_DIR/log" "$SBXD_DIR/log.$(date +%s%N)"
    _sbxd_launch
}

# Deletes every sandbox and snapshot (through the API, so the runtime cleans the host), stops
# sandboxd, and removes the state dir (refusing if anything is still mounted below it).
_sbxd_cleanup() {
    [[ -n $SBXD_DIR ]] || return 0
    if [[ -n $SBXD_PID ]] && kill -0 "$SBXD_PID" 2>/dev/null; then
        local id
        api GET "/v1/sandboxes?pageSize=200" >/dev/null
        for id in $(jget '[.items[].id] | join(" ")'); do api DELETE "/v1/sandboxes/$id" >/dev/null; done
        api GET "/v1/snapshots?pageSize=200" >/dev/null
        for id in $(jget '[.items[].id] | join(" ")'); do api DELETE "/v1/snapshots/$id" >/dev/null; done
        kill "$SBXD_PID" 2>/dev/null
        wait "$SBXD_PID" 2>/dev/null
    fi
    if grep -q " $SBXD_DIR/" /proc/self/mounts; then
        echo "# leftover mounts under $SBXD_DIR; not removing it"
        return 0
    fi
    rm -rf "$SBXD_DIR"
}

api() {
    local method=$1 path=$2 data=${3-}
    local args=(-s -o "$SBXD_DIR/body" -D "$SBXD_DIR/headers" -w '%{http_code}' -X "$method"
        -H "OPEN-SANDBOX-API-KEY: $SBXD_KEY")
    [[ -n $data ]] && args+=(-H 'Content-Type: application/json' --data "$data")
    curl "${args[@]}" "http://$SBXD_ADDR$path"
}

jget() {
    jq -c -r "$1" <"${2:-$SBXD_DIR/body}" 2>/dev/null || echo "<not JSON>"
}

header() { # header NAME: a header of the last api answer
    tr -d '\r' <"$SBXD_DIR/headers" | awk -v n="$(echo "$1" | tr A-Z a-z)" -F': ' 'tolower($1)==n {print $2}'
}

sbxd_create() {
    local body=${1:-'{"image":{"uri":"host"},"entrypoint":["tail","-f","/dev/null"],"resourceLimits":{"cpu":"1","memory":"512Mi"}}'}
    local st
    st=$(api POST /v1/sandboxes "$body")
    [[ $st == 202 ]] || { echo "# create: $st $(cat "$SBXD_DIR/body")" >&2; return 1; }
    jget '.id'
}

sbxd_ready() {
    local st
    st=$(api GET "/v1/sandboxes/$1/endpoints/44772")
    [[ $st == 200 ]] || { echo "# endpoint: $st $(cat "$SBXD_DIR/body")" >&2; return 1; }
    SBXD_EXECD=$(jget '.endpoint | split("/proxy/")[0]')
    SBXD_TOKEN=$(jget '.headers["X-EXECD-ACCESS-TOKEN"]')
}

execd_call() {
    local id=$1 method=$2 path=$3
    shift 3
    sbxd_ready "$id" || return 1
    curl -s -X "$method" -H "X-EXECD-ACCESS-TOKEN: $SBXD_TOKEN" "$@" "http://$SBXD_EXECD$path"
}
