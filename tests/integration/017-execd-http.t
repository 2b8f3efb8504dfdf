#!/bin/bash
# execd's HTTP layer: keep-alive, pipelining, chunked bodies, 100-continue, and bad input.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-execd.sh"
plan 13

ex_start --max-body 100000
# raw REQUEST-BYTES: sends bytes to execd and prints the whole reply (connection closed by us
# after the server's answer or 5 s of silence).
raw() {
    python3 - "$EX_PORT" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
s.shutdown(socket.SHUT_WR)
out = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
except socket.timeout:
    out += b"<timeout>"
sys.stdout.write(out.decode("latin-1"))
PY
}
codes() { grep -o '^HTTP/1.1 [0-9]*' | tr '\n' ' '; }
is "$(raw 'GET /ping HTTP/1.1\r\nHost: x\r\n\r\nGET /ping HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | codes)" "HTTP/1.1 200 HTTP/1.1 200 HTTP/1.1 404 " "pipelined requests on one connection"
is "$(raw 'GARBAGE\r\n\r\n' | codes)" "HTTP/1.1 400 " "malformed request line: 400"
is "$(raw 'GET /ping HTTP/2.0\r\n\r\n' | codes)" "HTTP/1.1 505 " "unsupported version: 505"
is "$(raw 'GET /ping HTTP/1.1\r\nBad Header\r\n\r\n' | codes)" "HTTP/1.1 400 " "header without colon: 400"
is "$(raw 'POST /command HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n' | codes)" "HTTP/1.1 501 " "unknown transfer coding: 501"
is "$(raw 'POST /command HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n' | codes)" "HTTP/1.1 400 " "Content-Length with chunked: 400"
big=$(head -c 70000 /dev/zero | tr '\0' a)
is "$(raw "GET /ping HTTP/1.1\r\nX-Big: $big\r\n\r\n" | codes)" "HTTP/1.1 431 " "oversize header: 431"
is "$(raw 'POST /command HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n' | codes)" "HTTP/1.1 400 " "bad chunk size: 400"
is "$(raw 'POST /command HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\n{"com\r\n13\r\nmand":"echo chunk"}\r\n0\r\n\r\n' | grep -c '"text":"chunk"')" 1 "chunked request body"
head -c 200000 /dev/zero > "$EX_TMP/big"
is "$(status -XPUT --data-binary @"$EX_TMP/big" "$EX_URL/files/write?path=$EX_TMP/w")" 413 "body over --max-body: 413"
is "$(status -XPOST --data-binary @"$EX_TMP/big" "$EX_URL/files/upload" -H 'Content-Type: multipart/form-data; boundary=x')" 413 "upload over --max-body: 413"
head -c 1200000 /dev/zero | tr '\0' ' ' > "$EX_TMP/ws.json"
is "$(status -XPOST -H 'Expect: 100-continue' --data-binary @"$EX_TMP/ws.json" "$EX_URL/command")" 400 "large JSON via 100-continue: read fully, then 400"
is "$(status "$EX_URL/ping")" 200 "still serving"
