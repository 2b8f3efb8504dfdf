#!/bin/bash
# execd as init: starts the entrypoint, forwards SIGTERM, exits with its status, reaps orphans.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-execd.sh"
plan 6

ex_start -- sh -c 'exit 5'
wait $EX_PID
is "$?" 5 "exit status of the entrypoint"
ex_start -- sh -c 'kill -USR1 $$'
wait $EX_PID
is "$?" $((128 + 10)) "signal death: 128+N"
ex_start -- sh -c "trap 'echo got-term > $EX_TMP/term; exit 3' TERM; echo ready > $EX_TMP/ready; while :; do sleep 0.05; done"
wait_line "$EX_TMP/ready" ready # the trap is in place
is "$(status "$EX_URL/ping")" 200 "serves while the entrypoint runs"
kill -TERM $EX_PID
wait $EX_PID
is "$?" 3 "SIGTERM forwarded; execd exits with the entrypoint's status"
is "$(cat "$EX_TMP/term" 2>/dev/null)" got-term "the entrypoint saw SIGTERM"
# An orphan (its parent exits at once) is reaped by execd: no zombie stays behind.
ex_start -- sleep 1000
ev=$(run_fg '{"command":"(sleep 0.2; exit 0) & echo started"}')
orphan_gone() { ! ps -o stat=,ppid= --ppid "$EX_PID" | grep -q '^Z'; }
ex -o /dev/null -N -XPOST "$EX_URL/command" -d '{"command":"sleep 0.5"}'
orphan_gone; ok $? "orphans reaped (no zombie children)"
