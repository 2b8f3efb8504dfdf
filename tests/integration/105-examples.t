#!/bin/bash
# The shell examples run against a real mount.
source "$(dirname "$0")/lib-sandboxfs.sh"
sfs_setup
export SANDBOXES=$MNT
out=$("$SFS_ROOT/examples/batch.sh" 'echo one' 'echo two; exit 3' 2>&1)
ok $([[ $? == 1 ]] && echo 0 || echo 1) "batch.sh reports a failing job"
like "$out" "== echo one \(exit 0\)"$'\n'"one" "batch.sh shows each job's output and status"
like "$out" "\(exit 3\)" "batch.sh shows the failing status"
ok $([[ -z $(ls "$MNT") ]] && echo 0 || echo 1) "batch.sh deleted its sandboxes"
out=$(printf 'cd /tmp\nexport N=3\nseq $N\npwd\n' | "$SFS_ROOT/examples/agent-loop.sh" 2>&1)
like "$out" "step 3: seq \\\$N \(exit 0\)"$'\n'"1"$'\n'"2"$'\n'"3" "agent-loop.sh keeps env between steps"
like "$out" "step 4: pwd \(exit 0\)"$'\n'"/tmp" "agent-loop.sh keeps cwd between steps"
url=$("$SFS_ROOT/examples/web-service.sh" web 8123 2>&1)
like "$url" "^http://" "web-service.sh prints a URL"
page=$(curl -s --retry 30 --retry-connrefused --retry-all-errors --retry-delay 1 "$url")
like "$page" "hello from sandbox web" "the URL serves the sandbox's page"
done_testing
