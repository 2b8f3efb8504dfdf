#!/bin/bash
# Runs one job per argument, each in its own fresh sandbox, all at once; prints each job's output
# and exit status, then deletes the sandboxes. Plain shell: mkdir, echo > cmd, cat.
#   examples/batch.sh 'make -C /src test' 'python3 -c "print(6*7)"' 'uname -r'
set -u
S=${SANDBOXES:-/sandboxes}
(($#)) || { echo "usage: $0 COMMAND..." >&2; exit 2; }
names=()
i=0
for job in "$@"; do
    name=batch-$$-$i
    mkdir "$S/$name" || { echo "batch: mkdir $name failed: $(tail -1 "$S/.log")" >&2; continue; }
    printf '%s' "$job" >"$S/$name/cmd"
    names+=("$name")
    i=$((i + 1))
done
status=0
for name in "${names[@]}"; do
    code=$(cat "$S/$name/exit") # waits for the end
    echo "== $(cat "$S/$name/cmd") (exit $code)"
    cat "$S/$name/output"
    ((code == 0)) || status=1
    rmdir "$S/$name"
done
exit $status
