#!/bin/bash
# Native runtime networking: sandboxes cannot reach each other or the host's services; egress
# reaches "the outside" (a network namespace behind the host) unless deny_egress is set.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-runtime.sh"
rt_require
command -v curl >/dev/null || skip_all "curl needed"
plan 12
rt_setup
rt_outside_start
ok $? "an outside HTTP server at $OUT_IP:$OUT_PORT"

# A host service listening on every address, and one on loopback only.
port=$(free_port)
python3 -u -m http.server "$port" --bind 0.0.0.0 --directory "$RT_STATE" >"$RT_STATE/host.log" 2>&1 &
on_exit "kill $!"
wait_line "$RT_STATE/host.log" "Serving HTTP" 30
ok $? "a host service on 0.0.0.0:$port"

a=neta-$$ b=netb-$$ d=netd-$$
rt_create "$a" && A=$RT_ADDR && rt_create "$b" && B=$RT_ADDR && rt_create "$d" --deny-egress && D=$RT_ADDR
ok $? "three sandboxes (the third with deny_egress)"
gw=$(sed -n 's/.*addr=10\.88\.\([0-9]*\)\.\([0-9]*\).*/\1 \2/p' <<<"$(rtc inspect "$a")")
gw_ip=10.88.${gw% *}.$((${gw#* } - 1))
host_ip=$(ip -4 -o route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')

probe() { # probe ADDR URL: curl's HTTP code from inside the sandbox (000 = unreachable)
    rt_sh "$1" "curl -s -o /dev/null -w '%{http_code}' --connect-timeout 5 --max-time 10 $2; echo" | sed -n 1p
}
is "$(probe "$A" "http://$OUT_IP:$OUT_PORT/")" 200 "egress to the outside works by default"
is "$(probe "$D" "http://$OUT_IP:$OUT_PORT/")" 000 "deny_egress cuts egress"
is "$(rt_ping "$D")" 200 "a deny_egress sandbox is still reachable from the host"
is "$(probe "$A" "http://${B%:*}:44772/ping")" 000 "a sandbox cannot reach another sandbox's execd"
is "$(probe "$A" "http://$gw_ip:$port/")" 000 "a sandbox cannot reach a host service through its gateway"
if [[ -n $host_ip ]]; then
    is "$(probe "$A" "http://$host_ip:$port/")" 000 "a sandbox cannot reach a host service on the host's address $host_ip"
else
    ok 0 "# SKIP no host address with a default route"
fi
is "$(probe "$A" "http://127.0.0.1:$port/")" 000 "127.0.0.1 in a sandbox is its own loopback"
is "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$port/")" 200 "the host itself reaches its service (the probe works)"
link=$(rt_link "$d")
rtc delete "$d"
is "$(rt_leftovers "$d" "$link")" "" "deleting the deny_egress sandbox removes its veth and nft element"
