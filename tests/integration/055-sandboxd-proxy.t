#!/bin/bash
# The server proxy (/sandboxes/{id}/proxy/{port}) with streamed bodies both ways, SSE, and a
# WebSocket upgrade relayed to a server inside the sandbox; the API key is not forwarded.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-sandboxd.sh"
sbxd_require
plan 11
sbxd_start
here=$(cd "$(dirname "$0")" && pwd)

id=$(sbxd_create) && sbxd_ready "$id"
ok $? "sandbox running"
P="http://$SBXD_ADDR/sandboxes/$id/proxy"

# Upload the WebSocket helper through the proxy (multipart, streamed), then start it inside.
st=$(curl -s -o /dev/null -w '%{http_code}' -F 'metadata={"path":"/tmp/ws_echo.py","mode":755};filename=metadata' \
    -F "file=@$here/ws_echo.py" "$P/44772/files/upload")
is "$st" 200 "multipart upload through the proxy"
out=$(curl -s -N -H 'Content-Type: application/json' -d '{"command":"python3 /tmp/ws_echo.py serve 8765"}' "$P/44772/command")
like "$out" execution_complete "WebSocket echo server started in the sandbox"

got=$(python3 "$here/ws_echo.py" client "$P/8765/ws" "hello-ws")
is "$got" "echo:hello-ws" "WebSocket through sandboxd's proxy and execd's /proxy"
got=$(python3 "$here/ws_echo.py" client "http://$SBXD_ADDR/v1/sandboxes/$id/proxy/8765/ws" "again")
is "$got" "echo:again" "the same under /v1"

# A large body both ways: upload 3 MiB chunked, download it again, compare.
head -c 3145728 /dev/urandom >"$SBXD_DIR/big"
st=$(curl -s -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' \
    -F 'metadata={"path":"/tmp/big"};filename=metadata' -F "file=@$SBXD_DIR/big" "$P/44772/files/upload")
is "$st" 200 "3 MiB chunked upload through the proxy"
curl -s -o "$SBXD_DIR/big.back" "$P/44772/files/download?path=/tmp/big"
cmp -s "$SBXD_DIR/big" "$SBXD_DIR/big.back"
ok $? "download through the proxy is byte-identical"

head=$(curl -s -H "OPEN-SANDBOX-API-KEY: $SBXD_KEY" -H 'X-Custom: kept' "$P/8765/headers?q=1")
like "$head" $'^GET /headers\\?q=1 HTTP/1.1.*X-Custom: kept' "plain HTTP to the same port: path, query and headers forwarded"
[[ $head != *OPEN-SANDBOX-API-KEY* && $head != *"$SBXD_KEY"* && $head == *X-Forwarded-For:* ]]
ok $? "the API key is not forwarded; X-Forwarded-For is added"
is "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$P/8080/../../command")" 400 "'..' in a proxy path rejected"
is "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$P/8080/a/%2e%2E/b")" 400 "encoded '..' rejected too"
