/* Campus chat page: keeping the store in step with the server (docs/protocol.md).
 *
 * - on every (re)connect, the reconnect procedure: GET /chats → `sync` with every cursor →
 *   apply → resend every unacknowledged message with its original client_id;
 * - live events are applied as they come; a `seq` that is not the next one, or a `rev` that
 *   skips ahead, is a gap: unless the missing change turns up within GAP_SYNC_DELAY_MS, that
 *   chat is synced from its cursor;
 * - a message reaching us twice (ack + broadcast + sync) is held once (the store keys it by seq
 *   and its pending copy by client_id).
 *
 * No DOM and no global `io`: the store, outbox, typing, API, connection and a `view` (the hooks
 * the page's rendering modules implement; see main.js) are passed in. */

import { GAP_SYNC_DELAY_MS, PAGE_SIZE, SYNC_CHUNK } from "./config.js";

export class ChatSync {
  /** `visible()`: whether the page is in front of the user (new messages there count as read). */
  constructor({ store, outbox, typing, api, connection, view, visible = () => true, timers = globalThis }) {
    Object.assign(this, { store, outbox, typing, api, connection, view, visible, timers });
    this.gapTimers = new Map();
    this.connectRun = 0;
    this.listRefresh = null;
    this.signedOut = false;
    outbox.attach({
      emit: (payload, callback) => connection.request("send_message", payload, callback),
      connected: () => connection.connected,
      acked: (message, entry) => {
        this.applyMessage(message, { live: true });
        this.settle(entry.client_id);
      },
      failed: (entry) => view.pendingChanged(entry),
    });
  }

  /** Connect to /chat; everything else follows from the socket's events. */
  start() {
    this.connection.connect({
      connect: () => this.onConnect(),
      disconnect: () => this.onDisconnect(),
      unauthorized: (code) => this.signOut(code),
      trouble: () => this.setConnection("reconnecting"),   // network trouble: the client retries
      events: {
        message: (message) => this.applyMessage(message, { live: true }),
        message_updated: (message) => this.applyMessage(message, { live: true }),
        message_deleted: (message) => this.applyMessage(message, { live: true }),
        message_reacted: (message) => this.applyMessage(message, { live: true }),
        read: (data) => this.onRead(data),
        typing: (data) => this.onTyping(data),
        presence: (data) => this.onPresence(data),
        chat_updated: (data) => this.onChatUpdated(data),
      },
    });
  }

  setConnection(state) {
    if (!this.signedOut) this.view.connection(state);
  }

  /** The server no longer takes this page's credentials: stop, and say so. */
  signOut(code = null) {
    if (this.signedOut) return;
    this.signedOut = true;
    this.view.signedOut(code);
    this.connection.close();
  }

  isViewing(chatId) {
    return chatId === this.store.openChatId && this.visible();
  }

  /* ---------- live events ---------- */

  /** Apply a message (an event, an ack, a sync answer); `quiet` leaves the list to the caller. */
  applyMessage(message, { live = false, quiet = false } = {}) {
    if (message.sender_id === this.store.me) this.settle(message.client_id);
    const result = this.store.applyMessage(message, { live, viewing: this.isViewing(message.chat_id) });
    if (!result) {
      if (live) this.refreshList();   // a chat we were added to while this page was open
      return;
    }
    const { chat } = result;
    if (this.view.messageApplied) this.view.messageApplied(message);   // pins (moderation.js)
    if (result.gap) this.scheduleSync(chat);
    if (live && result.isNew && this.typing.stopped(chat.id, message.sender_id)) this.view.typingChanged(chat.id);
    if (result.stored) this.view.messageChanged(chat, message, result.isNew);
    if (result.read) this.markRead(chat);
    else if (result.notify) this.view.notify(chat, message);
    if (!quiet) this.view.listChanged();
  }

  /** A pending message is stored on the server: it leaves the outbox and its pending node. */
  settle(clientId) {
    if (this.outbox.settle(clientId)) this.view.pendingSettled(clientId);
  }

  onRead(data) {
    const result = this.store.applyRead(data);
    if (!result) return;
    if (result.mine) this.view.listChanged();
    else this.view.readChanged(result.chat);
  }

  onTyping(data) {
    if (data.user_id === this.store.me || !this.store.chats.has(data.chat_id)) return;
    this.typing.received(data.chat_id, data.user_id, data.typing);
  }

  onPresence(data) {
    this.store.rememberPresence(data.user_id, data.online, data.last_seen);
    this.view.presenceChanged();
  }

