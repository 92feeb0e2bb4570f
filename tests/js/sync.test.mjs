// The chat page's sync (campus/static/js/chat/sync.js) against a fake socket and server: the
// reconnect procedure of docs/protocol.md, gap detection, resending with the original
// client_id, and `left` / `reset` answers.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { GAP_SYNC_DELAY_MS, SYNC_CHUNK } from "../../campus/static/js/chat/config.js";
import { FakeServer, flush, memoryStorage, page } from "./fakes.mjs";

const ME = 1;
const BOB = 2;

/** A server with chat 7 (me and Bob) holding `count` messages from Bob. */
function serverWithChat(count = 0) {
  const server = new FakeServer();
  server.addChat({ id: 7, members: [ME, BOB] });
  for (let number = 1; number <= count; number += 1) server.send(BOB, { chat_id: 7, client_id: "bob-" + number, body: "bob " + number });
  return server;
}

/** The page, started and connected (the reconnect procedure has run). */
async function connectedPage(options = {}) {
  const p = page(options);
  p.sync.start();
  p.socket.open();
  await flush();
  return p;
}

/** A message Bob sent, as the server broadcasts it. */
function bobSends(p, body) {
  return p.server.send(BOB, { chat_id: 7, client_id: "bob-" + body, body });
}

const bodies = (chat) => Array.from(chat.messages.keys()).sort((a, b) => a - b).map((seq) => chat.messages.get(seq).body);

/** Open chat 7 as the user would: its newest page is loaded. */
async function openChat7(p) {
  const chat = p.store.chats.get(7);
  p.store.openChatId = 7;
  await p.sync.loadLatest(chat);
  return chat;
}

describe("the reconnect procedure", () => {
  test("on connect: GET /chats, then sync with every cursor, then online", async () => {
    const server = serverWithChat(2);
    server.addChat({ id: 8, members: [ME] });
    const p = await connectedPage({ server });
    assert.deepEqual(p.api.calls[0], ["GET", "/chats"]);
    assert.deepEqual(p.socket.emitted("sync"), [{ cursors: { 7: 3, 8: 1 } }]);
    assert.deepEqual(p.view.named("connection"), [["syncing"], ["online"]]);
    assert.equal(p.store.chats.get(7).lastSeq, 2);
    assert.equal(p.options.namespace, "/chat");
  });

  test("what changed while away comes from sync and moves the cursor to the answered rev", async () => {
    const p = await connectedPage({ server: serverWithChat(1) });
    const chat = await openChat7(p);
    p.socket.drop();
    bobSends(p, "while away 1");
    bobSends(p, "while away 2");
    p.server.edit(100, "bob 1, edited");
    p.socket.open();
    await flush();
    assert.deepEqual(p.socket.emitted("sync").at(-1), { cursors: { 7: 2 } });
    assert.deepEqual(bodies(chat), ["bob 1, edited", "while away 1", "while away 2"]);
    assert.equal(chat.cursor, p.server.chats.get(7).rev);
    assert.equal(p.store.hasGap(chat), false);
  });

  test("a chat no longer listed after a reconnect is dropped", async () => {
    const server = serverWithChat();
    server.addChat({ id: 8, members: [ME, BOB] });
    const p = await connectedPage({ server });
    p.socket.drop();
    server.chats.delete(8);
    p.socket.answers.sync = () => ({ ok: false, error: { code: "internal_error", message: "Oops." } });
    p.socket.open();
    await flush();
    assert.deepEqual(Array.from(p.store.chats.keys()), [7]);   // by the list alone
  });

  test("a chat joined while away is added with the cursor the list shows", async () => {
    const p = await connectedPage({ server: serverWithChat() });
    p.socket.drop();
    const joined = p.server.addChat({ id: 9, members: [BOB, ME] });
    joined.rev = 4;
    p.socket.open();
    await flush();
    assert.equal(p.store.chats.get(9).cursor, 4);
  });

  test("a disconnect withdraws others' typing and says reconnecting", async () => {
    const p = await connectedPage({ server: serverWithChat() });
    p.socket.fire("typing", { chat_id: 7, user_id: BOB, typing: true });
    assert.deepEqual(p.typing.typists(7), [BOB]);
    p.socket.drop();
    assert.deepEqual(p.typing.typists(7), []);
    assert.deepEqual(p.view.named("connection").at(-1), ["reconnecting"]);
  });
});

