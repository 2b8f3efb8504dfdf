// OpenSandbox JS SDK compatibility test against sandboxd. Prints TAP.
// Env: SDK_DIR (node_modules root with @alibaba-group/opensandbox), SBXD_ADDR, SBXD_KEY.
import assert from "node:assert/strict";
import path from "node:path";
import { pathToFileURL } from "node:url";

const sdk = await import(pathToFileURL(
  path.join(process.env.SDK_DIR, "node_modules/@alibaba-group/opensandbox/dist/index.js")).href);
const { Sandbox, SandboxManager, ConnectionConfig } = sdk;

const conn = () => new ConnectionConfig({
  domain: process.env.SBXD_ADDR, apiKey: process.env.SBXD_KEY, requestTimeoutSeconds: 60,
});
let n = 0, failed = 0;
const tests = [];
const test = (name, fn) => tests.push([name, fn]);

const text = (ex) => ex.logs.stdout.map((m) => m.text).join("\n");
let sbx, other, manager;

test("create with the default entrypoint", async () => {
  sbx = await Sandbox.create({ connectionConfig: conn(), image: "host", metadata: { suite: "compat", tag: "one" },
    timeoutSeconds: 600, resource: { cpu: "1", memory: "1Gi" } });
  assert.ok(sbx.id);
});
test("getInfo: Running, default entrypoint, metadata, expiresAt", async () => {
  const info = await sbx.getInfo();
  assert.equal(info.status.state, "Running");
  assert.deepEqual(info.entrypoint, ["tail", "-f", "/dev/null"]);
  assert.equal(info.metadata.tag, "one");
  assert.ok(info.createdAt instanceof Date && info.expiresAt instanceof Date);
});
test("isHealthy", async () => assert.equal(await sbx.isHealthy(), true));
test("commands.run success: one stdout event, exit 0, complete", async () => {
  const ex = await sbx.commands.run("echo Hello OpenSandbox");
  assert.equal(text(ex), "Hello OpenSandbox");
  assert.equal(ex.logs.stdout.length, 1);
  assert.equal(ex.exitCode, 0);
  assert.ok(ex.complete);
  assert.ok(!ex.error);
});
test("commands.run failure: CommandExecError with the exit code", async () => {
  const ex = await sbx.commands.run("nonexistent-command-xyz; exit 3");
  assert.equal(ex.error?.name, "CommandExecError");
  assert.equal(ex.exitCode, 3);
  assert.equal(ex.exitCode, Number(ex.error.value));
  assert.ok(!ex.complete);
  assert.match(ex.logs.stderr.map((m) => m.text).join("\n"), /nonexistent-command-xyz/);
});
test("commands.run cwd", async () => {
  const ex = await sbx.commands.run("pwd", { workingDirectory: "/tmp" });
  assert.equal(text(ex), "/tmp");
});
test("commands.run env", async () => {
  const ex = await sbx.commands.run("echo $COMPAT_VAR", { envs: { COMPAT_VAR: "injected" } });
  assert.equal(text(ex), "injected");
});
test("background command + status + logs", async () => {
  const started = Date.now();
  const bg = await sbx.commands.run("echo line-one; sleep 0.3; echo line-two", { background: true });
  assert.ok(Date.now() - started < 10000);
  assert.equal(bg.exitCode ?? null, null);
  assert.ok(bg.id);
  // Wait for the command's end (the API has no wait call): ask its status until it ended,
  // bounded, so a loaded machine cannot make this flaky.
  let st = await sbx.commands.getCommandStatus(bg.id);
  for (let i = 0; st.running && i < 300; i++) {
    await new Promise((r) => setTimeout(r, 100));
    st = await sbx.commands.getCommandStatus(bg.id);
  }
  assert.equal(st.id, bg.id);
  assert.equal(st.running, false);
  assert.equal(st.exitCode, 0);
  const logs = await sbx.commands.getBackgroundCommandLogs(bg.id);
  assert.match(logs.content, /line-one/);
  assert.match(logs.content, /line-two/);
});
test("bash session: cwd and exported env persist, exit code", async () => {
  const sid = await sbx.commands.createSession({ workingDirectory: "/tmp" });
  let ex = await sbx.commands.runInSession(sid, "export SESSION_VAR=kept; cd /var");
  assert.ok(!ex.error);
  ex = await sbx.commands.runInSession(sid, "echo $SESSION_VAR; pwd");
  assert.equal(text(ex), "kept\n/var");
  ex = await sbx.commands.runInSession(sid, "exit 7");
  assert.equal(ex.error?.value, "7");
  await sbx.commands.deleteSession(sid);
});
test("files: write, read, range read, info", async () => {
  await sbx.files.createDirectories([{ path: "/tmp/compat", mode: 755 }]);
  await sbx.files.writeFiles([{ path: "/tmp/compat/a.txt", data: "0123456789abcdef", mode: 644 }]);
  assert.equal(await sbx.files.readFile("/tmp/compat/a.txt"), "0123456789abcdef");
  assert.equal(await sbx.files.readFile("/tmp/compat/a.txt", { range: "bytes=0-9" }), "0123456789");
  const info = await sbx.files.getFileInfo(["/tmp/compat/a.txt"]);
  assert.equal(info["/tmp/compat/a.txt"].size, 16);
  assert.equal(info["/tmp/compat/a.txt"].mode, 644);
});
test("files: list and search", async () => {
  await sbx.files.writeFiles([{ path: "/tmp/compat/sub/b.log", data: "b" }]);
  const list = await sbx.files.listDirectory({ path: "/tmp/compat", depth: 1 });
  assert.deepEqual(list.map((f) => path.basename(f.path)).sort(), ["a.txt", "sub"]);
  const found = await sbx.files.search({ path: "/tmp/compat", pattern: "*.log" });
  assert.deepEqual(found.map((f) => f.path), ["/tmp/compat/sub/b.log"]);
});
test("files: move, permissions, delete", async () => {
  await sbx.files.moveFiles([{ src: "/tmp/compat/a.txt", dest: "/tmp/compat/moved.txt" }]);
  assert.equal(await sbx.files.readFile("/tmp/compat/moved.txt"), "0123456789abcdef");
  await sbx.files.setPermissions([{ path: "/tmp/compat/moved.txt", mode: 600 }]);
  const info = await sbx.files.getFileInfo(["/tmp/compat/moved.txt"]);
  assert.equal(info["/tmp/compat/moved.txt"].mode, 600);
  await sbx.files.deleteFiles(["/tmp/compat/moved.txt"]);
  await assert.rejects(sbx.files.readFile("/tmp/compat/moved.txt"));
});
test("getEndpoint: HOST:PORT/proxy/N for any port", async () => {
  for (const port of [44772, 18080, 8080]) {
    const ep = await sbx.getEndpoint(port);
    assert.ok(ep.endpoint.endsWith(`/proxy/${port}`), ep.endpoint);
    assert.ok(ep.headers && ep.headers["X-EXECD-ACCESS-TOKEN"]);
  }
});
test("metrics", async () => {
  const m = await sbx.getMetrics();
  assert.ok(m.cpuCount > 0);
  assert.ok(m.cpuUsedPercentage >= 0 && m.cpuUsedPercentage <= 100);
  assert.ok(m.memoryUsedMiB >= 0 && m.memoryUsedMiB <= m.memoryTotalMiB);
  assert.ok(Math.abs(Date.now() - m.timestamp) < 120000);
});
test("renew", async () => {
  const before = (await sbx.getInfo()).expiresAt.getTime();
  const r = await sbx.renew(1800);
  assert.ok(r.expiresAt instanceof Date || typeof r.expiresAt === "string");
  const after = (await sbx.getInfo()).expiresAt.getTime();
  assert.ok(after > before, `${after} > ${before}`);
});
test("pause and resume", async () => {
  await sbx.pause();
  assert.equal((await sbx.getInfo()).status.state, "Paused");
  await sbx.resume();
  assert.equal((await sbx.getInfo()).status.state, "Running");
  const ex = await sbx.commands.run("echo after-resume");
  assert.equal(text(ex), "after-resume");
});
test("list with state and metadata filters", async () => {
  other = await Sandbox.create({ connectionConfig: conn(), image: "host", metadata: { suite: "compat", tag: "two" },
    timeoutSeconds: null });
  await other.pause();
  manager = SandboxManager.create({ connectionConfig: conn() });
  const paused = await manager.listSandboxInfos({ states: ["Paused"], metadata: { suite: "compat" } });
  assert.deepEqual(paused.items.map((s) => s.id), [other.id]);
  const both = await manager.listSandboxInfos({ states: ["Running", "Paused"], metadata: { suite: "compat" } });
  assert.equal(both.items.length, 2);
  const one = await manager.listSandboxInfos({ metadata: { suite: "compat", tag: "one" } });
  assert.deepEqual(one.items.map((s) => s.id), [sbx.id]);
  assert.equal((await other.getInfo()).expiresAt, null);
});
test("patchMetadata", async () => {
  const info = await sbx.patchMetadata({ tag: null, added: "yes" });
  assert.deepEqual(info.metadata, { suite: "compat", added: "yes" });
});
test("Sandbox.connect to an existing sandbox", async () => {
  const again = await Sandbox.connect({ connectionConfig: conn(), sandboxId: sbx.id });
  const ex = await again.commands.run("cat /etc/hostname >/dev/null; echo connected");
  assert.equal(text(ex), "connected");
});
test("useServerProxy: commands (SSE) and files through sandboxd's proxy", async () => {
  const cfg = new ConnectionConfig({ domain: process.env.SBXD_ADDR, apiKey: process.env.SBXD_KEY,
    useServerProxy: true });
  const viaProxy = await Sandbox.connect({ connectionConfig: cfg, sandboxId: sbx.id });
  const ep = await viaProxy.getEndpoint(44772);
  assert.equal(ep.endpoint, `${process.env.SBXD_ADDR}/sandboxes/${sbx.id}/proxy/44772`);
  const ex = await viaProxy.commands.run("echo proxied; echo err >&2");
  assert.equal(text(ex), "proxied");
  assert.equal(ex.exitCode, 0);
  await viaProxy.files.writeFiles([{ path: "/tmp/compat/proxied.txt", data: "through the proxy" }]);
  assert.equal(await viaProxy.files.readFile("/tmp/compat/proxied.txt"), "through the proxy");
  await viaProxy.close();
});
test("host volumes (read-write, read-only) and a deny-all networkPolicy", async () => {
  const dir = process.env.SBXD_VOLUME_DIR;
  const v = await Sandbox.create({ connectionConfig: conn(), image: "host", timeoutSeconds: 600,
    networkPolicy: { defaultAction: "deny", egress: [] },
    volumes: [{ name: "rw", host: { path: dir }, mountPath: "/mnt/rw" },
              { name: "ro", host: { path: dir }, mountPath: "/mnt/ro", readOnly: true }] });
  try {
    assert.equal(text(await v.commands.run("cat /mnt/rw/marker.txt")), "opensandbox-e2e-marker");
    await v.files.writeFiles([{ path: "/mnt/rw/from-sdk.txt", data: "written" }]);
    assert.equal(text(await v.commands.run("cat /mnt/ro/from-sdk.txt")), "written");
    const ro = await v.commands.run("echo x > /mnt/ro/nope.txt");
    assert.ok(ro.error, "write to a read-only volume fails");
  } finally {
    await v.kill();
    await v.close();
  }
});
test("manager rejects unknown ids", async () => {
  await assert.rejects(manager.getSandboxInfo("00000000-0000-4000-8000-000000000000"));
  await assert.rejects(manager.pauseSandbox("00000000-0000-4000-8000-000000000000"));
});
test("kill", async () => {
  await sbx.kill();
  await other.kill();
  await assert.rejects(sbx.getInfo());
});

for (const [name, fn] of tests) {
  n++;
  try {
    await fn();
    console.log(`ok ${n} - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok ${n} - ${name}`);
    for (const line of String(e?.stack ?? e).split("\n").slice(0, 8)) console.log(`#   ${line}`);
  }
}
console.log(`1..${n}`);
for (const s of [sbx, other, manager]) { try { await s?.close(); } catch {} }
process.exit(failed ? 1 : 0);
