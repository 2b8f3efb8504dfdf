#!/bin/bash
# TTL expiry kills and deletes on time; renew moves the deadline. Uses the test-only config
# knob min_timeout (upstream's minimum is 60 s) to allow second-scale timeouts. Waits on
# sandboxd's log lines, never on a clock.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-sandboxd.sh"
sbxd_require
plan 9
sbxd_start "min_timeout = 1"

short=$(sbxd_create '{"image":{"uri":"host"},"timeout":1}')
ok $? "sandbox with a 1 s timeout"
kept=$(sbxd_create '{"image":{"uri":"host"},"timeout":4}')
ok $? "second sandbox with a 4 s timeout"
is "$(api POST /v1/sandboxes/$kept/renew-expiration '{"expiresAt":"2099-01-01T00:00:00Z"}')" 200 "second one renewed"
last=$(sbxd_create '{"image":{"uri":"host"},"timeout":6}')
ok $? "third sandbox with a 6 s timeout (after the second one's original deadline)"

wait_line "$SBXD_DIR/log" "sandbox $short expired and was deleted" 30
ok $? "the 1 s sandbox expired"
wait_line "$SBXD_DIR/log" "sandbox $last expired and was deleted" 30
ok $? "the 6 s sandbox expired (the timer re-armed for the later deadline)"
is "$(api GET /v1/sandboxes/$short)" 404 "expired sandbox is gone"
api GET "/v1/sandboxes/$kept" >/dev/null
is "$(jget '.status.state')" Running "the renewed sandbox outlived both deadlines"
is "$(api POST /v1/sandboxes '{"image":{"uri":"host"},"timeout":0}')" 400 "timeout below min_timeout still rejected"
