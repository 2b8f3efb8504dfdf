#!/bin/bash
# Installs every Debian package the project needs (the union of scripts/packages/*.txt).
# Idempotent: apt-get runs only when something is missing. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
# The benchmarks' peers (sshd, sshfs) only for make bench (DEPS_BENCH=1): the suite needs none.
lists=()
for f in scripts/packages/*.txt; do
    [[ $f == */bench.txt && -z ${DEPS_BENCH:-} ]] || lists+=("$f")
done
mapfile -t pkgs < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "${lists[@]}" | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js from another source (NodeSource) ships npm itself and conflicts with Debian's npm.
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]} == 0)); then
    echo "deps: all ${#pkgs[@]} packages present"
    exit 0
fi
if ((EUID != 0)); then
    echo "deps: missing packages: ${missing[*]} (run make deps as root)" >&2
    exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq </dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
echo "deps: done"
