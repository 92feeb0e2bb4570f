// The bench suite's load generator (issue 14): the official socket.io-client, in one Node process.
//
//     node bench/js/chat_load.mjs SPEC.json
//
// SPEC (written by bench/suite/chat.py):
//   {"scenario": "one_to_one" | "group",
//    "clients": [{"url": "http://127.0.0.1:PORT", "auth": {...}}, ...],  // [0] sends; one_to_one: [1] receives
//    "chat_id": ..., "warmup": N, "messages": N, "window": N,
//    "connect_seconds": S, "seconds": S}
//
// Lines of JSON on stdout: {"event": "measuring"} once the clients are connected, quiet and warmed
// up — then it waits for a line on stdin (the orchestrator reads the server's CPU time) — and
// {"event": "result", ...} at the end; {"event": "error", "message": ...} (exit status 1) if
// something failed. Every wait is bounded by SPEC's seconds.
//
// - one_to_one: one message in flight: the sender sends, waits for the recipient's `message` and
//   its own ack, and sends the next; the recipient's latency (send → receipt) of each message.
// - group: the sender keeps up to `window` messages awaiting their ack; every other client counts
//   the `message`s it receives, and every message must reach every one of them (missing and
//   duplicated deliveries are counted).
//
// The driver's own CPU (process.cpuUsage) over the measured part is reported against wall time:
// at ≥ 90% of one core the figure is the driver's ceiling, not the server's ("saturated").
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { performance } from "node:perf_hooks";

import { io } from "socket.io-client";

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const NAMESPACE = "/chat";
const CONNECTS_IN_FLIGHT = 20;
const QUIET_MS = 200; // nothing received for this long: the connects' presence events are over

function say(line) {
  process.stdout.write(JSON.stringify(line) + "\n");
}

function fail(message) {
  say({ event: "error", message: String(message) });
  process.exit(1);
}

function secondsLeft(deadline) {
  return Math.max(0, deadline - performance.now());
}

let lastEventAt = performance.now();

function connectOne({ url, auth }, deadline) {
  return new Promise((resolve, reject) => {
    const socket = io(url + NAMESPACE, {
      transports: ["websocket"],
      auth,
      forceNew: true,
      reconnection: false,
      timeout: Math.max(1000, secondsLeft(deadline)),
    });
    socket.onAny(() => {
      lastEventAt = performance.now();
    });
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (error) => {
      socket.close();
      reject(new Error(`connect to ${url}: ${error.message}`));
    });
  });
}

async function connectAll(clients, deadline) {
  const sockets = new Array(clients.length);
  let next = 0;
  async function worker() {
    while (next < clients.length) {
      const index = next++;
      sockets[index] = await connectOne(clients[index], deadline);
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONNECTS_IN_FLIGHT, clients.length) }, worker));
  return sockets;
}

async function quiet(deadline) {
  while (performance.now() - lastEventAt < QUIET_MS && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function goSignal() {
  say({ event: "measuring" });
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.once("line", () => {
      lines.close();
      resolve();
    });
  });
}

function payload(clientId) {
  return { chat_id: spec.chat_id, client_id: clientId, body: "Hello, how are you?" };
}

// --- one_to_one ---------------------------------------------------------------------------------

function oneToOne(sender, recipient, tag, count, deadline) {
  const latencies = [];
  let failures = 0;
  let pending = null;
  recipient.on("message", (message) => {
    if (pending && message?.client_id === pending.clientId && pending.receivedAt === null) {
      pending.receivedAt = performance.now();
      pending.check();
    }
  });
  function sendOne(index) {
    return new Promise((resolve) => {
      const clientId = `${tag}-${index}`;
      const timer = setTimeout(() => finish(false), Math.min(10_000, secondsLeft(deadline) + 1000));
      pending = { clientId, receivedAt: null, ack: null, startedAt: 0, check: () => {} };
      const current = pending;
      function finish(ok) {
        clearTimeout(timer);
        if (pending === current) pending = null;
        if (ok) latencies.push(current.receivedAt - current.startedAt);
        else failures += 1;
        resolve();
      }
      current.check = () => {
        if (current.receivedAt !== null && current.ack !== null) finish(current.ack.ok === true);
      };
      current.startedAt = performance.now();
      sender.emit("send_message", payload(clientId), (answer) => {
        current.ack = answer ?? {};
        current.check();
      });
    });
  }
  return (async () => {
    for (let index = 0; index < count && performance.now() < deadline; index++) {
      await sendOne(index);
    }
    return { latencies, failures };
  })();
}

