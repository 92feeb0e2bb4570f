// Fakes for the chat page's DOM-free modules: a clock with timers, a Socket.IO socket, a small
// in-memory chat server that answers like docs/protocol.md, its JSON API, and a recording view.

import { ApiError } from "../../campus/static/js/chat/api.js";
import { translator } from "../../campus/static/js/chat/config.js";
import { Connection } from "../../campus/static/js/chat/connection.js";
import { Outbox } from "../../campus/static/js/chat/outbox.js";
import { ChatStore } from "../../campus/static/js/chat/store.js";
import { ChatSync } from "../../campus/static/js/chat/sync.js";
import { Typing } from "../../campus/static/js/chat/typing.js";

/** Let every pending promise callback run. */
export async function flush() {
  for (let turn = 0; turn < 20; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** setTimeout/clearTimeout on a clock that only moves when told (`advance`). */
export class FakeTimers {
  constructor() {
    this.now = 0;
    this.queue = new Map();   // id → {at, fn}
    this.nextId = 1;
    this.setTimeout = (fn, ms = 0) => {
      const id = this.nextId++;
      this.queue.set(id, { at: this.now + ms, fn });
      return id;
    };
    this.clearTimeout = (id) => { this.queue.delete(id); };
  }

  /** Move the clock by `ms`, running the timers that come due, in order. */
  advance(ms) {
    const until = this.now + ms;
    for (;;) {
      const due = Array.from(this.queue.entries()).filter(([, timer]) => timer.at <= until).sort((a, b) => a[1].at - b[1].at || a[0] - b[0]);
      if (!due.length) break;
      const [id, timer] = due[0];
      this.queue.delete(id);
      this.now = timer.at;
      timer.fn();
    }
    this.now = until;
  }

  get pending() {
    return this.queue.size;
  }
}

export const STRINGS = {
  you: "You", unknown_user: "User {id}", saved_messages: "Saved messages", action_failed: "That did not work: {message}",
};

/** A Socket.IO client socket: records what the page emits; the test plays the server. */
export class FakeSocket {
  constructor() {
    this.handlers = new Map();
    this.connected = false;
    this.sent = [];            // every emit: {event, payload, callback, withError}
    this.unanswered = [];      // emits whose ack the test gives later (`reply`)
    this.answers = {};         // event → payload → ack, answered on the next turn
    this.connectCalls = 0;
    this.disconnectCalls = 0;
  }

  on(event, handler) {
    if (!this.handlers.has(event)) this.handlers.set(event, []);
    this.handlers.get(event).push(handler);
  }

  timeout() {
    return { emit: (event, payload, callback) => this.record(event, payload, callback, true) };
  }

  emit(event, payload, callback) {
    this.record(event, payload, callback, false);
  }

  record(event, payload, callback, withError) {
    const emitted = { event, payload, callback, withError };
    this.sent.push(emitted);
    const answer = this.answers[event];
    if (answer) queueMicrotask(() => this.reply(emitted, answer(payload)));
    else this.unanswered.push(emitted);
  }

  /** The server's ack to one emit. */
  reply(emitted, ack) {
    this.unanswered = this.unanswered.filter((other) => other !== emitted);
    if (emitted.withError) emitted.callback(null, ack);
    else if (emitted.callback) emitted.callback(ack);
  }

  /** An emit whose ack never came (Socket.IO's timeout error). */
  timeOut(emitted) {
    this.unanswered = this.unanswered.filter((other) => other !== emitted);
    emitted.callback(new Error("operation has timed out"));
  }

  emitted(event) {
    return this.sent.filter((emitted) => emitted.event === event).map((emitted) => emitted.payload);
  }

  /** The server → client event `event`. */
  fire(event, ...args) {
    for (const handler of this.handlers.get(event) || []) handler(...args);
  }

  /** The handshake succeeded. */
  open() {
    this.connected = true;
    this.fire("connect");
  }

  /** The connection broke: pending acks fail (as socket.io-client does), then "disconnect". */
  drop(reason = "transport close") {
    this.connected = false;
    for (const emitted of this.unanswered.splice(0)) if (emitted.withError) emitted.callback(new Error("socket has been disconnected"));
    this.fire("disconnect", reason);
  }

  connect() {
    this.connectCalls += 1;
  }

  disconnect() {
    this.disconnectCalls += 1;
    if (this.connected) this.drop("io client disconnect");
  }
}

/** A chat server in memory: seq and rev per chat, client_id idempotency, sync by cursor. */
export class FakeServer {
  constructor() {
    this.chats = new Map();   // id → {id, type, title, kind, members, rev, last_seq, messages: Map id → message}
    this.nextMessageId = 100;
  }

  addChat({ id, members, type = "group", title = "Chat " + id }) {
    const chat = { id, type, title, kind: null, members: members.map((user_id) => ({ user_id, role: "member", last_read_seq: 0 })), rev: 1, last_seq: 0, messages: new Map(), changedAt: 1 };
    this.chats.set(id, chat);
    return chat;
  }

  chatPayload(chat) {
    const { messages, changedAt, ...payload } = chat;
    return { ...payload, members: chat.members.map((member) => ({ ...member })) };
  }

  /** `send_message`: a resend with a known client_id returns the stored message, stores nothing. */
  send(senderId, { chat_id: chatId, client_id: clientId, body }) {
    const chat = this.chats.get(chatId);
    for (const message of chat.messages.values()) if (message.sender_id === senderId && message.client_id === clientId) return { ...message };
    chat.rev += 1;
    chat.last_seq += 1;
    const message = {
      id: this.nextMessageId++, chat_id: chatId, seq: chat.last_seq, rev: chat.rev, sender_id: senderId, client_id: clientId,
      body, attachment: null, reply_to: null, created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, chat.last_seq)).toISOString(), edited_at: null, deleted_at: null,
    };
    chat.messages.set(message.id, message);
    return { ...message };
  }

  edit(messageId, body) {
    for (const chat of this.chats.values()) {
      const message = chat.messages.get(messageId);
      if (!message) continue;
      chat.rev += 1;
      Object.assign(message, { body, rev: chat.rev, edited_at: "2026-01-02T00:00:00.000000Z" });
      return { ...message };
    }
    return null;
  }

  rename(chatId, title) {
    const chat = this.chats.get(chatId);
    chat.rev += 1;
    chat.title = title;
    chat.changedAt = chat.rev;
    return this.chatPayload(chat);
  }

  /** `sync` for `userId`: per chat, the messages above the cursor, the chat if it changed. */
  sync(userId, cursors) {
    return Object.entries(cursors).map(([key, cursor]) => {
      const chat = this.chats.get(Number(key));
      if (!chat || !chat.members.some((member) => member.user_id === userId)) {
        return { chat_id: Number(key), rev: 0, messages: [], chat: null, left: true, reset: false };
      }
      const messages = Array.from(chat.messages.values()).filter((message) => message.rev > cursor).sort((a, b) => a.seq - b.seq);
      return {
        chat_id: chat.id, rev: chat.rev, messages: messages.map((message) => ({ ...message })),
        chat: chat.changedAt > cursor ? this.chatPayload(chat) : null, left: false, reset: false,
      };
    });
  }

  /** GET /chats for `userId`. */
  list(userId) {
    return Array.from(this.chats.values()).filter((chat) => chat.members.some((member) => member.user_id === userId)).map((chat) => {
      const messages = Array.from(chat.messages.values()).sort((a, b) => a.seq - b.seq);
      return { ...this.chatPayload(chat), last_message: messages.length ? { ...messages[messages.length - 1] } : null, unread: 0 };
    });
  }

  /** GET /chats/{id}/messages?before=…|after=…|around=…&limit=…: ascending seq. */
  page(chatId, { before = Infinity, after = null, around = null, limit = 50 } = {}) {
    const all = Array.from(this.chats.get(chatId).messages.values()).sort((a, b) => a.seq - b.seq);
    const copy = (messages) => ({ items: messages.map((message) => ({ ...message })), next_cursor: null });
    if (after !== null) return copy(all.filter((message) => message.seq > after).slice(0, limit));
    if (around !== null) {
      const older = all.filter((message) => message.seq < around).slice(-Math.floor(limit / 2));
      return copy(older.concat(all.filter((message) => message.seq >= around).slice(0, limit - older.length)));
    }
    return copy(all.filter((message) => message.seq < before).slice(-limit));
  }

  /** `react`: the message's reactions change and it takes the chat's next rev. */
  react(messageId, userId, emoji) {
    for (const chat of this.chats.values()) {
      const message = chat.messages.get(messageId);
      if (!message) continue;
      chat.rev += 1;
      Object.assign(message, { reactions: [{ emoji, count: 1, user_ids: [userId] }], rev: chat.rev });
      return { ...message };
    }
    return null;
  }
}

