// A small but complete Campus chat client for Node (see docs/protocol.md).
//
//   npm install socket.io-client@4          (Node 18+: fetch is built in)
//   node client.js http://127.0.0.1:5000 ann@example.org 'her password' 17
//   (then type lines: each is sent to chat 17; incoming messages are printed)
//
// What it does right, and every client must:
// - signs in with /api/v1/auth/token and connects to /chat with the token in `auth`
//   (a function, so every reconnect presents the current token; refreshed when expired);
// - gives every message a client_id when it is written and keeps it until the ack, sending one
//   message at a time in the order written, so a retry can never store a message twice;
// - on every (re)connect runs the reconnect procedure: GET /chats -> sync with every cursor ->
//   apply -> resend what was never acknowledged, with its original client_id;
// - applies events as upserts by message id (newest rev wins), places them by seq, and syncs a
//   chat when a message's seq is not the next one (a gap).
"use strict";

const { io } = require("socket.io-client");
const { randomUUID } = require("node:crypto");
const readline = require("node:readline");

const ACK_TIMEOUT_MS = 10000;
const RETRY_LATER = new Set(["rate_limited", "internal_error"]);

class ChatState {
  constructor(chat) {
    this.chat = chat;
    this.cursor = chat.rev; // the highest rev applied with no holes below it
    this.revsAboveCursor = new Set();
    this.messages = new Map(); // id -> <message>
  }

  get lastSeq() {
    let last = 0;
    for (const m of this.messages.values()) last = Math.max(last, m.seq);
    return last;
  }

  applyRev(rev) {
    if (rev > this.cursor) this.revsAboveCursor.add(rev);
    while (this.revsAboveCursor.has(this.cursor + 1)) this.revsAboveCursor.delete(++this.cursor);
  }

  upsert(message) {
    const held = this.messages.get(message.id);
    if (held && held.rev >= message.rev) return false;
    this.messages.set(message.id, message);
    this.applyRev(message.rev);
    return true;
  }

  ordered() {
    return [...this.messages.values()].sort((a, b) => a.seq - b.seq);
  }
}

class CampusChat {
  constructor(baseUrl, onMessage = () => {}) {
    this.baseUrl = baseUrl.replace(/\/$/, "");
    this.onMessage = onMessage;
    this.chats = new Map(); // chat id -> ChatState
    this.pending = new Map(); // client_id -> send_message payload, in the order written
    this.failed = new Map(); // client_id -> error (will never be stored)
    this.caughtUp = false;
    this.sending = false;
  }

  async login(email, password) {
    this.tokens = await this.post("/auth/token", { email, password });
  }