// --- group ----------------------------------------------------------------------------------------

function group(sender, members, tag, count, window, deadline) {
  const seen = members.map(() => new Uint8Array(count));
  const prefix = `${tag}-`;
  let delivered = 0;
  let duplicates = 0;
  let lastDeliveryAt = performance.now();
  const listeners = members.map((member, position) => {
    const listener = (message) => {
      const clientId = message?.client_id;
      if (typeof clientId !== "string" || !clientId.startsWith(prefix)) return;
      const index = Number(clientId.slice(prefix.length));
      if (seen[position][index]) duplicates += 1;
      else {
        seen[position][index] = 1;
        delivered += 1;
      }
      lastDeliveryAt = performance.now();
    };
    member.on("message", listener);
    return listener;
  });
  const acked = new Uint8Array(count);
  let sent = 0;
  let answered = 0;
  let ackedCount = 0;
  let failures = 0;
  const startedAt = performance.now();
  return new Promise((resolve) => {
    function done() {
      return answered === sent && sent === count && delivered >= ackedCount * members.length;
    }
    function finish() {
      clearInterval(watch);
      members.forEach((member, position) => member.off("message", listeners[position]));
      let missing = 0;
      for (let index = 0; index < count; index++) {
        if (!acked[index]) continue;
        for (const row of seen) if (!row[index]) missing += 1;
      }
      resolve({
        sent,
        acked: ackedCount,
        failures,
        delivered,
        expected: ackedCount * members.length,
        missing,
        duplicates,
        seconds: (lastDeliveryAt - startedAt) / 1000,
      });
    }
    function pump() {
      while (sent < count && sent - answered < window && performance.now() < deadline) {
        const index = sent++;
        sender.emit("send_message", payload(`${prefix}${index}`), (answer) => {
          answered += 1;
          if (answer?.ok === true) {
            acked[index] = 1;
            ackedCount += 1;
          } else failures += 1;
          pump();
        });
      }
    }
    // Deliveries complete between acks; a timer notices the end (and the deadline).
    const watch = setInterval(() => {
      if (done() || performance.now() >= deadline) finish();
    }, 5);
    pump();
  });
}

// --- main ----------------------------------------------------------------------------------------

async function main() {
  const connectDeadline = performance.now() + spec.connect_seconds * 1000;
  const sockets = await connectAll(spec.clients, connectDeadline);
  for (const socket of sockets) socket.on("disconnect", (reason) => fail(`a client was disconnected: ${reason}`));
  await quiet(connectDeadline);
  const tag = Math.random().toString(36).slice(2, 10);
  const [sender] = sockets;

  let measure;
  if (spec.scenario === "one_to_one") {
    const recipient = sockets[1];
    const warm = await oneToOne(sender, recipient, `${tag}w`, spec.warmup, performance.now() + spec.seconds * 1000);
    if (spec.warmup && !warm.latencies.length) throw new Error("warm-up: no message was delivered");
    recipient.removeAllListeners("message");
    measure = () => oneToOne(sender, recipient, tag, spec.messages, performance.now() + spec.seconds * 1000);
  } else if (spec.scenario === "group") {
    const others = sockets.slice(1);
    if (spec.warmup) {
      const warm = await group(sender, others, `${tag}w`, spec.warmup, spec.window, performance.now() + spec.seconds * 1000);
      if (warm.missing || warm.failures) throw new Error(`warm-up: ${warm.missing} missing, ${warm.failures} refused`);
    }
    measure = () => group(sender, others, tag, spec.messages, spec.window, performance.now() + spec.seconds * 1000);
  } else {
    throw new Error(`unknown scenario ${spec.scenario}`);
  }

  await goSignal();
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  const result = await measure();
  const wallSeconds = (performance.now() - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (result.latencies) result.latencies = result.latencies.map((ms) => Math.round(ms * 1000) / 1000);
  say({
    event: "result",
    scenario: spec.scenario,
    clients: sockets.length,
    wall_seconds: wallSeconds,
    driver_cpu_seconds: cpuSeconds,
    driver_cpu_fraction: wallSeconds > 0 ? cpuSeconds / wallSeconds : 0,
    ...result,
  });
  for (const socket of sockets) socket.removeAllListeners("disconnect");
  process.exit(0);
}

main().catch((error) => fail(error?.stack ?? error));