/** createApi()'s interface over a FakeServer, for `userId`. */
export function fakeApi(server, userId) {
  const calls = [];
  return {
    calls,
    accessExpiring: () => false,
    refreshAccess: async () => true,
    async all(path) {
      calls.push(["GET", path]);
      return server.list(userId);
    },
    async request(method, path) {
      calls.push([method, path]);
      const url = new URL(path, "http://campus.test");
      const parts = url.pathname.split("/").filter(Boolean);
      const chat = server.chats.get(Number(parts[1]));
      if (!chat || !chat.members.some((member) => member.user_id === userId)) throw new ApiError(404, { error: { code: "not_found", message: "Not found." } });
      if (parts.length === 2) return server.chatPayload(chat);
      const number = (name, otherwise) => (url.searchParams.has(name) ? Number(url.searchParams.get(name)) : otherwise);
      return server.page(chat.id, {
        before: number("before", Infinity), after: number("after", null), around: number("around", null), limit: number("limit", 50),
      });
    },
  };
}

/** A view that records every hook called: `view.calls` is [[name, ...args], …]. */
export function recordingView() {
  const calls = [];
  const view = new Proxy({}, {
    get(target, name) {
      if (name === "calls") return calls;
      if (name === "named") return (wanted) => calls.filter(([called]) => called === wanted).map(([, ...args]) => args);
      return (...args) => { calls.push([name, ...args]); };
    },
  });
  return view;
}