  onChatUpdated(data) {
    const payload = data.chat || {};
    if (payload.id === undefined) return;
    const stillMember = !Array.isArray(payload.members) || payload.members.some((member) => member.user_id === this.store.me);
    if (!stillMember) { this.removeChat(payload.id, true); return; }
    const known = this.store.chats.has(payload.id);
    const chat = this.store.applyChat(payload);
    if (!known) this.refreshList();   // added to a chat that has history: its last message and unread count
    else if (this.store.noteRev(chat, payload.rev)) this.scheduleSync(chat);
    this.view.listChanged();
    this.view.chatChanged(chat);
    this.view.membersChanged(chat);
  }

  /** Chats we did not know about (added while this page was open): GET /chats, once at a time. */
  refreshList() {
    if (!this.listRefresh) {
      this.listRefresh = this.api.all("/chats").then((items) => {
        for (const data of items) this.store.applyChat(data, { fromList: true });
        this.view.listChanged();
      }).catch(() => {}).finally(() => { this.listRefresh = null; });
    }
    return this.listRefresh;
  }

  /** Forget a chat we are no longer in; `notice` tells the user if it was on screen. */
  removeChat(chatId, notice) {
    const chat = this.store.removeChat(chatId);
    if (!chat) return;
    this.outbox.retain((entry) => entry.chat_id !== chatId);
    this.view.chatRemoved(chat, notice);
    this.view.listChanged();
  }

  /* ---------- sync ---------- */

  scheduleSync(chat) {
    if (this.gapTimers.has(chat.id)) return;
    this.gapTimers.set(chat.id, this.timers.setTimeout(() => {
      this.gapTimers.delete(chat.id);
      if (this.store.chats.get(chat.id) === chat && this.store.hasGap(chat)) this.syncChats([chat.id]);
    }, GAP_SYNC_DELAY_MS));
  }

  /** `sync` the given chats (all when ids is null) from their cursors and apply the answer. */
  async syncChats(ids) {
    const wanted = (ids || Array.from(this.store.chats.keys())).map((id) => this.store.chats.get(id)).filter(Boolean);
    wanted.filter((chat) => chat.syncing).forEach((chat) => { chat.resyncWanted = true; });
    const batch = wanted.filter((chat) => !chat.syncing);
    if (!batch.length) return true;
    let synced = true;
    for (let start = 0; start < batch.length; start += SYNC_CHUNK) {
      const chunk = batch.slice(start, start + SYNC_CHUNK);
      const cursors = {};
      for (const chat of chunk) { cursors[String(chat.id)] = chat.cursor; chat.syncing = true; }
      const ack = await this.connection.emitWithAck("sync", { cursors });
      for (const chat of chunk) chat.syncing = false;
      if (ack && ack.ok) for (const entry of ack.chats || []) this.applySyncEntry(entry);
      else synced = false;
    }
    const again = batch.filter((chat) => chat.resyncWanted && this.store.chats.has(chat.id));
    again.forEach((chat) => { chat.resyncWanted = false; });
    if (again.length) await this.syncChats(again.map((chat) => chat.id));
    return synced;
  }

  applySyncEntry(entry) {
    const chat = this.store.chats.get(entry.chat_id);
    if (!chat) return;
    if (entry.left) { this.removeChat(chat.id, true); return; }
    if (entry.reset) { this.reloadChat(chat); return; }
    if (entry.chat) this.store.applyChat(entry.chat);
    for (const message of entry.messages || []) this.applyMessage(message, { quiet: true });
    // Everything up to entry.rev is applied now: nothing is missing below it.
    chat.missingSeqs.clear();
    if (typeof entry.rev === "number") this.store.advanceCursor(chat, entry.rev);
    this.view.listChanged();
    this.view.chatChanged(chat);
  }

  /** The gap was too large to replay: start this chat over from the server's state. */
  async reloadChat(chat) {
    try {
      const data = await this.api.request("GET", "/chats/" + chat.id);
      this.store.resetChat(chat, data);
      if (chat.id === this.store.openChatId) await this.loadLatest(chat);
      this.view.listChanged();
    } catch (error) {
      if (error.status === 404) this.removeChat(chat.id, true);
    }
  }

  /** The reconnect procedure; the resend (step 5) only for the latest connect. */
  async onConnect() {
    const run = ++this.connectRun;
    this.setConnection("syncing");
    try {
      const knownBefore = new Set(this.store.chats.keys());
      const items = await this.api.all("/chats");
      const listed = new Set();
      for (const data of items) { this.store.applyChat(data, { fromList: true }); listed.add(data.id); }
      this.view.listChanged();
      await this.syncChats(null);
      // Chats missing from the list and not reported `left` by sync (e.g. never synced) go too.
      for (const id of knownBefore) if (!listed.has(id)) this.removeChat(id, true);
      this.outbox.retain((entry) => this.store.chats.has(entry.chat_id));
      const open = this.store.openChatId && this.store.chats.get(this.store.openChatId);
      if (open && !open.messages) await this.loadLatest(open);
      else if (open) { this.view.conversationChanged(open); this.markRead(open); }
      this.view.listChanged();
      if (run === this.connectRun && this.connection.connected) this.setConnection("online");
    } catch (error) {
      if (!this.signedOut) this.view.failed(error);
    }
    if (run === this.connectRun && this.connection.connected) {
      this.outbox.ready = true;
      this.outbox.pump();
    }
  }

