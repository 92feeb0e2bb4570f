// The chat page's outbox (campus/static/js/chat/outbox.js): one message at a time, in order,
// always with its original client_id; retries and failures; kept across a reload of the tab.

import assert from "node:assert/strict";
import { test } from "node:test";

import { MAX_AUTOMATIC_TRIES } from "../../campus/static/js/chat/config.js";
import { newClientId, Outbox } from "../../campus/static/js/chat/outbox.js";
import { FakeTimers, memoryStorage } from "./fakes.mjs";

/** An outbox on a fake link: `sends` holds [payload, callback] for the test to answer. */
function outboxOnLink({ storage = null } = {}) {
  const timers = new FakeTimers();
  let ids = 0;
  const outbox = new Outbox({ storage, key: "k", timers, newId: () => "c" + ++ids, now: () => new Date("2026-01-01T00:00:00Z") });
  const link = { online: true, sends: [], acked: [], failed: [] };
  outbox.attach({
    emit: (payload, callback) => link.sends.push([payload, callback]),
    connected: () => link.online,
    acked: (message, entry) => { link.acked.push(message); outbox.settle(entry.client_id); },
    failed: (entry) => link.failed.push(entry.client_id),
  });
  outbox.ready = true;
  return { outbox, link, timers };
}

const ok = (payload) => ({ ok: true, message: { id: 1, seq: 1, ...payload } });
const refused = (code) => ({ ok: false, error: { code, message: code } });
const sentIds = (link) => link.sends.map(([payload]) => payload.client_id);

function write(outbox, ...bodies) {
  for (const body of bodies) {
    outbox.requeue(outbox.add(7, body));
    outbox.pump();
  }
}

test("one message at a time, in the order written", () => {
  const { outbox, link } = outboxOnLink();
  write(outbox, "one", "two");
  assert.deepEqual(link.sends.map(([payload]) => payload), [{ chat_id: 7, client_id: "c1", body: "one" }]);
  const [[payload, callback]] = link.sends;
  callback(null, ok(payload));
  assert.deepEqual(sentIds(link), ["c1", "c2"]);
  assert.equal(link.acked.length, 1);
});

test("nothing is sent before the reconnect procedure has run, nor while disconnected", () => {
  const { outbox, link } = outboxOnLink();
  outbox.ready = false;
  write(outbox, "one");
  assert.equal(link.sends.length, 0);
  outbox.ready = true;
  link.online = false;
  outbox.pump();
  assert.equal(link.sends.length, 0);
  link.online = true;
  outbox.pump();
  assert.deepEqual(sentIds(link), ["c1"]);
});

test("a lost connection leaves the message pending for the reconnect procedure to resend", () => {
  const { outbox, link } = outboxOnLink();
  write(outbox, "one");
  link.online = false;
  link.sends[0][1](new Error("socket has been disconnected"));
  assert.equal(outbox.entries.get("c1").status, "pending");
  assert.equal(outbox.inFlight, null);
  link.online = true;
  outbox.pump();
  assert.deepEqual(sentIds(link), ["c1", "c1"]);
});

test("an error that may pass (rate_limited, no ack) is retried with the same client_id after a pause, others first", () => {
  const { outbox, link, timers } = outboxOnLink();
  write(outbox, "one", "two");
  link.sends[0][1](null, refused("rate_limited"));
  assert.deepEqual(sentIds(link), ["c1", "c2"]);   // "two" goes while "one" waits
  link.sends[1][1](null, ok(link.sends[1][0]));
  timers.advance(999);
  assert.equal(link.sends.length, 2);
  timers.advance(1);
  assert.deepEqual(sentIds(link), ["c1", "c2", "c1"]);
  link.sends[2][1](new Error("operation has timed out"));   // still connected: a timeout
  timers.advance(2000);
  assert.deepEqual(sentIds(link), ["c1", "c2", "c1", "c1"]);
  assert.equal(MAX_AUTOMATIC_TRIES, 3);
  link.sends[3][1](null, refused("internal_error"));   // the third try: given up
  assert.deepEqual(link.failed, ["c1"]);
  assert.equal(outbox.entries.get("c1").status, "failed");
  assert.equal(outbox.entries.get("c1").error, "internal_error");
});

