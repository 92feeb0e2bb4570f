// Load generator of bench/suite/sockets.py: many idle `/chat` sockets through the official
// socket.io-client (websocket transport only), driven by commands on stdin.
//
//     node bench/js/sockets_load.mjs <url> <auth.json>
//
// <auth.json> is a JSON array of `auth` objects, one per socket to open. Commands, one per line:
//
//     connect <n>   open the next n sockets as fast as possible (at most WINDOW handshakes in flight)
//     close         disconnect every open socket at once
//     quit          exit
//
// Each command answers with one JSON line on stdout when it is done:
//     {"done": "connect", "connected": …, "refused": {code: count}, "failed": …, "seconds": …, "cpu": …}
//     {"done": "close", "closed": …, "seconds": …, "cpu": …}
// `cpu` is this process's user + system CPU seconds during the command: ≥ 90 % of `seconds` means
// the driver, not the server, set the pace.

import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { io } = require("socket.io-client");

const WINDOW = Number(process.env.SOCKETS_LOAD_WINDOW || 256);
const TIMEOUT_MS = Number(process.env.SOCKETS_LOAD_TIMEOUT_MS || 30000);

const [url, authPath] = process.argv.slice(2);
const auths = JSON.parse(readFileSync(authPath, "utf8"));
const open = [];
let next = 0;

function cpuSeconds() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

function connectOne(auth) {
  return new Promise((resolve) => {
    const socket = io(url + "/chat", {
      transports: ["websocket"],
      auth,
      forceNew: true,
      reconnection: false,
      timeout: TIMEOUT_MS,
    });
    let settled = false;
    const settle = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (result.ok) open.push(socket);
      else socket.close();
      resolve(result);
    };
    // The server may also close the connection before the namespace answers (its guard closes
    // connections not authenticated in time): that is a "disconnect", not a "connect_error".
    const timer = setTimeout(() => settle({ ok: false, code: "timeout" }), TIMEOUT_MS);
    socket.once("connect", () => settle({ ok: true }));
    socket.once("connect_error", (error) => {
      const code = error && error.data && error.data.code ? error.data.code : error.message || "error";
      settle({ ok: false, code: String(code) });
    });
    socket.once("disconnect", (reason) => settle({ ok: false, code: `closed: ${reason}` }));
  });
}

async function connect(count) {
  const started = performance.now();
  const cpu = cpuSeconds();
  const end = Math.min(auths.length, next + count);
  let connected = 0;
  const refused = {};
  async function worker() {
    while (next < end) {
      const result = await connectOne(auths[next++]);
      if (result.ok) connected += 1;
      else refused[result.code] = (refused[result.code] || 0) + 1;
    }
  }
  await Promise.all(Array.from({ length: Math.min(WINDOW, Math.max(1, end - next)) }, worker));
  return {
    done: "connect",
    connected,
    refused,
    open: open.length,
    seconds: (performance.now() - started) / 1000,
    cpu: cpuSeconds() - cpu,
  };
}

async function close() {
  const started = performance.now();
  const cpu = cpuSeconds();
  const closing = open.splice(0);
  for (const socket of closing) socket.disconnect();
  // Let the close frames go out before answering.
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { done: "close", closed: closing.length, seconds: (performance.now() - started) / 1000, cpu: cpuSeconds() - cpu };
}

const lines = createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on("line", (line) => {
  const [command, argument] = line.trim().split(/\s+/);
  queue = queue.then(async () => {
    let answer;
    if (command === "connect") answer = await connect(Number(argument));
    else if (command === "close") answer = await close();
    else if (command === "quit") process.exit(0);
    else answer = { done: command, error: "unknown command" };
    process.stdout.write(JSON.stringify(answer) + "\n");
  });
});
lines.on("close", () => process.exit(0));