  async post(path, body, token) {
    const response = await fetch(`${this.baseUrl}/api/v1${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response.json();
  }

  async api(path, params = {}) {
    const url = `${this.baseUrl}/api/v1${path}?${new URLSearchParams(params)}`;
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(url, { headers: { Authorization: `Bearer ${this.tokens.access_token}` } });
      if (response.status === 401 && attempt === 0) {
        const body = await response.json().catch(() => ({}));
        if (body.error && body.error.code === "token_expired") {
          await this.refresh();
          continue;
        }
      }
      if (!response.ok) throw new Error(`${path}: ${response.status}`);
      return response.json();
    }
  }

  async refresh() {
    const fresh = await this.post("/auth/refresh", undefined, this.tokens.refresh_token);
    this.tokens.access_token = fresh.access_token;
  }

  connect() {
    // websocket only: no sticky sessions needed in front of several workers.
    this.socket = io(`${this.baseUrl}/chat`, {
      transports: ["websocket"],
      auth: (cb) => cb({ token: this.tokens.access_token }),
    });
    this.socket.on("connect", () => this.catchUp());
    this.socket.on("disconnect", () => { this.caughtUp = false; });
    this.socket.on("connect_error", async (err) => {
      // A refusal by the server is not retried by socket.io-client: fix the cause, connect again.
      if (err.message !== "unauthorized") return; // a network error: the client retries by itself
      if (err.data && err.data.code === "token_expired") {
        await this.refresh();
        this.socket.connect();
      } else {
        console.error(`refused: ${err.data && err.data.code}`);
      }
    });
    for (const event of ["message", "message_updated", "message_deleted"]) {
      this.socket.on(event, (message) => this.onMessageEvent(message));
    }
    this.socket.on("chat_updated", ({ change, chat }) => {
      const state = this.chats.get(chat.id);
      if (state) {
        state.chat = chat;
        state.applyRev(chat.rev);
      } else if (change === "created" || change === "member_added") {
        this.loadChat(chat).catch(() => {});
      }
    });
    return this;
  }

  close() {
    this.socket.disconnect();
  }

  // The reconnect procedure: GET /chats -> sync every cursor -> apply -> resend pending.
  async catchUp() {
    try {
      const listed = new Map();
      let cursor = null;
      for (let page = 0; page < 100; page++) {
        const body = await this.api("/chats", cursor ? { limit: 100, cursor } : { limit: 100 });
        for (const chat of body.items) listed.set(chat.id, chat);
        cursor = body.next_cursor;
        if (!cursor) break;
      }
      for (const id of [...this.chats.keys()]) if (!listed.has(id)) this.chats.delete(id);
      for (const [id, chat] of listed) if (!this.chats.has(id)) await this.loadChat(chat);
      await this.sync([...this.chats.keys()]);
    } catch (err) {
      return; // disconnected meanwhile: the next connect runs the procedure again
    }
    this.caughtUp = true;
    this.flushOutbox();
  }

  // A chat first seen: its cursor is the rev listed, read before its newest messages.
  async loadChat(chat) {
    const state = new ChatState(chat);
    const page = await this.api(`/chats/${chat.id}/messages`, { limit: 50 });
    for (const message of page.items) state.messages.set(message.id, message);
    if (!this.chats.has(chat.id)) this.chats.set(chat.id, state);
  }

  async sync(chatIds) {
    const cursors = {};
    for (const id of chatIds) if (this.chats.has(id)) cursors[id] = this.chats.get(id).cursor;
    if (Object.keys(cursors).length === 0) return;
    const answer = await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck("sync", { cursors });
    if (!answer.ok) throw new Error(`sync refused: ${answer.error.code}`);
    for (const entry of answer.chats) {
      if (entry.left || entry.reset) {
        this.chats.delete(entry.chat_id);
        if (entry.reset) await this.loadChat(await this.api(`/chats/${entry.chat_id}`));
        continue;
      }
      const state = this.chats.get(entry.chat_id);
      if (!state) continue;
      if (entry.chat) state.chat = entry.chat;
      for (const message of entry.messages) if (state.upsert(message)) this.onMessage(message);
      state.cursor = Math.max(state.cursor, entry.rev);
      for (const rev of state.revsAboveCursor) if (rev <= state.cursor) state.revsAboveCursor.delete(rev);
    }
  }

  onMessageEvent(message) {
    const state = this.chats.get(message.chat_id);
    if (!state) {
      this.catchUp(); // a chat we did not know: list the chats again
      return;
    }
    const gap = message.seq > state.lastSeq + 1;
    if (state.upsert(message)) this.onMessage(message);
    if (gap) this.sync([message.chat_id]).catch(() => {});
  }

  send(chatId, body, replyTo) {
    const clientId = randomUUID();
    const payload = { chat_id: chatId, client_id: clientId, body };
    if (replyTo !== undefined) payload.reply_to = replyTo;
    this.pending.set(clientId, payload);
    this.flushOutbox();
    return clientId;
  }

  // Send pending messages one at a time, oldest first, each until its ack.
  async flushOutbox() {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.caughtUp && this.socket.connected && this.pending.size > 0) {
        const payload = this.pending.values().next().value;
        let ack;
        try {
          ack = await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck("send_message", payload);
        } catch (err) {
          break; // no ack: stays pending; the reconnect procedure sends it again
        }
        if (ack.ok) {
          this.pending.delete(payload.client_id);
          const state = this.chats.get(ack.message.chat_id);
          if (state && state.upsert(ack.message)) this.onMessage(ack.message);
        } else if (RETRY_LATER.has(ack.error.code)) {
          await new Promise((resolve) => setTimeout(resolve, 1000)); // back off, same client_id
        } else {
          this.pending.delete(payload.client_id);
          this.failed.set(payload.client_id, ack.error);
        }
      }
    } finally {
      this.sending = false;
    }
  }

  messages(chatId) {
    const state = this.chats.get(chatId);
    return state ? state.ordered() : [];
  }
}

async function main() {
  const [baseUrl, email, password, chatIdText] = process.argv.slice(2);
  if (!chatIdText) {
    console.error("usage: node client.js BASE_URL EMAIL PASSWORD CHAT_ID");
    process.exit(2);
  }
  const chatId = Number(chatIdText);
  const chat = new CampusChat(baseUrl, (message) => {
    if (message.chat_id !== chatId) return;
    const text = message.deleted_at ? "(deleted)" : message.body;
    console.log(`#${message.seq} user ${message.sender_id}: ${text}`);
  });
  await chat.login(email, password);
  chat.connect();
  const lines = readline.createInterface({ input: process.stdin });
  lines.on("line", (line) => { if (line.trim()) chat.send(chatId, line); });
  lines.on("close", async () => {
    // Wait (at most 30 s) until everything typed is acknowledged, then leave.
    for (let i = 0; i < 300 && chat.pending.size > 0; i++) await new Promise((r) => setTimeout(r, 100));
    if (chat.pending.size > 0) console.error(`${chat.pending.size} message(s) not acknowledged`);
    chat.close();
  });
}

if (require.main === module) {
  main().catch((err) => { console.error(err); process.exit(1); });
}

module.exports = { CampusChat, ChatState };