/** A Map-backed sessionStorage. */
export function memoryStorage() {
  const items = new Map();
  return {
    items,
    getItem: (key) => (items.has(key) ? items.get(key) : null),
    setItem: (key, value) => { items.set(key, String(value)); },
    removeItem: (key) => { items.delete(key); },
  };
}

/**
 * The page's DOM-free half, wired as main.js wires it, for user `me` against a FakeServer:
 * {server, socket, api, store, outbox, typing, connection, sync, view, timers}. The socket
 * answers `send_message` and `sync` from the server unless the test says otherwise.
 */
export function page({ server = new FakeServer(), me = 1, storage = null, visible = true } = {}) {
  const timers = new FakeTimers();
  const socket = new FakeSocket();
  socket.answers.send_message = (payload) => ({ ok: true, message: server.send(me, payload) });
  socket.answers.sync = (payload) => ({ ok: true, chats: server.sync(me, payload.cursors) });
  socket.answers.read = () => ({ ok: true });
  socket.answers.typing = () => ({ ok: true });
  const api = fakeApi(server, me);
  const view = recordingView();
  const store = new ChatStore({ me: { id: me, first_name: "Me" }, t: translator(STRINGS), now: () => new Date(Date.UTC(2026, 0, 1) + timers.now) });
  let ids = 0;
  const outbox = new Outbox({ storage, key: "outbox", timers, newId: () => "client-" + ++ids });
  outbox.load();
  const options = {};
  const io = (namespace, settings) => { Object.assign(options, { namespace, ...settings }); return socket; };
  const connection = new Connection({ io, namespace: "/chat", api, csrfToken: () => "csrf-value", now: () => timers.now });
  const typing = new Typing({
    emit: (payload) => connection.emit("typing", payload), connected: () => connection.connected,
    onChange: (chatId) => view.typingChanged(chatId), timers, now: () => timers.now,
  });
  const state = { visible };
  const sync = new ChatSync({ store, outbox, typing, api, connection, view, visible: () => state.visible, timers });
  return { server, socket, api, store, outbox, typing, connection, sync, view, timers, options, state, me };
}