describe("gap detection", () => {
  test("a seq that is not the next one syncs that chat from its cursor", async () => {
    const server = serverWithChat();
    server.addChat({ id: 8, members: [ME, BOB] });
    const p = await connectedPage({ server });
    const chat = await openChat7(p);
    p.socket.fire("message", bobSends(p, "one"));
    bobSends(p, "lost in transit");
    p.socket.fire("message", bobSends(p, "three"));
    const syncsBefore = p.socket.emitted("sync").length;
    p.timers.advance(GAP_SYNC_DELAY_MS);
    await flush();
    const syncs = p.socket.emitted("sync").slice(syncsBefore);
    assert.deepEqual(syncs, [{ cursors: { 7: 2 } }]);   // that chat only, from its cursor
    assert.deepEqual(bodies(chat), ["one", "lost in transit", "three"]);
    assert.equal(chat.cursor, server.chats.get(7).rev);
    assert.equal(p.store.hasGap(chat), false);
  });

  test("a missing message that turns up before the delay needs no sync", async () => {
    const p = await connectedPage({ server: serverWithChat() });
    const chat = await openChat7(p);
    const first = bobSends(p, "one");
    const second = bobSends(p, "two");
    p.socket.fire("message", second);   // broadcasts may overtake each other
    p.socket.fire("message", first);
    const syncsBefore = p.socket.emitted("sync").length;
    p.timers.advance(GAP_SYNC_DELAY_MS);
    await flush();
    assert.equal(p.socket.emitted("sync").length, syncsBefore);
    assert.deepEqual(bodies(chat), ["one", "two"]);
  });

  test("an edit whose rev skips ahead (a missed change) syncs the chat", async () => {
    const p = await connectedPage({ server: serverWithChat(1) });
    const chat = await openChat7(p);
    bobSends(p, "missed");
    const syncsBefore = p.socket.emitted("sync").length;
    p.socket.fire("message_updated", p.server.edit(100, "edited"));
    p.timers.advance(GAP_SYNC_DELAY_MS);
    await flush();
    assert.equal(p.socket.emitted("sync").length, syncsBefore + 1);
    assert.deepEqual(bodies(chat), ["edited", "missed"]);
  });

  test("a chat_updated whose rev skips ahead syncs the chat", async () => {
    const p = await connectedPage({ server: serverWithChat() });
    bobSends(p, "missed");
    const syncsBefore = p.socket.emitted("sync").length;
    p.socket.fire("chat_updated", { change: "renamed", chat: p.server.rename(7, "New name") });
    assert.equal(p.store.chats.get(7).title, "New name");
    p.timers.advance(GAP_SYNC_DELAY_MS);
    await flush();
    assert.equal(p.socket.emitted("sync").length, syncsBefore + 1);
    assert.equal(p.store.chats.get(7).lastMessage.body, "missed");
  });

  test("a sync asked for while one is running for that chat runs again afterwards", async () => {
    const p = await connectedPage({ server: serverWithChat() });
    delete p.socket.answers.sync;   // the test answers by hand
    const chat = p.store.chats.get(7);
    const first = p.sync.syncChats([7]);
    const second = p.sync.syncChats([7]);
    assert.equal(chat.resyncWanted, true);
    p.socket.reply(p.socket.unanswered[0], { ok: true, chats: p.server.sync(ME, { 7: chat.cursor }) });
    await flush();
    assert.equal(p.socket.unanswered.length, 1);   // the second round
    p.socket.reply(p.socket.unanswered[0], { ok: true, chats: [] });
    assert.equal(await first, true);
    assert.equal(await second, true);
  });

  test(`more than ${SYNC_CHUNK} chats are synced in calls of at most ${SYNC_CHUNK}`, async () => {
    const server = new FakeServer();
    for (let id = 1; id <= SYNC_CHUNK * 2 + 50; id += 1) server.addChat({ id, members: [ME] });
    const p = await connectedPage({ server });
    assert.deepEqual(p.socket.emitted("sync").map((payload) => Object.keys(payload.cursors).length), [SYNC_CHUNK, SYNC_CHUNK, 50]);
  });
});

