#!/bin/bash
# execd: the direct-exec fast path (`true`/`false` without the shell) and its boundary: every
# command must give what `bash -c CMD` gives locally (stdout, stderr, exit code).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-execd.sh"
plan 27

ex_start

# outcome JSON-REQUEST: "stdout|stderr|exit" of an execd run (exit from the final event).
outcome() {
    ex -N -XPOST "$EX_URL/command" -H 'Content-Type: application/json' -d "$1" | python3 -c '
import json, sys
out, err, code = [], [], "?"
for block in sys.stdin.read().split("\n\n"):
    if not block:
        continue
    ev = json.loads(block)
    t = ev["type"]
    if t == "stdout": out.append(ev["text"])
    elif t == "stderr": err.append(ev["text"])
    elif t == "execution_complete": code = "0"
    elif t == "error": code = ev["error"]["evalue"]
print("%s|%s|%s" % ("/".join(out), "/".join(err), code))'
}

# local_bash CMD [ENV...]: the same for `/bin/bash -c CMD` (the shell execd runs), run here.
local_bash() {
    local cmd=$1 out err code
    shift
    out=$(env "$@" /bin/bash -c "$cmd" 2>"$EX_TMP/err" </dev/null)
    code=$?
    err=$(cat "$EX_TMP/err")
    echo "$(echo -n "$out" | paste -sd/)|$(echo -n "$err" | paste -sd/)|$code"
}

# same CMD [ENVS-JSON [ENV...]]: execd's outcome equals local bash's.
same() {
    local cmd=$1 envs=${2:-'{}'}
    shift 2 2>/dev/null || shift
    local req
    req=$(python3 -c 'import json,sys; print(json.dumps({"command": sys.argv[1], "envs": json.loads(sys.argv[2])}))' "$cmd" "$envs")
    is "$(outcome "$req")" "$(local_bash "$cmd" "$@")" "as bash -c: $cmd ${envs/\{\}/}"
}

# The fast path's own commands.
is "$(outcome '{"command":"true"}')" '||0' "true: complete"
is "$(outcome '{"command":"false"}')" '||1' "false: exit 1"
is "$(outcome '{"command":"  true\t "}')" '||0' "blanks around true"
is "$(outcome '{"command":"false","cwd":"/tmp"}')" '||1' "false with a cwd"
is "$(outcome '{"command":"true","envs":{"PATH":"/nonexistent"}}')" '||0' "true needs no PATH (a builtin in bash)"

# Builtins and words that must keep bash's behaviour.
same 'true --help'
same 'false --version'
same 'true; echo after'
same 'true && echo yes'
same 'false || echo no'
same 'true | cat'
same "echo -e 'a\\tb'"
same 'cd /tmp && pwd'
same 'export A=1; echo $A'
same 'A=1 true'
same 'TRUE'
same 'truex'
same 'nonexistent-command-xyz arg'
same '/usr/bin/true'
same '$X' '{"X":"true"}' X=true

# Environments in which bash does more than the builtin: they take the shell.
printf 'echo rc ran\n' >"$EX_TMP/rc"
same 'true' '{"BASH_ENV":"'"$EX_TMP"'/rc"}' BASH_ENV="$EX_TMP/rc"
same 'false' '{"SHELLOPTS":"xtrace"}' SHELLOPTS=xtrace
same 'true' '{"LC_ALL":"xx_YY.UTF-8"}' LC_ALL=xx_YY.UTF-8
same 'true' '{"BASH_FUNC_true%%":"() { echo fn; }"}' 'BASH_FUNC_true%%=() { echo fn; }'

# A command that is not found still gets bash's message and 127.
ev=$(run_fg '{"command":"nonexistent-command-xyz"}')
like "$ev" '"text":"[/a-z]*bash: line 1: nonexistent-command-xyz: command not found","type":"stderr"' "missing program: bash's message"
like "$ev" '"evalue":"127"' "missing program: 127"

# uid/gid requests take the shell; the result is the same.
is "$(outcome '{"command":"false","uid":65534,"gid":65534,"cwd":"/"}')" '||1' "false as another user"
