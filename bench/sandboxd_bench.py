#!/usr/bin/python3
"""sandboxd benchmark driver (called by sandboxd_bench.sh with a running sandboxd).
Measures: create-to-ready (POST /v1/sandboxes + first successful execd /ping, as the SDK does)
against `runc run -d` of the same bundle + first /ping; memory per idle sandbox for N sandboxes."""
import ctypes, glob, http.client, json, os, shutil, socket, statistics, subprocess, sys, threading, time

ADDR, KEY, STATE = sys.argv[1], sys.argv[2], sys.argv[3]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "20"))
IDLE = int(os.environ.get("BENCH_IDLE", "50"))
HOST, PORT = ADDR.rsplit(":", 1)
libc = ctypes.CDLL("libc.so.6", use_errno=True)


def api(method, path, body=None):
    c = http.client.HTTPConnection(HOST, int(PORT), timeout=120)
    c.request(method, path, body=json.dumps(body) if body is not None else None,
              headers={"OPEN-SANDBOX-API-KEY": KEY, "Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, json.loads(data) if data else None


def ping_once(addr, token):
    h, p = addr.rsplit(":", 1)
    try:
        s = socket.create_connection((h, int(p)), timeout=2)
    except OSError:
        return False
    s.sendall(("GET /ping HTTP/1.1\r\nHost: x\r\nX-EXECD-ACCESS-TOKEN: %s\r\nConnection: close\r\n\r\n"
               % token).encode())
    ok = s.recv(64).startswith(b"HTTP/1.1 200")
    s.close()
    return ok


def wait_ping(addr, token, deadline=30):
    end = time.monotonic() + deadline
    delay = 0.001
    while time.monotonic() < end:
        if ping_once(addr, token):
            return True
        time.sleep(delay)
        delay = min(delay * 2, 0.02)
    return False


def create_ready():
    """SDK-equivalent: create, endpoint of 44772, then /ping until it answers."""
    t0 = time.monotonic()
    st, d = api("POST", "/v1/sandboxes", {"image": {"uri": "host"}, "entrypoint": ["tail", "-f", "/dev/null"],
                                         "resourceLimits": {"cpu": "1", "memory": "512Mi"}})
    assert st == 202, (st, d)
    st, ep = api("GET", "/v1/sandboxes/%s/endpoints/44772" % d["id"])
    assert st == 200, (st, ep)
    addr = ep["endpoint"].split("/proxy/")[0]
    assert wait_ping(addr, ep["headers"]["X-EXECD-ACCESS-TOKEN"])
    return time.monotonic() - t0, d["id"]


def runc_baseline(src_id, i):
    """runc run -d of the same sandbox's bundle (fresh id, cgroup and network namespace), then
    /ping from inside that namespace."""
    src = os.path.join(STATE, "sandboxes", src_id)
    bdir = os.path.join(STATE, "bench-bundle-%d" % i)
    os.makedirs(bdir, exist_ok=True)
    cfg = json.load(open(os.path.join(src, "config.json")))
    cfg["root"]["path"] = os.path.join(src, "rootfs")
    cfg["linux"]["cgroupsPath"] = "/sandboxd-bench/b%d" % i
    for ns in cfg["linux"]["namespaces"]:
        ns.pop("path", None)
    json.dump(cfg, open(os.path.join(bdir, "config.json"), "w"))
    token = [e.split("=", 1)[1] for e in cfg["process"]["env"] if e.startswith("EXECD_ACCESS_TOKEN=")][0]
    root = os.path.join(STATE, "bench-runc")
    cid = "bench-%d" % i
    t0 = time.monotonic()
    with open(os.devnull, "r+b") as dn:
        subprocess.run(["runc", "--root", root, "run", "-d", "-b", bdir, cid], stdin=dn, stdout=dn,
                       stderr=dn, check=True)
    pid = json.loads(subprocess.run(["runc", "--root", root, "state", cid], capture_output=True,
                                    check=True).stdout)["pid"]
    res = {}

    def in_netns():
        fd = os.open("/proc/%d/ns/net" % pid, os.O_RDONLY)
        if libc.setns(fd, 0x40000000) != 0:
            res["err"] = ctypes.get_errno()
            return
        res["ok"] = wait_ping("127.0.0.1:44772", token)

    th = threading.Thread(target=in_netns)
    th.start()
    th.join()
    dt = time.monotonic() - t0
    subprocess.run(["runc", "--root", root, "delete", "-f", cid], capture_output=True)
    shutil.rmtree(bdir, ignore_errors=True)
    return dt if res.get("ok") else None


def pss_kib(pid):
    try:
        for line in open("/proc/%d/smaps_rollup" % pid):
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kib(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def sandbox_procs(sid):
    procs = set()
    for f in glob.glob("/sys/fs/cgroup/pids/sandboxd/*%s*/cgroup.procs" % sid):
        procs.update(int(x) for x in open(f).read().split())
    return procs


def cgroup_mem(sid):
    for f in glob.glob("/sys/fs/cgroup/memory/sandboxd/*%s*/memory.usage_in_bytes" % sid):
        return int(open(f).read())
    return 0


def main():
    sbxd_pid = int(os.environ["SBXD_PID"])
    times, base = [], []
    first = None
    for i in range(ROUNDS):
        dt, sid = create_ready()
        times.append(dt)
        if first is None:
            first = sid
        else:
            api("DELETE", "/v1/sandboxes/" + sid)
    for i in range(ROUNDS):
        dt = runc_baseline(first, i)
        if dt is not None:
            base.append(dt)
    api("DELETE", "/v1/sandboxes/" + first)

    rss0 = rss_kib(sbxd_pid)
    ids = [create_ready()[1] for _ in range(IDLE)]
    time.sleep(2)  # let the sandboxes settle into idle before measuring
    pss = [sum(pss_kib(p) for p in sandbox_procs(s)) for s in ids]
    nprocs = [len(sandbox_procs(s)) for s in ids]
    cg = [cgroup_mem(s) / 1024 for s in ids]
    rss1 = rss_kib(sbxd_pid)
    for s in ids:
        api("DELETE", "/v1/sandboxes/" + s)

    def ms(v):
        return "%.1f ms" % (v * 1000)

    print("%-52s %12s %12s %12s" % ("measure", "p50", "p90", "max"))
    for name, v in (("sandboxd create-to-ready (create + first ping)", times),
                     ("runc run -d of the same bundle + first ping", base)):
        v = sorted(v)
        if not v:
            print("%-52s %12s" % (name, "failed"))
            continue
        print("%-52s %12s %12s %12s" % (name, ms(statistics.median(v)), ms(v[int(len(v) * 0.9) - 1]),
                                        ms(v[-1])))
    print("target: p50 create-to-ready < 150 ms (%d rounds)" % ROUNDS)
    print()
    print("%-52s %12s" % ("idle memory, %d sandboxes" % IDLE, "per sandbox"))
    print("%-52s %9.2f MiB" % ("PSS of the sandbox's processes (%.1f procs avg)" % statistics.mean(nprocs),
                               statistics.mean(pss) / 1024))
    print("%-52s %9.2f MiB" % ("memory cgroup usage (includes page cache)", statistics.mean(cg) / 1024))
    print("%-52s %9.2f MiB" % ("sandboxd RSS growth / sandbox", (rss1 - rss0) / 1024 / IDLE))
    print("target: < 4 MiB per idle sandbox (PSS + sandboxd share)")


main()