describe("left and reset answers", () => {
  test("left: the chat is dropped with its pending messages, and the user is told", async () => {
    const p = await connectedPage({ server: serverWithChat() });
    await openChat7(p);
    delete p.socket.answers.send_message;   // stays pending: no ack
    p.sync.send(7, "to a chat I was removed from");
    const chat7 = p.server.chats.get(7);
    chat7.members = chat7.members.filter((member) => member.user_id !== ME);
    await p.sync.syncChats([7]);   // as after a gap: the answer says `left`
    assert.equal(p.store.chats.has(7), false);
    assert.equal(p.outbox.forChat(7).length, 0);
    const [chat, notice] = p.view.named("chatRemoved").at(-1);
    assert.equal(chat.id, 7);
    assert.equal(notice, true);
  });

  test("reset: the chat is reloaded and its cursor taken from the server", async () => {
    const p = await connectedPage({ server: serverWithChat(3) });
    const chat = await openChat7(p);
    p.socket.answers.sync = () => ({ ok: true, chats: [{ chat_id: 7, rev: 0, messages: [], chat: null, left: false, reset: true }] });
    p.server.chats.get(7).rev = 40;   // restored from a backup, say
    await p.sync.syncChats([7]);
    await flush();
    assert.ok(p.api.calls.some(([method, path]) => method === "GET" && path === "/chats/7"));
    assert.equal(chat.cursor, 40);
    assert.deepEqual(bodies(chat), ["bob 1", "bob 2", "bob 3"]);   // the open conversation is loaded again
    assert.ok(p.view.named("conversationLoaded").length >= 2);
  });

  test("reset of a chat that is gone (404) drops it", async () => {
    const p = await connectedPage({ server: serverWithChat() });
    p.socket.answers.sync = () => ({ ok: true, chats: [{ chat_id: 7, rev: 0, messages: [], chat: null, left: false, reset: true }] });
    p.server.chats.delete(7);
    await p.sync.syncChats([7]);
    await flush();
    assert.equal(p.store.chats.has(7), false);
  });
});

describe("pending messages", () => {
  test("messages written offline are sent after the reconnect procedure, in order, one at a time, with their client_id", async () => {
    const p = await connectedPage({ server: serverWithChat() });
    const chat = await openChat7(p);
    p.socket.drop();
    p.sync.send(7, "first");
    p.sync.send(7, "second");
    assert.equal(p.socket.emitted("send_message").length, 0);
    delete p.socket.answers.send_message;   // the test answers by hand
    p.socket.open();
    await flush();
    // Sync ran first; then only the first message went out.
    const order = p.socket.sent.map((emitted) => emitted.event).filter((event) => event !== "read");
    assert.deepEqual(order.slice(-2), ["sync", "send_message"]);
    assert.deepEqual(p.socket.emitted("send_message"), [{ chat_id: 7, client_id: "client-1", body: "first" }]);
    p.socket.reply(p.socket.unanswered[0], { ok: true, message: p.server.send(ME, p.socket.unanswered[0].payload) });
    assert.deepEqual(p.socket.emitted("send_message").map((payload) => payload.client_id), ["client-1", "client-2"]);
    p.socket.reply(p.socket.unanswered[0], { ok: true, message: p.server.send(ME, p.socket.unanswered[0].payload) });
    assert.deepEqual(bodies(chat), ["first", "second"]);
    assert.equal(p.outbox.entries.size, 0);
    assert.deepEqual(p.view.named("pendingSettled").map(([clientId]) => clientId), ["client-1", "client-2"]);
  });

  test("a message stored before the connection broke (its ack lost) comes back by sync and is not sent again", async () => {
    const p = await connectedPage({ server: serverWithChat() });
    const chat = await openChat7(p);
    delete p.socket.answers.send_message;
    p.sync.send(7, "stored, ack lost");
    p.server.send(ME, p.socket.unanswered[0].payload);   // the server committed it …
    p.socket.drop();                                      // … and the ack never came
    p.socket.answers.send_message = (payload) => ({ ok: true, message: p.server.send(ME, payload) });
    p.socket.open();
    await flush();
    assert.equal(p.socket.emitted("send_message").length, 1);
    assert.deepEqual(bodies(chat), ["stored, ack lost"]);
    assert.equal(p.outbox.entries.size, 0);
    assert.equal(p.server.chats.get(7).messages.size, 1);
  });

  test("a resend after a timeout reuses the client_id; its ack and the late broadcast leave one message", async () => {
    const p = await connectedPage({ server: serverWithChat() });
    const chat = await openChat7(p);
    delete p.socket.answers.send_message;
    p.sync.send(7, "hello");
    const [first] = p.socket.unanswered;
    const stored = p.server.send(ME, first.payload);
    p.socket.timeOut(first);                 // stored, but the ack timed out (still connected)
    p.socket.answers.send_message = (payload) => ({ ok: true, message: p.server.send(ME, payload) });
    p.timers.advance(1000);                  // the automatic retry
    await flush();
    assert.deepEqual(p.socket.emitted("send_message").map((payload) => payload.client_id), ["client-1", "client-1"]);
    p.socket.fire("message", stored);        // the first attempt's broadcast, late
    assert.deepEqual(bodies(chat), ["hello"]);
    assert.equal(p.outbox.entries.size, 0);
    assert.equal(p.server.chats.get(7).messages.size, 1);
  });

  test("messages kept by an earlier page of the tab are resent with their client_id", async () => {
    const storage = memoryStorage();
    const server = serverWithChat();
    const earlier = page({ server, storage });
    earlier.sync.start();
    earlier.store.applyChat({ id: 7, members: [] });
    earlier.sync.send(7, "written before the reload");
    assert.equal(earlier.socket.emitted("send_message").length, 0);   // never connected
    const p = await connectedPage({ server, storage });
    assert.deepEqual(p.socket.emitted("send_message"), [{ chat_id: 7, client_id: "client-1", body: "written before the reload" }]);
    assert.equal(storage.getItem("outbox"), null);
  });
});

