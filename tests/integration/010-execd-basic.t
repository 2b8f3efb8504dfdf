#!/bin/bash
# execd: ping, routing, auth, the extensions header and upstream-compat mode.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-execd.sh"
plan 18

ex_start --access-token s3cret
is "$(status "$EX_URL/ping")" 401 "ping without token: 401"
is "$(ex "$EX_URL/ping")" '{"error":"Unauthorized: invalid or missing header X-EXECD-ACCESS-TOKEN"}' "401 body as upstream"
is "$(status -H 'X-EXECD-ACCESS-TOKEN: wrong' "$EX_URL/ping")" 401 "wrong token: 401"
is "$(status -H 'X-EXECD-ACCESS-TOKEN: s3cret' "$EX_URL/ping")" 200 "right token: 200"
hdrs=$(ex -D - -o /dev/null -H 'X-EXECD-ACCESS-TOKEN: s3cret' "$EX_URL/ping" | tr -d '\r')
like "$hdrs" $'\nContent-Length: 0' "empty 200 carries Content-Length: 0"
like "$hdrs" 'X-Execd-Extensions: command-list,raw-output,write-at,truncate,symlink,command-id-header,file-type,status-wait,session-stderr,times,start-wait' "extensions header"
is "$(status -H 'X-EXECD-ACCESS-TOKEN: s3cret' "$EX_URL/nope")" 404 "unknown route: 404"
like "$(ex -H 'X-EXECD-ACCESS-TOKEN: s3cret' "$EX_URL/nope")" '^\{"code":"[A-Z_]+","message":".+"\}$' "error body is {code,message}"
is "$(status -XPUT -H 'X-EXECD-ACCESS-TOKEN: s3cret' "$EX_URL/command")" 405 "wrong method: 405"
kill $EX_PID; wait $EX_PID
is "$?" 0 "SIGTERM: execd exits 0"

EXECD_ACCESS_TOKEN=fromenv ex_start
is "$(status -H 'X-EXECD-ACCESS-TOKEN: fromenv' "$EX_URL/ping")" 200 "token from EXECD_ACCESS_TOKEN"
is "$(status "$EX_URL/ping")" 401 "env token enforced"

EXECD_UPSTREAM_COMPAT=1 ex_start
hdrs=$(ex -D - -o /dev/null "$EX_URL/ping" | tr -d '\r')
[[ $hdrs != *X-Execd-Extensions* ]]
ok $? "compat mode: no extensions header"
is "$(status "$EX_URL/command/list")" 404 "compat mode: /command/list absent"
is "$(ex -N -XPOST "$EX_URL/command?wait=5" -d '{"command":"sleep 1","background":true}' | sse_events)" \
    '{"text":"ID","type":"init"}
{"type":"execution_complete"}' "compat mode: a start's ?wait= is ignored (upstream's background answer)"
info=$(ex "$EX_URL/files/info?path=/" | jq_py 'sorted(d["/"].keys())')
is "$info" '["created_at","group","mode","modified_at","owner","path","size","type"]' "compat mode: upstream FileInfo fields only"
printf '# comment\nFROM_FILE=a b\n' > "$EX_TMP/envs"
EXECD_ENVS=$EX_TMP/envs ex_start
is "$(status "$EX_URL/ping")" 200 "no token configured: open"
is "$(run_fg '{"command":"echo $FROM_FILE"}' | sed -n 2p)" '{"text":"a b","type":"stdout"}' "EXECD_ENVS file adds variables to commands"
