#!/usr/bin/python3
"""Tiny stdlib WebSocket helper for the proxy tests.
  ws_echo.py serve PORT        echo server on 127.0.0.1:PORT; detaches once listening; a plain
                               HTTP request gets its own request head back as the body
  ws_echo.py client URL TEXT   sends TEXT in one masked frame, prints the echoed text"""
import base64, hashlib, os, socket, sys, urllib.parse

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def recv_until(s, marker):
    buf = b""
    while marker not in buf:
        chunk = s.recv(4096)
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    head, rest = buf.split(marker, 1)
    return head, rest


def read_exact(s, n, buf):
    while len(buf) < n:
        chunk = s.recv(4096)
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return buf[:n], buf[n:]


def read_frame(s, buf):
    hdr, buf = read_exact(s, 2, buf)
    op, ln = hdr[0] & 0x0F, hdr[1] & 0x7F
    masked = hdr[1] & 0x80
    if ln == 126:
        ext, buf = read_exact(s, 2, buf)
        ln = int.from_bytes(ext, "big")
    elif ln == 127:
        ext, buf = read_exact(s, 8, buf)
        ln = int.from_bytes(ext, "big")
    mask = b""
    if masked:
        mask, buf = read_exact(s, 4, buf)
    data, buf = read_exact(s, ln, buf)
    if masked:
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
    return op, data, buf


def frame(op, data, mask):
    head = bytes([0x80 | op])
    ln = len(data)
    mbit = 0x80 if mask else 0
    if ln < 126:
        head += bytes([mbit | ln])
    else:
        head += bytes([mbit | 126]) + ln.to_bytes(2, "big")
    if mask:
        key = os.urandom(4)
        return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(data))
    return head + data


def serve_one(c):
    head, buf = recv_until(c, b"\r\n\r\n")
    key = ""
    for line in head.decode().split("\r\n")[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "sec-websocket-key":
            key = v.strip()
    if not key:
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(head) + head)
        return
    acc = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    c.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Accept: %s\r\n\r\n" % acc).encode())
    while True:
        op, data, buf = read_frame(c, buf)
        if op == 8:
            c.sendall(frame(8, b"", False))
            return
        c.sendall(frame(op, b"echo:" + data, False))


def serve(port):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(8)
    if os.fork():
        os._exit(0)
    os.setsid()
    for fd in (0, 1, 2):
        os.dup2(os.open(os.devnull, os.O_RDWR), fd)
    while True:
        c, _ = srv.accept()
        if os.fork() == 0:
            try:
                serve_one(c)
            finally:
                os._exit(0)
        c.close()


def client(url, text):
    u = urllib.parse.urlparse(url)
    s = socket.create_connection((u.hostname, u.port), timeout=20)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
               % (u.path or "/", u.netloc, key)).encode())
    head, buf = recv_until(s, b"\r\n\r\n")
    status = head.split(b"\r\n")[0].decode()
    want = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    if " 101 " not in status + " " or want.encode() not in head:
        print("handshake failed: %s" % head.decode(errors="replace"))
        return 1
    s.sendall(frame(1, text.encode(), True))
    _, data, buf = read_frame(s, buf)
    print(data.decode())
    s.sendall(frame(8, b"", True))
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    else:
        sys.exit(client(sys.argv[2], sys.argv[3]))
