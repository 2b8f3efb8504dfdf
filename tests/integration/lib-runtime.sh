# Helpers for the native runtime's integration tests (090-099). Source after lib.sh.
# They drive build/rtctl (the runtime interface from the command line) against real runc
# sandboxes with the real execd, in a private state dir that is cleaned up at exit.
[[ -x /usr/bin/python3 ]] && PATH=/usr/bin:$PATH
RTCTL=${RTCTL:-$SFS_BUILD/rtctl}
RT_TOKEN=rt-test-token-$$

rt_require() { # skips the test unless it can run sandboxes here
    ((EUID == 0)) || skip_all "needs root"
    command -v runc >/dev/null || skip_all "runc not installed (make deps)"
    command -v nft >/dev/null || skip_all "nft not installed (make deps)"
    [[ -x $RTCTL && -x $EXECD ]] || skip_all "build rtctl and execd first"
}

rt_setup() { # creates the private state dir RT_STATE and registers its cleanup
    RT_STATE=$(mktemp -d /tmp/rt-test.XXXXXX)
    on_exit "rm -rf '$RT_STATE'"
    on_exit "rt_cleanup"
}

rtc() { "$RTCTL" --state "$RT_STATE" --execd "$EXECD" "$@"; }

rt_cleanup() { # deletes every sandbox of the state dir
    local id
    for id in $(rtc list 2>/dev/null); do rtc delete "$id"; done
}

# rt_create ID [CREATE-OPTIONS...]: creates and waits for execd's /ping; sets RT_ADDR.
rt_create() {
    local id=$1 out
    shift
    RT_ADDR=
    out=$(rtc create --wait --token "$RT_TOKEN" "$@" "$id" 2>&1) || { echo "# $out"; return 1; }
    RT_ADDR=$(sed -n 's/.* addr=\([^ ]*\).*/\1/p' <<<"$out")
}

rt_addr() { rtc inspect "$1" | sed -n 's/.* addr=\([^ ]*\).*/\1/p'; }
rt_state() { rtc inspect "$1" | sed -n 's/.* state=\([^ ]*\).*/\1/p'; }

# rt_ping ADDR [TOKEN]: prints the HTTP status of GET /ping (000 when nothing answers in 10 s).
rt_ping() {
    curl -s -o /dev/null -w "%{http_code}" --max-time 10 -H "X-EXECD-ACCESS-TOKEN: ${2-$RT_TOKEN}" \
        "http://$1/ping"
}

# rt_sh ADDR COMMAND: runs COMMAND in the sandbox through execd; prints its stdout, then
# "exit=N" on the last line.
rt_sh() {
    curl -sN --max-time 60 -XPOST -H "X-EXECD-ACCESS-TOKEN: $RT_TOKEN" \
        -H 'Content-Type: application/json' "http://$1/command" \
        -d "$(python3 -c 'import json,sys; print(json.dumps({"command": sys.argv[1]}))' "$2")" |
        python3 -c '
import json, sys
code = 0
for block in sys.stdin.read().split("\n\n"):
    if not block.strip():
        continue
    ev = json.loads(block)
    if ev.get("type") == "stdout":
        print(ev["text"])
    elif ev.get("type") == "error":
        code = ev["error"].get("evalue", "1")
print("exit=%s" % code)'
}

# rt_busybox_rootfs DIR: a minimal directory rootfs made of busybox-static. When $EXECD is not
# static (the ASan build), the shared libraries it needs are copied in too.
rt_busybox_rootfs() {
    local d=$1 a lib
    mkdir -p "$d"/{bin,etc,tmp,root,proc,sys,dev}
    cp /bin/busybox "$d/bin/busybox"
    for a in $("$d/bin/busybox" --list); do [[ -e $d/bin/$a ]] || ln -s busybox "$d/bin/$a"; done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$d/etc/passwd"
    for lib in $(ldd "$EXECD" 2>/dev/null | grep -o '/[^ ]*'); do
        mkdir -p "$d$(dirname "$lib")" && cp -L "$lib" "$d$lib"
    done
}

# rt_link ID: "IFNAME IFINDEX" of the sandbox's host-side veth (for rt_leftovers after delete).
rt_link() {
    local ifname=sbx$(cut -d' ' -f1 "$RT_STATE/sandboxes/$1/net")
    echo "$ifname $(cat "/sys/class/net/$ifname/ifindex")"
}

# rt_leftovers ID ["IFNAME IFINDEX"]: lists what a deleted sandbox left behind (empty = nothing).
# Another sandbox (another test run) may take the same IFNAME at once: the veth counts as left
# only with the same ifindex, and the nft element only while the name is not in use again.
rt_leftovers() {
    local id=$1 ifname=${2%% *} ifindex=${2##* }
    [[ -e $RT_STATE/sandboxes/$id ]] && echo "bundle dir"
    [[ -e $RT_STATE/runc/$id ]] && echo "runc state"
    grep " $RT_STATE/sandboxes/$id/" /proc/self/mountinfo
    if [[ -n $ifname ]]; then
        if [[ -e /sys/class/net/$ifname ]]; then
            [[ $(cat "/sys/class/net/$ifname/ifindex") == "$ifindex" ]] && echo "veth $ifname"
        else
            nft list set inet sandboxd deny_egress 2>/dev/null | grep -q "\"$ifname\"" && echo "nft element"
        fi
    fi
    ls -d /sys/fs/cgroup/*/sandboxd/*-"$id" 2>/dev/null
    true
}

# rt_outside_start: a stand-in for "the outside world": a network namespace joined to the host by
# a veth pair, with an HTTP server on OUT_IP:OUT_PORT. Sandboxes reach it only by egress
# (forwarding + masquerade), exactly like a remote host. Removed at exit.
rt_outside_start() {
    local n log
    OUT_NS=rtout$$ OUT_IF=rto$$ OUT_PORT=8080
    log=$RT_STATE/outside.log
    ip netns add "$OUT_NS" || return 1
    on_exit "ip netns del $OUT_NS"
    ip link add "$OUT_IF" type veth peer name eth0 netns "$OUT_NS" || return 1
    on_exit "ip link del $OUT_IF"
    # a 172.31.N.0/30 no other test run uses (checked and taken under a lock)
    n=$(flock /run/rt-test-outside.lock bash -c '
        for ((i = 0; i < 250; i++)); do n=$(( ($1 + i) % 250 ))
            [[ -z $(ip -4 -o addr show to 172.31.$n.0/30) ]] || continue
            ip addr add 172.31.$n.1/30 dev "$2" && echo $n && exit 0
        done; exit 1' _ $(($$ % 250)) "$OUT_IF") || return 1
    OUT_IP=172.31.$n.2
    ip link set "$OUT_IF" up &&
        ip -n "$OUT_NS" addr add "$OUT_IP/30" dev eth0 && ip -n "$OUT_NS" link set eth0 up &&
        ip -n "$OUT_NS" link set lo up || return 1
    mkdir -p "$RT_STATE/www" && echo outside >"$RT_STATE/www/index.html"
    ip netns exec "$OUT_NS" python3 -u -m http.server "$OUT_PORT" --bind "$OUT_IP" \
        --directory "$RT_STATE/www" >"$log" 2>&1 &
    on_exit "kill $!"
    wait_line "$log" "Serving HTTP" 30
}
