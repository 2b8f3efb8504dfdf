#!/bin/bash
# The official OpenSandbox JS SDK (npm @alibaba-group/opensandbox, pinned) against sandboxd:
# installed into a cache dir under the build dir at test time; skipped only when npm or the
# registry is unreachable.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-sandboxd.sh"
SDK_VERSION=0.1.11
sbxd_require
command -v node >/dev/null && command -v npm >/dev/null || skip_all "node/npm not installed (make deps)"
SDK_DIR=$SFS_BUILD/compat-node/sdk-$SDK_VERSION
if [[ ! -f $SDK_DIR/node_modules/@alibaba-group/opensandbox/package.json ]]; then
    mkdir -p "$SDK_DIR"
    echo '{"private":true}' >"$SDK_DIR/package.json"
    install() {
        timeout 300 npm install --prefix "$SDK_DIR" --no-audit --no-fund --loglevel=error \
            "@alibaba-group/opensandbox@$SDK_VERSION" >"$SDK_DIR.log" 2>&1
    }
    if ! install && ! install; then # one retry for a transient registry error
        if grep -qiE 'ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|network|socket hang up|E50[0-9]' "$SDK_DIR.log"; then
            skip_all "npm registry unreachable: $(tail -1 "$SDK_DIR.log")"
        fi
        plan 1
        ok 1 "npm install of the SDK"
        sed 's/^/# /' "$SDK_DIR.log"
        exit 1
    fi
fi
SBXD_VOLUME_DIR=$(mktemp -d /tmp/sbxd-sdkvol.XXXXXX)
on_exit "rm -rf '$SBXD_VOLUME_DIR'"
echo -n opensandbox-e2e-marker >"$SBXD_VOLUME_DIR/marker.txt"
sbxd_start "allowed_host_paths = [\"$SBXD_VOLUME_DIR\"]"
export SDK_DIR SBXD_ADDR SBXD_KEY SBXD_VOLUME_DIR OPENSANDBOX_DISABLE_METRICS=1
node "$SFS_ROOT/tests/compat/sdk_compat.mjs"
