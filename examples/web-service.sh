#!/bin/bash
# Serves a directory from inside a sandbox and prints the URL that reaches it from this machine.
#   examples/web-service.sh [NAME] [PORT]     (Ctrl-C, or rmdir /sandboxes/NAME, to stop)
set -eu
S=${SANDBOXES:-/sandboxes}
name=${1:-web}
port=${2:-8000}
[[ -d $S/$name ]] || mkdir "$S/$name"
mkdir -p "$S/$name/files/srv/www"
echo "<h1>hello from sandbox $name</h1>" >"$S/$name/files/srv/www/index.html"
echo "exec python3 -m http.server $port --bind 127.0.0.1 --directory /srv/www" >"$S/$name/cmd"
url=$(cat "$S/$name/endpoints/$port")
echo "$url/"
