// Makes a sandbox with the official JS SDK (metadata name=$NAME), runs a command in it, and prints
// its id and the command's output; sandboxfs must show the sandbox under that name.
// Env: SDK_DIR (node_modules root), DOMAIN (host:port), API_KEY, NAME.
import path from "node:path";
import { pathToFileURL } from "node:url";

const sdk = await import(pathToFileURL(
  path.join(process.env.SDK_DIR, "node_modules/@alibaba-group/opensandbox/dist/index.js")).href);
const { Sandbox, ConnectionConfig } = sdk;
const connectionConfig = new ConnectionConfig({
  domain: process.env.DOMAIN, apiKey: process.env.API_KEY, requestTimeoutSeconds: 60,
});
const sb = await Sandbox.create({ connectionConfig, image: "host", metadata: { name: process.env.NAME },
  resource: { cpu: "1", memory: "512Mi" }, timeoutSeconds: 600 });
const run = await sb.commands.run("echo made-by-sdk");
console.log(sb.id, run.logs.stdout.map((m) => m.text).join(""));
