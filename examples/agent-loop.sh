#!/bin/bash
# The loop an AI agent runs against a sandbox, in plain shell: read a command, run it, show its
# output and exit status, repeat. Commands come from stdin (one per line): pipe a model's output
# in, or type them. A session keeps cwd and exported variables between steps.
#   printf 'cd /tmp\nexport N=3\nseq $N\n' | examples/agent-loop.sh
set -u
S=${SANDBOXES:-/sandboxes}
box=${AGENT_SANDBOX:-agent-$$}
[[ -d $S/$box ]] || mkdir "$S/$box" || exit 1
mkdir -p "$S/$box/sessions/main"
step=0
while IFS= read -r line; do
    [[ -n $line ]] || continue
    step=$((step + 1))
    printf '%s' "$line" >"$S/$box/sessions/main/cmd" || { echo "step $step: could not start" >&2; continue; }
    code=$(cat "$S/$box/sessions/main/exit")
    echo "--- step $step: $line (exit $code)"
    cat "$S/$box/sessions/main/stdout"
done
[[ -n ${AGENT_SANDBOX:-} ]] || rmdir "$S/$box"
