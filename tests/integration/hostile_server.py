#!/usr/bin/env python3
"""A lifecycle server that answers with what a broken or hostile server could send: ids that are
paths, an endpoint URL with a quote and a newline, headers with CR LF, quotes and backslashes,
an id in a create answer that points elsewhere, a start's stream whose end names another
command. 104-sandboxfs-hostile-server.t mounts sandboxfs on it. Usage: hostile_server.py PORT
(GET /echo/ answers with the request's headers as JSON; GET /deletes with the DELETE paths it
got, GET /paths with every path)."""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
SELF = f"127.0.0.1:{PORT}"
RUNNING = {"state": "Running"}
ITEMS = [
    {
        "id": "good-1",
        "metadata": {
            "name": "evil",
            "ok-key": "v",
            "": "empty",
            "a/b": "slash",
            ".": "dot",
            "..": "dots",
            "k" * 300: "long",
        },
        "status": RUNNING,
    },
    {"id": "good-2", "status": RUNNING},
    {"id": "good-3", "status": RUNNING},
    {"id": "good-4", "status": RUNNING},
    {"id": "../../etc", "status": RUNNING},
    {"id": "a/b", "status": RUNNING},
    {"id": ".hidden", "status": RUNNING},
    {"id": "", "status": RUNNING},
]
ENDPOINTS = {
    ("good-1", "8000"): {"endpoint": SELF + '/x"\nupload-file = /etc/shadow'},
    ("good-1", "8001"): {
        "endpoint": SELF + "/echo",
        "headers": {
            "X-Ok": 'a "quoted" \\ value',
            "X-Bad": "v\r\nX-Evil: 1",
            "X-Lf": "v\nupload-file = /etc/shadow",
            "Bad Name": "v",
        },
    },
    ("good-2", "44772"): {
        "endpoint": SELF + "/execd",
        "headers": {"X-EXECD-ACCESS-TOKEN": "t\r\nX-Evil: 1"},
    },
    # an execd replaced by something in the sandbox: its command ids are paths
    ("good-3", "44772"): {"endpoint": SELF + "/execd3", "headers": {"X-EXECD-ACCESS-TOKEN": "tok"}},
    # an execd with start-wait whose start streams tell the end of another command, or its own
    ("good-4", "44772"): {"endpoint": SELF + "/execd4"},
}
EXECD4_EXIT = {"c-other": 5, "c-own": 8}  # what /command/status/ID answers
DELETES = []
PATHS = []  # every request's path, for /paths


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms wait between

    def answer(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def sse(self, events):
        body = "".join("data: " + json.dumps(e) + "\n\n" for e in events).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def execd4_start(self, command):
        if command == "other":  # the end of a command that is not this one: to be ignored
            status = {"id": "c-victim", "running": False, "exit_code": 7}
            return self.sse([{"type": "init", "text": "c-other"},
                             {"type": "status", "status": status}])
        status = {"id": "c-own", "running": False, "exit_code": 8}
        return self.sse([{"type": "init", "text": "c-own"}, {"type": "status", "status": status}])

    def do_GET(self):
        PATHS.append(self.path)
        path = self.path.split("?")[0]
        parts = path.strip("/").split("/")
        if path.startswith("/echo"):
            return self.answer(200, {k: v for k, v in self.headers.items()})
        if path == "/execd3/ping":
            return self.answer(200, {})
        if path == "/execd4/ping":
            self.send_response(200)
            self.send_header("X-Execd-Extensions", "status-wait,start-wait")
            self.send_header("Content-Length", "0")
            return self.end_headers()
        if path.startswith("/execd4/command/status/"):
            cid = parts[-1]
            if cid in EXECD4_EXIT:
                status = {"id": cid, "running": False, "exit_code": EXECD4_EXIT[cid]}
                return self.answer(200, status)
        if path == "/deletes":
            return self.answer(200, DELETES)
        if path == "/paths":
            return self.answer(200, PATHS)
        if path == "/v1/sandboxes":
            return self.answer(200, {"items": ITEMS, "pagination": {"hasNextPage": False}})
        if path == "/v1/snapshots":
            return self.answer(200, {"items": [{"id": "snap-ok"}, {"id": "../up"}, {"id": "a/b"}]})
        if len(parts) == 5 and parts[:2] == ["v1", "sandboxes"] and parts[3] == "endpoints":
            ep = ENDPOINTS.get((parts[2], parts[4]))
            if ep:
                return self.answer(200, ep)
        if len(parts) == 3 and parts[:2] == ["v1", "sandboxes"]:
            for it in ITEMS:
                if it["id"] == parts[2]:
                    return self.answer(200, it)
        self.answer(404, {"code": "NOT_FOUND", "message": "no " + path})

    def do_POST(self):
        PATHS.append(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.split("?")[0] == "/execd4/command":
            return self.execd4_start(json.loads(body)["command"])
        if self.path.split("?")[0] == "/execd3/command":
            body = 'data: {"type":"init","text":"../../../victim"}\n\n'.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("X-Command-Id", "../../../victim")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return self.wfile.write(body)
        if self.path.split("?")[0] == "/v1/sandboxes":
            created = {"id": "../../v1/sandboxes/good-2", "status": {"state": "Pending"}}
            return self.answer(202, created)
        self.answer(404, {"code": "NOT_FOUND", "message": "no " + self.path})

    def do_DELETE(self):
        PATHS.append(self.path)
        DELETES.append(self.path)
        self.answer(204, {})

    def log_message(self, fmt, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
