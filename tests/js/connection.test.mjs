// The chat page's Socket.IO connection (campus/static/js/chat/connection.js) and how the sync
// answers its refusals: auth with the CSRF value, refresh on token_expired, signed out otherwise.

import assert from "node:assert/strict";
import { test } from "node:test";

import { Connection } from "../../campus/static/js/chat/connection.js";
import { FakeServer, FakeSocket, FakeTimers, flush, page } from "./fakes.mjs";

function connection({ expiring = false, refreshes = true } = {}) {
  const socket = new FakeSocket();
  const timers = new FakeTimers();
  const calls = { refresh: 0, options: null };
  const api = {
    accessExpiring: () => expiring,
    refreshAccess: async () => { calls.refresh += 1; return refreshes; },
  };
  const io = (namespace, options) => { calls.options = { namespace, ...options }; return socket; };
  const handlers = { log: [] };
  const record = (name) => (...args) => handlers.log.push([name, ...args]);
  const conn = new Connection({ io, namespace: "/chat", api, csrfToken: () => "csrf-" + calls.refresh, now: () => timers.now, timers });
  conn.connect({ connect: record("connect"), disconnect: record("disconnect"), unauthorized: record("unauthorized"), trouble: record("trouble"), events: { message: record("message") } });
  return { conn, socket, timers, calls, handlers };
}

const refusal = (code) => Object.assign(new Error("unauthorized"), { data: { code } });

test("auth sends the current CSRF value, refreshing the access cookie first when it is about to expire", async () => {
  const fresh = connection();
  const sent = [];
  fresh.calls.options.auth((auth) => sent.push(auth));
  await flush();
  assert.deepEqual(sent, [{ csrf: "csrf-0" }]);
  assert.equal(fresh.calls.refresh, 0);
  assert.deepEqual(fresh.calls.options.transports, ["websocket", "polling"]);

  const expiring = connection({ expiring: true });
  expiring.calls.options.auth((auth) => sent.push(auth));
  await flush();
  assert.deepEqual(sent.at(-1), { csrf: "csrf-1" });
});

test("token_expired: refresh and connect again (once per pause); other refusals are a sign-out", async () => {
  const { socket, timers, calls, handlers } = connection();
  socket.fire("connect_error", refusal("token_expired"));
  await flush();
  assert.equal(calls.refresh, 1);
  assert.equal(socket.connectCalls, 1);
  socket.fire("connect_error", refusal("token_expired"));   // at once again: the refresh did not help
  await flush();
  assert.equal(calls.refresh, 1);
  assert.deepEqual(handlers.log.at(-1), ["unauthorized", "token_expired"]);
  timers.advance(6000);
  socket.fire("connect_error", refusal("token_revoked"));
  await flush();
  assert.deepEqual(handlers.log.at(-1), ["unauthorized", "token_revoked"]);
});

test("too_many_connections is trouble, tried again after a pause, not a sign-out", async () => {
  const { conn, socket, timers, handlers } = connection();
  socket.fire("connect_error", refusal("too_many_connections"));
  await flush();
  assert.deepEqual(handlers.log.at(-1), ["trouble"]);
  assert.equal(socket.connectCalls, 0);
  timers.advance(30000);
  assert.equal(socket.connectCalls, 1);
  socket.fire("connect_error", refusal("too_many_connections"));
  conn.close();
  timers.advance(30000);
  assert.equal(socket.connectCalls, 1);
});

test("a failed refresh is a sign-out; network trouble is left to the client's own retries", async () => {
  const { socket, handlers } = connection({ refreshes: false });
  socket.fire("connect_error", refusal("token_expired"));
  await flush();
  assert.deepEqual(handlers.log.at(-1), ["unauthorized", "token_expired"]);
  socket.fire("connect_error", new Error("xhr poll error"));
  assert.deepEqual(handlers.log.at(-1), ["trouble"]);
});

test("a server-side disconnect is reconnected (the client does not by itself); after close() it is not", () => {
  const { conn, socket } = connection();
  socket.open();
  socket.drop("io server disconnect");
  assert.equal(socket.connectCalls, 1);
  conn.close();
  socket.drop("io server disconnect");
  assert.equal(socket.connectCalls, 1);
  assert.equal(socket.disconnectCalls, 1);
});

test("emitWithAck answers null when disconnected or without an ack; emit only when connected", async () => {
  const { conn, socket } = connection();
  assert.equal(await conn.emitWithAck("sync", {}), null);
  conn.emit("read", { chat_id: 1, seq: 1 });
  assert.equal(socket.sent.length, 0);
  socket.open();
  socket.answers.sync = () => ({ ok: true, chats: [] });
  assert.deepEqual(await conn.emitWithAck("sync", {}), { ok: true, chats: [] });
  const waiting = conn.emitWithAck("edit_message", {});
  socket.timeOut(socket.unanswered[0]);
  assert.equal(await waiting, null);
});

test("signed out by a refusal: the page says so, closes the socket, and stays signed out", async () => {
  const p = page({ server: new FakeServer() });
  p.sync.start();
  p.socket.open();
  await flush();
  p.socket.drop("io server disconnect");   // the user signed out in another tab
  assert.equal(p.socket.connectCalls, 1);
  p.socket.fire("connect_error", refusal("token_revoked"));
  await flush();
  assert.deepEqual(p.view.named("signedOut"), [["token_revoked"]]);
  assert.equal(p.socket.disconnectCalls, 1);
  p.socket.fire("connect_error", new Error("xhr poll error"));
  assert.deepEqual(p.view.named("connection").at(-1), ["reconnecting"]);   // from the drop, not after
  assert.equal(p.view.calls.filter(([name]) => name === "connection").length, 3);
  p.sync.signOut();
  assert.equal(p.view.named("signedOut").length, 1);
});
