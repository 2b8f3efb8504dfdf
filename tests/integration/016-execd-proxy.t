#!/bin/bash
# execd: /proxy/{port}/{path} for HTTP, streamed responses and WebSocket upgrades.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-execd.sh"
plan 12

ex_start --access-token tok
UP=$(free_port)
# A small upstream: echo of the request line/headers/body, an SSE stream, a WebSocket echo.
cat > "$EX_TMP/up.py" <<'PY'
import base64, hashlib, socket, sys, threading
def handle(c):
    f = c.makefile("rb")
    line = f.readline().decode()
    hdrs = {}
    while True:
        h = f.readline().decode()
        if h in ("\r\n", ""):
            break
        k, v = h.split(":", 1)
        hdrs[k.strip().lower()] = v.strip()
    method, target, _ = line.split(" ")
    if hdrs.get("upgrade", "").lower() == "websocket":
        acc = base64.b64encode(hashlib.sha1((hdrs["sec-websocket-key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        c.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n" % acc).encode())
        while True:
            b = f.read(2)
            if len(b) < 2:
                return
            n = b[1] & 127
            mask = f.read(4)
            data = bytes(x ^ mask[i % 4] for i, x in enumerate(f.read(n)))
            if b[0] & 15 == 8:
                return
            c.sendall(bytes([0x81, len(data)]) + data)
    body = f.read(int(hdrs.get("content-length", "0")))
    if target.startswith("/sse"):
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
        for i in range(3):
            c.sendall(b"data: %d\n\n" % i)
        c.close()
        return
    out = ("%s %s xff=%s xfp=%s host=%s body=%s" % (method, target, hdrs.get("x-forwarded-for"), hdrs.get("x-forwarded-proto"), hdrs.get("host"), body.decode())).encode()
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(out), out))
    c.close()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
print("listening", flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
PY
python3 "$EX_TMP/up.py" "$UP" > "$EX_TMP/up.log" 2>&1 &
on_exit "kill $!"
wait_line "$EX_TMP/up.log" listening

is "$(ex "$EX_URL/proxy/$UP/some/path%20x?q=1&r=a%2Fb")" "GET /some/path%20x?q=1&r=a%2Fb xff=127.0.0.1 xfp=http host=127.0.0.1:$EX_PORT body=" "GET: path and query as sent, X-Forwarded-*, no token needed"
is "$(ex -XPOST -d 'hello=1' "$EX_URL/proxy/$UP/post")" "POST /post xff=127.0.0.1 xfp=http host=127.0.0.1:$EX_PORT body=hello=1" "POST body forwarded"
is "$(ex "$EX_URL/proxy/$UP")" "GET / xff=127.0.0.1 xfp=http host=127.0.0.1:$EX_PORT body=" "no path: /"
is "$(ex -N "$EX_URL/proxy/$UP/sse")" $'data: 0\n\ndata: 1\n\ndata: 2' "streamed response relayed"
is "$(status "$EX_URL/proxy/$EX_PORT/ping")" 401 "proxy to execd's own port needs the token"
is "$(status -H 'X-EXECD-ACCESS-TOKEN: tok' "$EX_URL/proxy/$EX_PORT/ping")" 200 "... and works with it"
DEAD=$(free_port)
is "$(status "$EX_URL/proxy/$DEAD/x")" 502 "nothing listening: 502"
is "$(status "$EX_URL/proxy/99999/x")" 400 "invalid port: 400"
ws=$(python3 - "$EX_PORT" "$UP" <<'PY'
import base64, os, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(("GET /proxy/%s/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (sys.argv[2], key)).encode())
f = s.makefile("rb")
status = f.readline().decode().strip()
while f.readline() not in (b"\r\n", b""):
    pass
out = [status]
for msg in (b"hello", b"world"):
    mask = os.urandom(4)
    s.sendall(bytes([0x81, 0x80 | len(msg)]) + mask + bytes(x ^ mask[i % 4] for i, x in enumerate(msg)))
    h = f.read(2)
    out.append(f.read(h[1] & 127).decode())
print(" ".join(out))
PY
)
is "$ws" "HTTP/1.1 101 Switching Protocols hello world" "WebSocket upgrade and echo through the proxy"
# The connection closes after a proxied exchange; execd keeps serving.
is "$(status -H 'X-EXECD-ACCESS-TOKEN: tok' "$EX_URL/ping")" 200 "execd still serves"
chunked=$(ex -XPOST -H 'Transfer-Encoding: chunked' -d 'abc' "$EX_URL/proxy/$UP/c")
like "$chunked" "^POST /c " "chunked request relayed"
is "$(status -XDELETE "$EX_URL/proxy/$UP/d")" 200 "any method"