describe("live events", () => {
  test("a new message in the chat on screen is read at once; in a hidden page it is unread news", async () => {
    const p = await connectedPage({ server: serverWithChat() });
    const chat = await openChat7(p);
    p.socket.fire("message", bobSends(p, "seen at once"));
    assert.deepEqual(p.socket.emitted("read").at(-1), { chat_id: 7, seq: 1 });
    p.state.visible = false;
    const news = bobSends(p, "while hidden");
    p.socket.fire("message", news);
    assert.equal(chat.unread, 1);
    assert.deepEqual(p.view.named("notify").at(-1), [chat, news]);
    p.state.visible = true;
    p.sync.markRead(chat);
    assert.deepEqual(p.socket.emitted("read").at(-1), { chat_id: 7, seq: 2 });
    assert.equal(chat.unread, 0);
  });

  test("a message from someone shown typing ends their typing", async () => {
    const p = await connectedPage({ server: serverWithChat() });
    p.socket.fire("typing", { chat_id: 7, user_id: BOB, typing: true });
    p.socket.fire("typing", { chat_id: 99, user_id: BOB, typing: true });   // not a chat of ours
    p.socket.fire("typing", { chat_id: 7, user_id: ME, typing: true });     // our own other tab
    assert.deepEqual(p.typing.typists(7), [BOB]);
    assert.deepEqual(p.typing.typists(99), []);
    p.socket.fire("message", bobSends(p, "done typing"));
    assert.deepEqual(p.typing.typists(7), []);
  });

  test("a message of a chat we do not know (just added) fetches the chat list", async () => {
    const p = await connectedPage({ server: serverWithChat() });
    const added = p.server.addChat({ id: 9, members: [BOB, ME] });
    p.socket.fire("message", p.server.send(BOB, { chat_id: added.id, client_id: "x", body: "welcome" }));
    await flush();
    assert.ok(p.store.chats.has(9));
    assert.equal(p.store.chats.get(9).lastMessage.body, "welcome");
  });

  test("chat_updated: removed → the chat goes; added to a new chat → the list is fetched", async () => {
    const p = await connectedPage({ server: serverWithChat() });
    const added = p.server.addChat({ id: 9, members: [BOB, ME] });
    p.socket.fire("chat_updated", { change: "member_added", chat: p.server.chatPayload(added) });
    await flush();
    assert.ok(p.store.chats.has(9));
    assert.equal(p.api.calls.filter(([, path]) => path === "/chats").length, 2);
    p.socket.fire("chat_updated", { change: "member_removed", chat: { ...p.server.chatPayload(added), members: [{ user_id: BOB, role: "owner" }] } });
    assert.equal(p.store.chats.has(9), false);
  });

  test("read and presence events reach the store and the view", async () => {
    const p = await connectedPage({ server: serverWithChat() });
    p.socket.fire("read", { chat_id: 7, user_id: BOB, seq: 3 });
    assert.equal(p.store.chats.get(7).readMarkers.get(BOB), 3);
    assert.equal(p.view.named("readChanged").length, 1);
    p.socket.fire("presence", { user_id: BOB, online: false, last_seen: "2026-01-01T00:00:00Z" });
    assert.deepEqual(p.store.presence.get(BOB), { online: false, last_seen: "2026-01-01T00:00:00Z" });
    assert.equal(p.view.named("presenceChanged").length, 1);
  });

  test("edits and deletions of one's own messages apply the acked state", async () => {
    const p = await connectedPage({ server: serverWithChat() });
    const chat = await openChat7(p);
    p.sync.send(7, "tpyo");
    await flush();
    const [sent] = chat.messages.values();
    p.socket.answers.edit_message = ({ message_id: messageId, body }) => ({ ok: true, message: p.server.edit(messageId, body) });
    const ack = await p.sync.change("edit_message", { message_id: sent.id, body: "typo" });
    assert.equal(ack.ok, true);
    assert.deepEqual(bodies(chat), ["typo"]);
    p.socket.answers.delete_message = () => ({ ok: false, error: { code: "forbidden", message: "No." } });
    assert.equal((await p.sync.change("delete_message", { message_id: sent.id })).ok, false);
    assert.deepEqual(bodies(chat), ["typo"]);
  });
});