  onDisconnect() {
    this.outbox.ready = false;
    this.setConnection("reconnecting");
    this.typing.clearAll();
  }

  /* ---------- history and reading ---------- */

  /** The newest page of a conversation (around what is known to exist). */
  async loadLatest(chat) {
    const query = chat.lastSeq ? "?before=" + (chat.lastSeq + 1) + "&limit=" + PAGE_SIZE : "?limit=" + PAGE_SIZE;
    try {
      const data = await this.api.request("GET", "/chats/" + chat.id + "/messages" + query);
      if (!this.store.chats.has(chat.id)) return;
      this.store.mergeLatest(chat, data.items);
      this.view.conversationLoaded(chat);
      if (chat.id === this.store.openChatId) this.markRead(chat);
      // Messages past what the page returned (or sent meanwhile) come from a sync.
      if (chat.lastSeq && !chat.messages.has(chat.lastSeq)) this.scheduleSync(chat);
    } catch (error) {
      chat.historyError = true;
      this.view.historyChanged(chat);
    }
  }

  /** The page before the first held message; the messages it brought ([] for none or failure). */
  async loadOlder(chat) {
    if (!this.store.hasOlder(chat) || chat.loadingOlder) return [];
    chat.loadingOlder = true;
    this.view.historyChanged(chat);
    try {
      const data = await this.api.request("GET", "/chats/" + chat.id + "/messages?before=" + chat.firstSeq + "&limit=" + PAGE_SIZE);
      if (!chat.messages) return [];   // reloaded meanwhile (a `reset`)
      this.store.mergeOlder(chat, data.items);
      return data.items;
    } catch (error) {
      chat.historyError = true;
      return [];
    } finally {
      chat.loadingOlder = false;
      this.view.historyChanged(chat);
    }
  }

  /**
   * Make sure the message with `seq` is held (a reply's original): the page around it
   * (`around=<seq>`), then the pages between it and what is held, so the conversation stays one
   * run of messages. False when it is too far back (more than `maxPages` pages) or on failure.
   */
  async loadAround(chat, seq, { maxPages = 20 } = {}) {
    if (!chat.messages) return false;
    if (chat.messages.has(seq)) return true;
    try {
      const base = "/chats/" + chat.id + "/messages";
      const page = await this.api.request("GET", base + "?around=" + seq + "&limit=" + PAGE_SIZE);
      const items = page.items.slice();
      if (!items.length) return false;
      let last = items.length ? items[items.length - 1].seq : seq;
      for (let pages = 0; chat.firstSeq && last + 1 < chat.firstSeq; pages += 1) {
        if (pages >= maxPages) return false;
        const more = await this.api.request("GET", base + "?after=" + last + "&limit=100");
        if (!more.items.length) break;
        items.push(...more.items);
        last = more.items[more.items.length - 1].seq;
      }
      if (!chat.messages) return false;
      this.store.mergeOlder(chat, items);
      return chat.messages.has(seq);
    } catch (error) {
      return false;
    }
  }

  /** The held messages of `chat` that the view shows are seen (all of them when the view does
   * not say: `view.shownUpTo(chat)` is the highest seq on screen). */
  markRead(chat) {
    if (!this.visible()) return;
    const shown = this.view.shownUpTo ? this.view.shownUpTo(chat) : null;
    const seq = this.store.markRead(chat, typeof shown === "number" ? shown : null);
    if (seq === null) return;
    if (seq > 0) this.connection.emit("read", { chat_id: chat.id, seq });
    this.view.listChanged();
  }

  /* ---------- the user's own changes ---------- */

  /** Write a message to `chatId` (a body, an uploaded attachment, or both): it goes to the
   * outbox and is sent in turn. */
  send(chatId, body, attachment = null, extra = null) {
    const entry = this.outbox.add(chatId, body, attachment, extra);
    this.queue(entry);
    return entry;
  }

  /** (Re)send an outbox entry (the Retry button), with its client_id. */
  queue(entry) {
    this.outbox.requeue(entry);
    this.view.pendingChanged(entry);
    this.outbox.pump();
  }

  /** Edit or delete one's message; the ack (null without one). The new state is applied. */
  async change(event, payload) {
    const ack = await this.connection.emitWithAck(event, payload);
    if (ack && ack.ok) this.applyMessage(ack.message, { live: true });
    return ack;
  }
}
