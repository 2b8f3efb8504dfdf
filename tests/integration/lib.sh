# Shared helpers for the shell integration tests (TAP). Source it, then call plan N.
# Component helpers live beside it (lib-execd.sh, lib-sandboxd.sh, lib-sandboxfs.sh).
set -u
# Debian's tools first: a pyenv shim in front of python3 costs ~0.7 s per call.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
SFS_ROOT=${SFS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SFS_BUILD=${SFS_BUILD:-$SFS_ROOT/build}
EXECD=${EXECD:-$SFS_BUILD/execd}
SANDBOXD=${SANDBOXD:-$SFS_BUILD/sandboxd}
SANDBOXFS=${SANDBOXFS:-$SFS_BUILD/sandboxfs}
_tap_n=0
_tap_fail=0
_cleanups=()

plan() { echo "1..$1"; }
done_testing() { echo "1..$_tap_n"; exit $((_tap_fail > 0)); } # the plan at the end
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
ok() { # ok COND-STATUS DESCRIPTION  (use: ok $? "desc" or check cmd...)
    _tap_n=$((_tap_n + 1))
    if [[ $1 == 0 ]]; then echo "ok $_tap_n - $2"; else echo "not ok $_tap_n - $2"; _tap_fail=$((_tap_fail + 1)); fi
}
check() { # check DESCRIPTION CMD...   runs CMD, ok if it succeeds
    local d=$1; shift
    "$@" >/dev/null 2>&1
    ok $? "$d"
}
is() { # is GOT WANT DESCRIPTION
    if [[ "$1" == "$2" ]]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got: '$1'" ; echo "#  want: '$2'"; fi
}
like() { # like GOT REGEX DESCRIPTION
    if [[ "$1" =~ $2 ]]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got: '${1:0:500}'"; echo "# regex: '$2'"; fi
}
diag() { echo "# $*"; }
on_exit() { _cleanups+=("$*"); }
_run_cleanups() {
    local i
    for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do eval "${_cleanups[i]}" >/dev/null 2>&1 || true; done
}
trap _run_cleanups EXIT

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_line FILE REGEX [SECONDS]: waits (without polling) until a line of FILE matches REGEX.
# Daemons print a "listening on ADDR" line once they accept connections; tests wait for it here.
wait_line() {
    timeout "${3:-10}" bash -c 'grep -q -m1 -E -- "$2" < <(tail -n +1 -F "$1" 2>/dev/null)' _ "$1" "$2"
}