describe("conversations (docs/protocol.md#conversations)", () => {
  test("message_reacted is applied like an edit: the newer rev wins, the cursor moves", async () => {
    const p = await connectedPage({ server: serverWithChat(1) });
    const chat = await openChat7(p);
    const reacted = p.server.react(100, BOB, "👍");
    p.socket.fire("message_reacted", reacted);
    assert.deepEqual(chat.messages.get(1).reactions, [{ emoji: "👍", count: 1, user_ids: [BOB] }]);
    assert.equal(chat.cursor, p.server.chats.get(7).rev);
    assert.equal(p.store.hasGap(chat), false);
  });

  test("a reply's original far back is loaded around its seq, then up to what is held", async () => {
    const p = await connectedPage({ server: serverWithChat(300) });
    const chat = await openChat7(p);
    assert.equal(chat.firstSeq, 251);

    assert.equal(await p.sync.loadAround(chat, 10), true);

    const paths = p.api.calls.map(([, path]) => path).filter((path) => path.includes("around") || path.includes("after"));
    assert.deepEqual(paths.slice(0, 2), ["/chats/7/messages?around=10&limit=50", "/chats/7/messages?after=50&limit=100"]);
    assert.equal(chat.firstSeq, 1);
    const seqs = Array.from(chat.messages.keys()).sort((a, b) => a - b);
    assert.deepEqual(seqs, Array.from({ length: 300 }, (_, index) => index + 1));   // one run, no hole
  });

  test("an original too far back is not loaded: the conversation keeps no hole", async () => {
    const p = await connectedPage({ server: serverWithChat(300) });
    const chat = await openChat7(p);
    assert.equal(await p.sync.loadAround(chat, 10, { maxPages: 1 }), false);
    assert.equal(chat.firstSeq, 251);
    assert.equal(chat.messages.has(10), false);
    assert.equal(await p.sync.loadAround(chat, 260), true);   // already held: no request
  });

  test("a reply and its mentions go out with the message and survive a reload of the tab", async () => {
    const storage = memoryStorage();
    const p = await connectedPage({ server: serverWithChat(1), storage });
    p.socket.answers.send_message = undefined;
    p.sync.send(7, "@Bob yes", null, { reply_to: 100, mentions: [BOB] });
    const sent = p.socket.emitted("send_message").at(-1);
    assert.deepEqual([sent.reply_to, sent.mentions, sent.body], [100, [BOB], "@Bob yes"]);
    const kept = JSON.parse(Array.from(storage.items.values())[0]);
    assert.deepEqual(kept[0].extra, { reply_to: 100, mentions: [BOB] });
  });
});