test("a refusal that will not pass fails at once; Retry sends it again with the same client_id", () => {
  const { outbox, link } = outboxOnLink();
  write(outbox, "bad \u0000 text");
  link.sends[0][1](null, refused("validation_error"));
  assert.deepEqual(link.failed, ["c1"]);
  outbox.pump();
  assert.equal(link.sends.length, 1);   // a failed message waits for the user
  const entry = outbox.entries.get("c1");
  outbox.requeue(entry);
  outbox.pump();
  assert.deepEqual(sentIds(link), ["c1", "c1"]);
  assert.equal(entry.tries, 1);
});

test("a message settled while in flight (its broadcast came first) lets the next one go", () => {
  const { outbox, link } = outboxOnLink();
  write(outbox, "one", "two");
  assert.equal(outbox.settle("c1"), true);
  assert.equal(outbox.settle("c1"), false);
  link.sends[0][1](null, ok(link.sends[0][0]));
  assert.deepEqual(sentIds(link), ["c1", "c2"]);
  assert.equal(link.acked.length, 0);
});

test("the outbox survives a reload of the tab: only what is needed to resend is stored", () => {
  const storage = memoryStorage();
  const { outbox } = outboxOnLink({ storage });
  outbox.ready = false;
  write(outbox, "one");
  assert.deepEqual(JSON.parse(storage.getItem("k")), [{ client_id: "c1", chat_id: 7, body: "one", created_at: "2026-01-01T00:00:00.000Z" }]);
  storage.setItem("k", JSON.stringify([...JSON.parse(storage.getItem("k")), { client_id: "broken" }, null]));
  const again = new Outbox({ storage, key: "k" });
  again.load();
  assert.deepEqual(Array.from(again.entries.keys()), ["c1"]);
  assert.equal(again.entries.get("c1").status, "pending");
  again.retain((entry) => entry.chat_id !== 7);
  assert.equal(storage.getItem("k"), null);
});

test("broken or disabled storage leaves the outbox in memory", () => {
  const storage = { getItem: () => "{not json", setItem: () => { throw new Error("quota"); }, removeItem: () => {} };
  const outbox = new Outbox({ storage, key: "k" });
  outbox.load();
  outbox.add(7, "kept in memory");
  assert.equal(outbox.entries.size, 1);
});

test("client ids are UUIDs, or 32 hex digits without randomUUID", () => {
  assert.match(newClientId(), /^[0-9a-f-]{36}$/);
  const bytes = { getRandomValues: (array) => array.fill(171) };
  assert.equal(newClientId(bytes), "ab".repeat(16));
});

test("a message with an uploaded attachment sends its attachment_id, and survives a reload", () => {
  const storage = memoryStorage();
  const { outbox, link } = outboxOnLink({ storage });
  const attachment = { id: 41, kind: "audio", name: "voice-note.webm", note: true, duration: 3 };
  outbox.requeue(outbox.add(7, null, attachment));
  outbox.pump();
  assert.deepEqual(link.sends[0][0], { chat_id: 7, client_id: "c1", body: null, attachment_id: 41 });
  const again = new Outbox({ storage, key: "k" });
  again.load();
  assert.deepEqual(again.forChat(7).map((entry) => entry.attachment), [attachment]);
});

test("a refused message keeps the server's reason until it is retried", () => {
  const { outbox, link } = outboxOnLink();
  write(outbox, "let me speak");
  link.sends[0][1](null, { ok: false, error: { code: "forbidden", message: "You are muted until 10:00: spam" } });
  const entry = outbox.entries.get("c1");
  assert.equal(entry.status, "failed");
  assert.equal(entry.reason, "You are muted until 10:00: spam");
  outbox.requeue(entry);
  assert.equal(entry.reason, null);
});
