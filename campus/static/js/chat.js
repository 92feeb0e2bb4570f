/* Campus chat page: the chat list, one conversation, and the dialogs, over the JSON API and
 * the Socket.IO namespace /chat (DESIGN.md §4).
 *
 * Delivery rules this file keeps:
 * - every chat has a cursor: the highest `rev` applied without a hole; an event whose `rev` (or
 *   message `seq`) skips ahead means something was missed, so that chat is synced;
 * - on every (re)connect: GET /chats → `sync` with every cursor → apply → resend every
 *   unacknowledged message with its original client_id (the server stores it once);
 * - messages are keyed by `seq` (one per message in a chat) and pending ones by client_id, so a
 *   message reaching us twice (ack + broadcast + sync) is shown once;
 * - message text goes into the page with textContent only, never as HTML.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("chat-config").textContent);
  const S = config.strings;
  const ME = config.user.id;
  const LOCALE = document.documentElement.lang || undefined;
  const PAGE_SIZE = 50;
  const ACK_TIMEOUT_MS = 10000;
  const TYPING_SHOWN_MS = 6000;      // §4: others' typing shows at most 6 s unless repeated
  const TYPING_REPEAT_MS = 3000;     // re-announce while the user keeps typing
  const TYPING_IDLE_MS = 4000;       // stop announcing after this long without input
  const GAP_SYNC_DELAY_MS = 200;     // let a late broadcast arrive before syncing a gap
  const SYNC_CHUNK = 200;            // chats per `sync` call (the server caps one call)
  const BASE_TITLE = document.title;

  /* ---------- small helpers ---------- */

  function t(key, params) {
    let text = S[key] || key;
    if (params) {
      for (const [name, value] of Object.entries(params)) text = text.split("{" + name + "}").join(String(value));
    }
    return text;
  }

  /** Build an element; string children become text nodes (never parsed as HTML). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "className") node.className = value;
      else if (name === "dataset") Object.assign(node.dataset, value);
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const $ = (id) => document.getElementById(id);

  function cookie(name) {
    for (const part of document.cookie.split(";")) {
      const [key, ...rest] = part.trim().split("=");
      if (key === name) return decodeURIComponent(rest.join("="));
    }
    return "";
  }

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  const timeFormat = new Intl.DateTimeFormat(LOCALE, { hour: "2-digit", minute: "2-digit" });
  const dateTimeFormat = new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeStyle: "short" });
  const fullFormat = new Intl.DateTimeFormat(LOCALE, { dateStyle: "full", timeStyle: "medium" });

  function parseTime(value) {
    if (!value) return null;
    const date = new Date(value);
    return isNaN(date) ? null : date;
  }

  /** Local time of day for today's times, date and time otherwise. */
  function shortTime(date) {
    const now = new Date();
    return date.toDateString() === now.toDateString() ? timeFormat.format(date) : dateTimeFormat.format(date);
  }

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  /* ---------- state ---------- */

  const chats = new Map();      // chat id → chat record (see chatRecord)
  const users = new Map();      // user id → {id, first_name, last_name}
  const presence = new Map();   // user id → {online, last_seen}
  const outbox = new Map();     // client_id → {client_id, chat_id, body, status, error, attempt}
  let openChatId = null;
  let socket = null;
  let signedOut = false;

  users.set(ME, config.user);

  /* Unacknowledged messages survive a reload of this tab: they are resent with their client_id. */
  const OUTBOX_KEY = "campus-chat-outbox-" + ME;
  function saveOutbox() {
    try {
      const entries = Array.from(outbox.values(), ({ client_id, chat_id, body, created_at }) => ({ client_id, chat_id, body, created_at }));
      if (entries.length) sessionStorage.setItem(OUTBOX_KEY, JSON.stringify(entries));
      else sessionStorage.removeItem(OUTBOX_KEY);
    } catch (error) {
      /* storage full or disabled: the outbox lives in memory only */
    }
  }
  try {
    for (const entry of JSON.parse(sessionStorage.getItem(OUTBOX_KEY) || "[]")) {
      if (entry && entry.client_id && entry.chat_id && entry.body) outbox.set(entry.client_id, { ...entry, status: "pending" });
    }
  } catch (error) {
    /* nothing usable stored */
  }

  function chatRecord(id) {
    return {
      id, type: "group", title: "", kind: null, members: [], myRole: null,
      lastSeq: 0,            // highest seq known to exist (for unread counts and gap checks)
      cursor: 0,             // highest rev applied with nothing missing below it (§4 sync cursor)
      revsAhead: new Set(),  // revs applied above cursor + 1: waiting for the ones in between
      missingSeqs: new Set(),// seqs skipped by a live message: a gap unless they arrive soon
      unread: 0,
      lastMessage: null,
      seenAt: new Date().toISOString(),   // when this page learned of the chat (orders empty chats)
      myRead: 0,
      readMarkers: new Map(),   // other user id → last read seq
      messages: null,           // Map seq → message once the conversation is loaded
      firstSeq: null,           // lowest seq loaded
      loadingOlder: false,
      historyError: false,
      syncing: false,
      resyncWanted: false,
      typing: new Map(),        // user id → timer
    };
  }

  /* ---------- REST ---------- */

  class ApiError extends Error {
    constructor(status, body) {
      const error = (body && body.error) || {};
      super(error.message || "HTTP " + status);
      this.status = status;
      this.code = error.code || "http_" + status;
    }
  }

  let refreshing = null;
  // When the access cookie expires, by this page's clock. Calls refresh ahead of it: an expired
  // token sent anyway would be a 401, which the browser logs as an error.
  let accessExpiresAt = Date.now() + config.access.expires_in * 1000;
  const REFRESH_AHEAD_MS = Math.min(60000, config.access.lifetime * 250);

  function accessExpiring() {
    return Date.now() >= accessExpiresAt - REFRESH_AHEAD_MS;
  }

  /** POST /auth/refresh with the refresh cookie: a new access cookie. One request at a time. */
  function refreshAccess() {
    if (!refreshing) {
      const headers = { Accept: "application/json" };
      headers[config.csrf.refresh_header] = cookie(config.csrf.refresh_cookie);
      const started = Date.now();
      refreshing = fetch(config.api + "/auth/refresh", { method: "POST", credentials: "same-origin", headers })
        .then((response) => {
          if (response.ok) accessExpiresAt = started + config.access.lifetime * 1000;
          return response.ok;
        })
        .catch(() => false)
        .finally(() => { setTimeout(() => { refreshing = null; }, 0); });
    }
    return refreshing;
  }

  async function api(method, path, body) {
    for (let attempt = 0; ; attempt += 1) {
      if (attempt === 0 && accessExpiring()) await refreshAccess();
      const headers = { Accept: "application/json" };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      if (method !== "GET") headers[config.csrf.access_header] = cookie(config.csrf.access_cookie);
      const response = await fetch(config.api + path, {
        method, headers, credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (response.status === 204) return null;
      const data = await response.json().catch(() => null);
      if (response.ok) return data;
      const error = new ApiError(response.status, data);
      if (response.status === 401) {
        if (attempt === 0 && error.code === "token_expired" && await refreshAccess()) continue;
        showSignedOut();
      }
      throw error;
    }
  }

  /** Every page of a list endpoint (bounded). */
  async function apiAll(path) {
    const items = [];
    let cursor = null;
    for (let page = 0; page < 50; page += 1) {
      const separator = path.includes("?") ? "&" : "?";
      const data = await api("GET", path + separator + "limit=100" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
      items.push(...data.items);
      cursor = data.next_cursor;
      if (!cursor) break;
    }
    return items;
  }

  /* ---------- names and presence ---------- */

  function rememberUser(user) {
    if (!user || user.id === undefined || user.id === null) return;
    const known = users.get(user.id) || { id: user.id };
    for (const field of ["first_name", "last_name"]) if (user[field]) known[field] = user[field];
    users.set(user.id, known);
  }

  function userName(userId) {
    if (userId === ME) return t("you");
    const user = users.get(userId);
    const name = user ? [user.first_name, user.last_name].filter(Boolean).join(" ") : "";
    return name || t("unknown_user", { id: userId });
  }

  function chatName(chat) {
    if (chat.type === "private") {
      const other = chat.members.find((member) => member.user_id !== ME);
      return other ? userName(other.user_id) : t("saved_messages");
    }
    return chat.title || t("unknown_user", { id: chat.id });
  }

  function privatePartner(chat) {
    if (chat.type !== "private") return null;
    const other = chat.members.find((member) => member.user_id !== ME);
    return other ? other.user_id : null;
  }

  function rememberPresence(userId, online, lastSeen) {
    if (userId === undefined || userId === null) return;
    const known = presence.get(userId) || {};
    if (online !== undefined && online !== null) known.online = Boolean(online);
    if (lastSeen) known.last_seen = lastSeen;
    presence.set(userId, known);
  }

  /* ---------- applying server state ---------- */

  /** Take a chat object from GET /chats, GET /chats/{id}, `sync` or `chat_updated`. */
  function applyChat(data, { fromList = false } = {}) {
    let chat = chats.get(data.id);
    if (!chat) {
      chat = chatRecord(data.id);
      chats.set(data.id, chat);
      chat.cursor = data.rev || 0;
    }
    chat.type = data.type || chat.type;
    chat.title = data.title || "";
    chat.kind = data.kind || null;
    if (Array.isArray(data.members)) {
      chat.members = data.members;
      for (const member of data.members) {
        rememberUser({ id: member.user_id, first_name: member.first_name, last_name: member.last_name, ...(member.user || {}) });
        if ("online" in member || "last_seen" in member) rememberPresence(member.user_id, member.online, member.last_seen);
        const read = member.last_read_seq ?? member.read_seq ?? member.last_read;
        if (typeof read === "number" && member.user_id !== ME) {
          chat.readMarkers.set(member.user_id, Math.max(read, chat.readMarkers.get(member.user_id) || 0));
        }
        if (typeof read === "number" && member.user_id === ME) chat.myRead = Math.max(chat.myRead, read);
      }
      const mine = data.members.find((member) => member.user_id === ME);
      chat.myRole = mine ? mine.role : null;
    }
    if (typeof data.last_seq === "number") chat.lastSeq = Math.max(chat.lastSeq, data.last_seq);
    if (typeof data.last_read_seq === "number") chat.myRead = Math.max(chat.myRead, data.last_read_seq);
    if (fromList) {
      if (typeof data.unread === "number") chat.unread = data.unread;
      if (data.last_message !== undefined) chat.lastMessage = data.last_message;
      // A chat whose messages are not held here is fully described by the list.
      if (!chat.messages && typeof data.rev === "number") chat.cursor = Math.max(chat.cursor, data.rev);
    }
    if (data.last_message && (!chat.lastMessage || data.last_message.seq >= chat.lastMessage.seq)) {
      chat.lastMessage = data.last_message;
      rememberUser(data.last_message.sender);
    }
    return chat;
  }

  /** Note that a change with `rev` was applied; a rev that skips ahead may be a missed change. */
  function noteRev(chat, rev) {
    if (typeof rev !== "number" || rev <= chat.cursor) return;
    if (rev === chat.cursor + 1) {
      chat.cursor = rev;
      while (chat.revsAhead.delete(chat.cursor + 1)) chat.cursor += 1;
    } else {
      chat.revsAhead.add(rev);
      scheduleSync(chat);
    }
  }

  function advanceCursor(chat, rev) {
    chat.cursor = Math.max(chat.cursor, rev);
    for (const ahead of chat.revsAhead) if (ahead <= chat.cursor) chat.revsAhead.delete(ahead);
    while (chat.revsAhead.delete(chat.cursor + 1)) chat.cursor += 1;
  }

  /** A gap is real if a skipped rev or seq has not turned up since it was noticed. */
  function hasGap(chat) {
    return chat.revsAhead.size > 0 || chat.missingSeqs.size > 0;
  }

  /**
   * Apply one message in its current state. `live` messages (broadcasts) are checked for gaps;
   * synced and loaded ones are not (a sync answer skips revs that later changes replaced).
   */
  function applyMessage(message, { live = false, quiet = false } = {}) {
    const chat = chats.get(message.chat_id);
    if (!chat) {
      if (live) refreshList();
      return;
    }
    rememberUser(message.sender);
    if (message.sender_id === ME && message.client_id && outbox.has(message.client_id)) {
      outbox.delete(message.client_id);
      saveOutbox();
      removePendingNode(message.client_id);
    }
    const isNew = message.seq > chat.lastSeq;
    chat.missingSeqs.delete(message.seq);
    if (live && message.seq > chat.lastSeq + 1) {
      for (let seq = chat.lastSeq + 1; seq < message.seq && chat.missingSeqs.size < 1000; seq += 1) chat.missingSeqs.add(seq);
      scheduleSync(chat);
    }
    if (isNew) chat.lastSeq = message.seq;
    if (!chat.lastMessage || message.seq >= chat.lastMessage.seq) chat.lastMessage = message;
    if (live) noteRev(chat, message.rev);
    if (live && isNew && chat.typing.has(message.sender_id)) {
      clearTimeout(chat.typing.get(message.sender_id));
      chat.typing.delete(message.sender_id);
      if (chat.id === openChatId) renderTyping(chat);
    }

    let shown = false;
    if (chat.messages) {
      const held = chat.messages.get(message.seq);
      const inWindow = chat.firstSeq === null || message.seq >= chat.firstSeq;
      if (inWindow && (!held || (message.rev || 0) >= (held.rev || 0))) {
        chat.messages.set(message.seq, message);
        if (chat.firstSeq === null) chat.firstSeq = message.seq;
        if (chat.id === openChatId) { renderMessage(chat, message); shown = true; }
      }
    }
    if (isNew && message.sender_id !== ME && !message.deleted_at) {
      if (chat.id === openChatId && pageVisible()) {
        markRead(chat);
      } else {
        chat.unread += 1;
        notify(chat, message);
      }
    }
    if (shown && isNew) scrollToBottomIfNear();
    if (!quiet) {
      renderChatList();
      updateTitle();
    }
  }

  /** A broadcast for a chat we don't know: we were added to it while this page was open. */
  let listRefresh = null;
  function refreshList() {
    if (!listRefresh) {
      listRefresh = apiAll("/chats").then((items) => {
        for (const data of items) applyChat(data, { fromList: true });
        renderChatList();
        updateTitle();
      }).catch(() => {}).finally(() => { listRefresh = null; });
    }
    return listRefresh;
  }

  function removeChat(chatId, notice) {
    const chat = chats.get(chatId);
    if (!chat) return;
    chats.delete(chatId);
    for (const [clientId, entry] of outbox) if (entry.chat_id === chatId) outbox.delete(clientId);
    saveOutbox();
    if (openChatId === chatId) {
      closeConversation();
      if (notice) setStatus(t("left_chat", { title: chatName(chat) }));
    }
    renderChatList();
    updateTitle();
  }

  /* ---------- sync (§4) ---------- */

  const gapTimers = new Map();
  function scheduleSync(chat) {
    if (gapTimers.has(chat.id)) return;
    gapTimers.set(chat.id, setTimeout(() => {
      gapTimers.delete(chat.id);
      if (chats.get(chat.id) === chat && hasGap(chat)) syncChats([chat.id]);
    }, GAP_SYNC_DELAY_MS));
  }

  function emitWithAck(event, payload) {
    return new Promise((resolve) => {
      if (!socket || !socket.connected) { resolve(null); return; }
      socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (err, ack) => resolve(err ? null : ack));
    });
  }

  /** `sync` the given chats (all when ids is null) from their cursors and apply the answer. */
  async function syncChats(ids) {
    const wanted = (ids || Array.from(chats.keys())).map((id) => chats.get(id)).filter(Boolean);
    const busy = wanted.filter((chat) => chat.syncing);
    busy.forEach((chat) => { chat.resyncWanted = true; });
    const batch = wanted.filter((chat) => !chat.syncing);
    if (!batch.length) return true;
    let synced = true;
    for (let start = 0; start < batch.length; start += SYNC_CHUNK) {
      const chunk = batch.slice(start, start + SYNC_CHUNK);
      const cursors = {};
      for (const chat of chunk) { cursors[String(chat.id)] = chat.cursor; chat.syncing = true; }
      const ack = await emitWithAck("sync", { cursors });
      for (const chat of chunk) chat.syncing = false;
      if (ack && ack.ok) for (const entry of ack.chats || []) applySyncEntry(entry);
      else synced = false;
    }
    const again = batch.filter((chat) => chat.resyncWanted && chats.has(chat.id));
    again.forEach((chat) => { chat.resyncWanted = false; });
    if (again.length) await syncChats(again.map((chat) => chat.id));
    return synced;
  }

  function applySyncEntry(entry) {
    const chat = chats.get(entry.chat_id);
    if (!chat) return;
    if (entry.left) { removeChat(chat.id, true); return; }
    if (entry.reset) { reloadChat(chat); return; }
    if (entry.chat) applyChat(entry.chat);
    for (const message of entry.messages || []) applyMessage(message, { quiet: true });
    // Everything up to entry.rev is applied now: nothing is missing below it.
    chat.missingSeqs.clear();
    if (typeof entry.rev === "number") advanceCursor(chat, entry.rev);
    renderChatList();
    updateTitle();
    if (chat.id === openChatId) renderConversationHead();
  }

  /** The gap was too large to replay: start this chat over from the server's state. */
  async function reloadChat(chat) {
    try {
      const data = await api("GET", "/chats/" + chat.id);
      chat.messages = null;
      chat.firstSeq = null;
      chat.revsAhead.clear();
      chat.missingSeqs.clear();
      applyChat(data);
      chat.cursor = data.rev || 0;
      if (chat.id === openChatId) await loadLatest(chat);
      renderChatList();
    } catch (error) {
      if (error.status === 404) removeChat(chat.id, true);
    }
  }

  /** §4's reconnect procedure: GET /chats → sync with every cursor → apply → resend. */
  let connectRun = 0;
  async function onConnect() {
    const run = ++connectRun;
    setConnection("syncing");
    try {
      const knownBefore = new Set(chats.keys());
      const items = await apiAll("/chats");
      const listed = new Set();
      for (const data of items) { applyChat(data, { fromList: true }); listed.add(data.id); }
      renderChatList();
      await syncChats(null);
      // Chats missing from the list and not reported `left` by sync (e.g. never synced) go too.
      for (const id of knownBefore) if (!listed.has(id)) removeChat(id, true);
      for (const [clientId, entry] of outbox) if (!chats.has(entry.chat_id)) outbox.delete(clientId);
      saveOutbox();
      const open = openChatId && chats.get(openChatId);
      if (open && !open.messages) await loadLatest(open);
      else if (open) { renderConversation(); markRead(open); }
      updateTitle();
      if (run === connectRun && socket.connected) setConnection("online");
    } catch (error) {
      if (!signedOut) setStatus(t("action_failed", { message: error.message }));
    }
    // Step 5, resend: only for the latest connect (a newer one runs the procedure again).
    if (run === connectRun && socket.connected) {
      caughtUp = true;
      pumpOutbox();
    }
  }

  /* ---------- socket ---------- */

  function connect() {
    socket = io(config.namespace, {
      transports: ["websocket", "polling"],
      tryAllTransports: true,          // fall back to long polling where WebSockets are blocked
      // A function, so every reconnect reads the current CSRF cookie (it changes on refresh),
      // refreshing first when the access cookie is about to expire.
      auth: (send) => {
        const ready = accessExpiring() ? refreshAccess() : Promise.resolve();
        ready.then(() => send({ csrf: cookie(config.csrf.access_cookie) }));
      },
    });
    socket.on("connect", onConnect);
    socket.on("disconnect", (reason) => {
      caughtUp = false;
      setConnection("reconnecting");
      for (const chat of chats.values()) clearTyping(chat);
      if (reason === "io server disconnect" && !signedOut) socket.connect();
    });
    let lastRefresh = 0;
    socket.on("connect_error", async (err) => {
      if (err && err.message === "unauthorized") {
        const code = err.data && err.data.code;
        if (code === "token_expired" && Date.now() - lastRefresh > 5000) {
          lastRefresh = Date.now();
          if (await refreshAccess()) { socket.connect(); return; }
        }
        showSignedOut();
        return;
      }
      setConnection("reconnecting");   // network trouble: the client retries by itself
    });
    socket.on("message", (message) => applyMessage(message, { live: true }));
    socket.on("message_updated", (message) => applyMessage(message, { live: true }));
    socket.on("message_deleted", (message) => applyMessage(message, { live: true }));
    socket.on("read", onRead);
    socket.on("typing", onTyping);
    socket.on("presence", (data) => {
      rememberPresence(data.user_id, data.online, data.last_seen);
      renderPresence();
    });
    socket.on("chat_updated", onChatUpdated);
  }

  function onRead(data) {
    const chat = chats.get(data.chat_id);
    if (!chat) return;
    if (data.user_id === ME) {
      // Read in another tab or device.
      chat.myRead = Math.max(chat.myRead, data.seq);
      if (data.seq >= chat.lastSeq) chat.unread = 0;
      renderChatList();
      updateTitle();
      return;
    }
    chat.readMarkers.set(data.user_id, Math.max(data.seq, chat.readMarkers.get(data.user_id) || 0));
    if (chat.id === openChatId) refreshOwnStatuses(chat);
  }

  function onTyping(data) {
    const chat = chats.get(data.chat_id);
    if (!chat || data.user_id === ME) return;
    clearTimeout(chat.typing.get(data.user_id));
    if (data.typing) {
      chat.typing.set(data.user_id, setTimeout(() => {
        chat.typing.delete(data.user_id);
        if (chat.id === openChatId) renderTyping(chat);
      }, TYPING_SHOWN_MS));
    } else {
      chat.typing.delete(data.user_id);
    }
    if (chat.id === openChatId) renderTyping(chat);
  }

  function clearTyping(chat) {
    for (const timer of chat.typing.values()) clearTimeout(timer);
    chat.typing.clear();
    if (chat.id === openChatId) renderTyping(chat);
  }

  function onChatUpdated(data) {
    const payload = data.chat || {};
    const stillMember = !Array.isArray(payload.members) || payload.members.some((member) => member.user_id === ME);
    if (!stillMember) { removeChat(payload.id, true); return; }
    const known = chats.has(payload.id);
    const chat = applyChat(payload);
    if (known) noteRev(chat, payload.rev);
    else refreshList();   // added to a chat that has history: its last message and unread count
    renderChatList();
    if (chat.id === openChatId) { renderConversationHead(); if (membersDialog.open) renderMembers(); }
  }

  /* ---------- sending ---------- */

  /*
   * The outbox sends one message at a time, in the order written: the server numbers concurrent
   * sends of one socket in any order, so the next goes only after the previous one's ack.
   * An ack error that may pass later (rate_limited, internal_error, no answer) is retried with
   * the same client_id a few times; one that never will (validation_error, too_large, forbidden,
   * not_found) — or too many retries — shows the message as failed, with a Retry button.
   */
  const RETRYABLE = new Set(["rate_limited", "internal_error", "timeout"]);
  const MAX_AUTOMATIC_TRIES = 3;
  let inFlight = null;
  let caughtUp = false;   // the reconnect procedure has run since the last (re)connect

  function pumpOutbox() {
    if (inFlight || !caughtUp || !socket || !socket.connected) return;
    const entry = Array.from(outbox.values()).find((candidate) => candidate.status === "pending" && !candidate.waitUntil);
    if (!entry) return;
    inFlight = entry;
    entry.tries = (entry.tries || 0) + 1;
    const payload = { chat_id: entry.chat_id, client_id: entry.client_id, body: entry.body };
    socket.timeout(ACK_TIMEOUT_MS).emit("send_message", payload, (err, ack) => {
      if (inFlight === entry) inFlight = null;
      if (!outbox.has(entry.client_id)) { pumpOutbox(); return; }
      if (err && !socket.connected) return;   // the reconnect procedure sends it again
      if (!err && ack && ack.ok && ack.message) {
        applyMessage(ack.message, { live: true });
      } else {
        const code = err ? "timeout" : (ack && ack.error && ack.error.code) || "internal_error";
        if (RETRYABLE.has(code) && entry.tries < MAX_AUTOMATIC_TRIES) {
          // Let the others go first; come back to this one after a pause.
          entry.waitUntil = true;
          setTimeout(() => { entry.waitUntil = false; pumpOutbox(); }, 1000 * entry.tries);
        } else {
          entry.status = "failed";
          entry.error = code;
          renderPending(entry);
        }
      }
      pumpOutbox();
    });
  }

  /** Queue (or re-queue, by the Retry button) a message; it keeps its client_id. */
  function sendEntry(entry) {
    entry.status = "pending";
    entry.error = null;
    entry.tries = 0;
    entry.waitUntil = false;
    renderPending(entry);
    pumpOutbox();
  }

  function sendMessage(body) {
    const chat = chats.get(openChatId);
    if (!chat) return;
    const entry = { client_id: newClientId(), chat_id: chat.id, body, status: "pending", created_at: new Date().toISOString() };
    outbox.set(entry.client_id, entry);
    saveOutbox();
    sendEntry(entry);
    stopTyping();
    scrollToBottom();
  }

  function markRead(chat) {
    if (!chat.messages || !pageVisible()) return;
    let highest = 0;
    for (const seq of chat.messages.keys()) highest = Math.max(highest, seq);
    if (highest > chat.myRead || chat.unread) {
      chat.myRead = Math.max(chat.myRead, highest);
      chat.unread = 0;
      if (socket && socket.connected && highest > 0) socket.emit("read", { chat_id: chat.id, seq: highest }, () => {});
      renderChatList();
      updateTitle();
    }
  }

  /* typing: announce while the user types, stop when idle or sent */
  let typingChatId = null;
  let typingSentAt = 0;
  let typingIdleTimer = null;

  function noteTyping() {
    if (!openChatId || !socket || !socket.connected) return;
    const now = Date.now();
    if (typingChatId !== openChatId || now - typingSentAt > TYPING_REPEAT_MS) {
      if (typingChatId && typingChatId !== openChatId) stopTyping();
      typingChatId = openChatId;
      typingSentAt = now;
      socket.emit("typing", { chat_id: openChatId, typing: true }, () => {});
    }
    clearTimeout(typingIdleTimer);
    typingIdleTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function stopTyping() {
    clearTimeout(typingIdleTimer);
    if (typingChatId && socket && socket.connected) socket.emit("typing", { chat_id: typingChatId, typing: false }, () => {});
    typingChatId = null;
    typingSentAt = 0;
  }

  /* ---------- loading history ---------- */

  async function loadLatest(chat) {
    const query = chat.lastSeq ? "?before=" + (chat.lastSeq + 1) + "&limit=" + PAGE_SIZE : "?limit=" + PAGE_SIZE;
    try {
      const data = await api("GET", "/chats/" + chat.id + "/messages" + query);
      if (!chats.has(chat.id)) return;
      chat.messages = chat.messages || new Map();
      for (const message of data.items) {
        rememberUser(message.sender);
        const held = chat.messages.get(message.seq);
        if (!held || (message.rev || 0) >= (held.rev || 0)) chat.messages.set(message.seq, message);
        if (message.seq > chat.lastSeq) chat.lastSeq = message.seq;
      }
      const seqs = Array.from(chat.messages.keys());
      chat.firstSeq = seqs.length ? Math.min(...seqs) : null;
      chat.historyError = false;
      if (chat.id === openChatId) { renderConversation(); scrollToBottom(); markRead(chat); fillViewport(chat); }
      // Messages past what the page returned (or sent meanwhile) come from a sync.
      if (chat.lastSeq && !chat.messages.has(chat.lastSeq)) scheduleSync(chat);
    } catch (error) {
      chat.historyError = true;
      if (chat.id === openChatId) renderHistoryNote(chat);
    }
  }

  async function loadOlder(chat) {
    if (!chat.messages || chat.loadingOlder || !chat.firstSeq || chat.firstSeq <= 1) return;
    chat.loadingOlder = true;
    renderHistoryNote(chat);
    const box = $("messages");
    const fromBottom = box.scrollHeight - box.scrollTop;
    try {
      const data = await api("GET", "/chats/" + chat.id + "/messages?before=" + chat.firstSeq + "&limit=" + PAGE_SIZE);
      for (const message of data.items) {
        rememberUser(message.sender);
        if (!chat.messages.has(message.seq)) chat.messages.set(message.seq, message);
        chat.firstSeq = Math.min(chat.firstSeq, message.seq);
      }
      if (!data.items.length) chat.firstSeq = 1;
      chat.historyError = false;
      if (chat.id === openChatId) {
        for (const message of data.items) renderMessage(chat, message);
        box.scrollTop = box.scrollHeight - fromBottom;
      }
      if (data.items.length) setTimeout(() => fillViewport(chat), 0);
    } catch (error) {
      chat.historyError = true;
    } finally {
      chat.loadingOlder = false;
      if (chat.id === openChatId) renderHistoryNote(chat);
    }
  }

  /* ---------- rendering: chat list ---------- */

  const chatList = $("chat-list");
  const searchBox = $("chat-search");

  function sortedChats() {
    const activity = (chat) => (chat.lastMessage && chat.lastMessage.created_at) || chat.seenAt;
    return Array.from(chats.values()).sort((a, b) => (activity(b) > activity(a) ? 1 : activity(b) < activity(a) ? -1 : b.id - a.id));
  }

  function previewText(message) {
    if (!message) return "";
    if (message.deleted_at) return t("deleted");
    const text = message.body || (message.attachment ? t("attachment") : "");
    return (message.sender_id === ME ? t("you") + ": " : "") + text;
  }

  function chatMatches(chat, query) {
    if (!query) return true;
    const haystack = [chatName(chat), chat.lastMessage && chat.lastMessage.body].filter(Boolean).join(" ").toLocaleLowerCase(LOCALE);
    return haystack.includes(query);
  }

  function renderChatList() {
    const query = searchBox.value.trim().toLocaleLowerCase(LOCALE);
    const items = [];
    for (const chat of sortedChats()) {
      const item = chatItem(chat);
      item.hidden = !chatMatches(chat, query);
      items.push(item);
    }
    // Redrawing must not take keyboard focus away from the chat the user is on.
    const focused = chatList.contains(document.activeElement) && document.activeElement.closest("li");
    const focusedId = focused ? focused.dataset.chatId : null;
    chatList.replaceChildren(...items);
    if (focusedId) {
      const again = chatList.querySelector('li[data-chat-id="' + focusedId + '"] button');
      if (again) again.focus();
    }
    const empty = $("chat-list-empty");
    const visible = items.filter((item) => !item.hidden).length;
    empty.hidden = visible > 0;
    empty.textContent = chats.size ? t("no_matches") : t("no_chats");
  }

  function chatItem(chat) {
    const partner = privatePartner(chat);
    const state = partner !== null ? presence.get(partner) : null;
    const time = chat.lastMessage && parseTime(chat.lastMessage.created_at);
    const button = el("button", {
      type: "button", className: "chat-item" + (chat.id === openChatId ? " active" : ""),
      "aria-current": chat.id === openChatId ? "true" : null,
      onclick: () => openChat(chat.id),
    },
    el("span", { className: "chat-item-name" },
      partner !== null ? el("span", {
        className: "presence-dot" + (state && state.online ? " online" : ""),
        title: state && state.online ? t("online") : t("offline"),
        "aria-label": state && state.online ? t("online") : t("offline"),
        role: "img",
      }) : null,
      el("span", { className: "chat-item-title" }, chatName(chat))),
    time ? el("time", { className: "chat-item-time", datetime: chat.lastMessage.created_at }, shortTime(time)) : null,
    el("span", { className: "chat-item-preview" }, previewText(chat.lastMessage)),
    chat.unread > 0 ? el("span", { className: "unread-badge", "aria-label": t("unread", { count: chat.unread }) }, String(chat.unread)) : null);
    return el("li", { dataset: { chatId: String(chat.id), kind: chat.kind || chat.type } }, button);
  }

  function updateTitle() {
    let total = 0;
    for (const chat of chats.values()) total += chat.unread;
    document.title = total > 0 ? "(" + total + ") " + BASE_TITLE : BASE_TITLE;
  }

  /* ---------- rendering: conversation ---------- */

  const messageList = $("message-list");
  const pendingList = $("pending-list");
  const messagesBox = $("messages");
  const conversation = $("conversation");
  const app = $("chat-app");

  function openChat(chatId) {
    const chat = chats.get(chatId);
    if (!chat) return;
    if (typingChatId && typingChatId !== chatId) stopTyping();
    openChatId = chatId;
    conversation.hidden = false;
    $("no-conversation").hidden = true;
    app.classList.add("show-conversation");
    renderConversation();
    renderChatList();
    if (!chat.messages) loadLatest(chat);
    else { scrollToBottom(); markRead(chat); }
    if (mayPost(chat)) $("composer-input").focus();
  }

  function closeConversation() {
    stopTyping();
    openChatId = null;
    conversation.hidden = true;
    $("no-conversation").hidden = false;
    app.classList.remove("show-conversation");
    messageList.replaceChildren();
    pendingList.replaceChildren();
  }

  /** Major chats are announcements: only teachers and admins get a composer there. */
  function mayPost(chat) {
    return chat.kind !== "major" || config.can_post_announcements;
  }

  function renderConversation() {
    const chat = chats.get(openChatId);
    if (!chat) return;
    renderConversationHead();
    const posting = mayPost(chat);
    $("composer").hidden = !posting;
    $("read-only-note").hidden = posting;
    $("read-only-note").textContent = posting ? "" : t("announcements_only");
    messageList.replaceChildren();
    if (chat.messages) {
      const seqs = Array.from(chat.messages.keys()).sort((a, b) => a - b);
      messageList.append(...seqs.map((seq) => messageNode(chat, chat.messages.get(seq))));
    }
    pendingList.replaceChildren(...Array.from(outbox.values()).filter((entry) => entry.chat_id === chat.id).map(pendingNode));
    renderHistoryNote(chat);
    renderTyping(chat);
  }

  function renderConversationHead() {
    const chat = chats.get(openChatId);
    if (!chat) return;
    $("conversation-title").textContent = chatName(chat);
    const status = $("conversation-status");
    const partner = privatePartner(chat);
    if (partner !== null) {
      const state = presence.get(partner) || {};
      const lastSeen = parseTime(state.last_seen);
      status.textContent = state.online ? t("online") : lastSeen ? t("last_seen", { time: shortTime(lastSeen) }) : "";
      status.classList.toggle("online", Boolean(state.online));
    } else if (chat.type === "group") {
      const online = chat.members.filter((member) => member.user_id === ME || (presence.get(member.user_id) || {}).online).length;
      status.textContent = t("members_online", { count: chat.members.length, online });
      status.classList.remove("online");
    } else {
      status.textContent = "";
    }
  }

  function renderPresence() {
    renderChatList();
    if (openChatId) renderConversationHead();
    if (membersDialog.open) renderMembers();
  }

  function renderHistoryNote(chat) {
    const note = $("history-note");
    if (chat.loadingOlder || (!chat.messages && !chat.historyError)) note.replaceChildren(t("loading"));
    else if (!chat.firstSeq || chat.firstSeq <= 1) note.replaceChildren(t("history_start"));
    else {
      // Scrolling up loads older messages; the button does the same from the keyboard.
      note.replaceChildren(chat.historyError ? t("load_failed") + " " : "",
        el("button", { type: "button", className: "link-button", onclick: () => loadOlder(chat) }, t("older_messages")));
    }
  }

  /** Too few messages to scroll: fetch older ones until the box scrolls or history starts. */
  function fillViewport(chat) {
    if (chat.id === openChatId && chat.firstSeq > 1 && !chat.historyError &&
        messagesBox.scrollHeight <= messagesBox.clientHeight) loadOlder(chat);
  }

  function renderTyping(chat) {
    const names = Array.from(chat.typing.keys()).map(userName);
    const indicator = $("typing-indicator");
    indicator.textContent = names.length === 0 ? "" : names.length === 1
      ? t("typing_one", { name: names[0] }) : t("typing_many", { names: names.join(", ") });
  }

  function ownStatus(chat, message) {
    for (const seq of chat.readMarkers.values()) if (seq >= message.seq) return "seen";
    return "sent";
  }

  function statusNode(status, entry) {
    const labels = { pending: t("pending"), sent: t("sent"), seen: t("seen"), failed: t("failed") };
    const icons = { pending: "🕓", sent: "✓", seen: "✓✓", failed: "!" };
    const node = el("span", { className: "msg-status", dataset: { status } },
      el("span", { "aria-hidden": "true", className: "msg-status-icon" }, icons[status]),
      el("span", { className: "msg-status-text" }, labels[status]));
    if (status === "failed" && entry) {
      node.append(el("button", { type: "button", className: "retry-button", onclick: () => sendEntry(entry) }, t("retry")));
    }
    return node;
  }

  function messageNode(chat, message) {
    const mine = message.sender_id === ME;
    const created = parseTime(message.created_at);
    const body = message.deleted_at
      ? el("p", { className: "msg-body deleted" }, t("deleted"))
      : el("p", { className: "msg-body" }, message.body || "");
    const attachment = message.attachment && !message.deleted_at ? attachmentNode(message.attachment) : null;
    const meta = el("div", { className: "msg-meta" },
      created ? el("time", { datetime: message.created_at, title: fullFormat.format(created) }, shortTime(created)) : null,
      message.edited_at && !message.deleted_at ? el("span", { className: "msg-edited" }, t("edited")) : null,
      mine ? statusNode(ownStatus(chat, message)) : null,
      mine && !message.deleted_at ? el("span", { className: "msg-actions" },
        el("button", { type: "button", className: "link-button edit-button", onclick: (event) => startEdit(event, message) }, t("edit")),
        el("button", { type: "button", className: "link-button delete-button", onclick: (event) => askDelete(event, message) }, t("delete"))) : null);
    return el("li", {
      className: "msg " + (mine ? "mine" : "theirs"),
      dataset: { seq: String(message.seq), id: String(message.id), clientId: message.client_id || "", sender: String(message.sender_id) },
    },
    !mine && chat.type !== "private" ? el("span", { className: "msg-sender" }, userName(message.sender_id)) : null,
    body, attachment, meta);
  }

  /** Edit one's own message in place; the ack (and message_updated) bring the new state. */
  function startEdit(event, message) {
    const item = event.target.closest("li.msg");
    const box = el("textarea", { className: "edit-input", rows: "2", maxlength: "4000", "aria-label": t("edit") });
    box.value = message.body || "";
    const error = el("span", { className: "edit-error", role: "alert" });
    const form = el("form", { className: "edit-form" }, box,
      el("span", { className: "edit-buttons" },
        el("button", { type: "submit" }, t("save")),
        el("button", { type: "button", onclick: () => renderConversation() }, t("cancel")), error));
    form.addEventListener("submit", async (submit) => {
      submit.preventDefault();
      const body = box.value.trim();
      if (!body || body === message.body) { renderConversation(); return; }
      const ack = await emitWithAck("edit_message", { message_id: message.id, body });
      if (ack && ack.ok) applyMessage(ack.message, { live: true });
      else error.textContent = t("action_failed", { message: (ack && ack.error && ack.error.message) || t("reconnecting") });
    });
    item.querySelector(".msg-body").replaceWith(form);
    box.focus();
  }

  /** Deleting asks once more in place (no blocking confirm()). */
  function askDelete(event, message) {
    const button = event.target;
    if (button.dataset.confirming) {
      emitWithAck("delete_message", { message_id: message.id }).then((ack) => {
        if (ack && ack.ok) applyMessage(ack.message, { live: true });
        else setStatus(t("action_failed", { message: (ack && ack.error && ack.error.message) || t("reconnecting") }));
      });
      return;
    }
    button.dataset.confirming = "1";
    button.textContent = t("delete_confirm");
    button.classList.add("danger");
  }

  function attachmentNode(attachment) {
    const name = attachment.name || t("attachment");
    const url = typeof attachment.url === "string" && attachment.url.startsWith("/") ? attachment.url : null;
    return el("p", { className: "msg-attachment" }, url ? el("a", { href: url, target: "_blank", rel: "noopener" }, name) : name);
  }

  /** Insert or replace a message's node, keeping the list in seq order. */
  function renderMessage(chat, message) {
    const node = messageNode(chat, message);
    const existing = messageList.querySelector('li[data-seq="' + message.seq + '"]');
    if (existing) { existing.replaceWith(node); return; }
    let next = null;
    for (const item of messageList.children) {
      if (Number(item.dataset.seq) > message.seq) { next = item; break; }
    }
    messageList.insertBefore(node, next);
  }

  function pendingNode(entry) {
    return el("li", { className: "msg mine pending", dataset: { clientId: entry.client_id } },
      el("p", { className: "msg-body" }, entry.body),
      el("div", { className: "msg-meta" }, statusNode(entry.status, entry)));
  }

  function renderPending(entry) {
    if (entry.chat_id !== openChatId || !outbox.has(entry.client_id)) return;
    const node = pendingNode(entry);
    const existing = pendingList.querySelector('li[data-client-id="' + CSS.escape(entry.client_id) + '"]');
    if (existing) existing.replaceWith(node);
    else pendingList.append(node);
  }

  function removePendingNode(clientId) {
    const existing = pendingList.querySelector('li[data-client-id="' + CSS.escape(clientId) + '"]');
    if (existing) existing.remove();
  }

  function refreshOwnStatuses(chat) {
    for (const item of messageList.querySelectorAll("li.msg.mine")) {
      const message = chat.messages && chat.messages.get(Number(item.dataset.seq));
      if (!message) continue;
      const status = item.querySelector(".msg-status");
      const wanted = ownStatus(chat, message);
      if (status && status.dataset.status !== wanted) status.replaceWith(statusNode(wanted));
    }
  }

  function nearBottom() {
    return messagesBox.scrollHeight - messagesBox.scrollTop - messagesBox.clientHeight < 120;
  }

  function scrollToBottom() {
    messagesBox.scrollTop = messagesBox.scrollHeight;
  }

  let wasNearBottom = true;
  function scrollToBottomIfNear() {
    if (wasNearBottom) scrollToBottom();
  }

  /* ---------- notifications ---------- */

  function pageVisible() {
    return document.visibilityState === "visible";
  }

  function notify(chat, message) {
    if (pageVisible() || !("Notification" in window) || Notification.permission !== "granted") return;
    try {
      const notification = new Notification(t("new_message_from", { name: userName(message.sender_id) }), {
        body: chat.type === "private" ? (message.body || "").slice(0, 140) : chatName(chat) + ": " + (message.body || "").slice(0, 140),
        tag: "campus-chat-" + chat.id,
      });
      notification.onclick = () => { window.focus(); openChat(chat.id); notification.close(); };
    } catch (error) {
      /* some browsers allow notifications only from a service worker: skip them */
    }
  }

  function offerNotifications() {
    const button = $("enable-notifications");
    if (!("Notification" in window) || Notification.permission !== "default") return;
    button.hidden = false;
    button.addEventListener("click", async () => {
      const answer = await Notification.requestPermission();
      button.hidden = true;
      if (answer === "denied") setStatus(t("notifications_blocked"));
    });
  }

  /* ---------- status line ---------- */

  function setConnection(stateName) {
    app.dataset.connection = stateName;
    if (signedOut) return;
    setStatus(stateName === "online" ? t("online_status") : stateName === "reconnecting" ? t("reconnecting") : t("connecting"));
  }

  function setStatus(text) {
    $("connection-status").textContent = text;
  }

  function showSignedOut() {
    if (signedOut) return;
    signedOut = true;
    app.dataset.connection = "signed-out";
    setStatus(t("signed_out"));
    $("signed-out").hidden = false;
    if (socket) socket.disconnect();
  }

  /* ---------- dialogs ---------- */

  /** A user search box whose results call `onPick(user)`. */
  function userSearch(input, results, errorBox, onPick) {
    let latest = 0;
    const run = debounce(async () => {
      const query = input.value.trim();
      const ticket = ++latest;
      if (!query) { results.replaceChildren(); return; }
      try {
        const data = await api("GET", "/users?q=" + encodeURIComponent(query));
        if (ticket !== latest) return;
        errorBox.textContent = "";
        data.items.forEach(rememberUser);
        const found = data.items.filter((user) => user.id !== ME);
        results.replaceChildren(...(found.length ? found.map((user) => el("li", {},
          el("button", { type: "button", className: "user-result", dataset: { userId: String(user.id) }, onclick: () => onPick(user) },
            userName(user.id)))) : [el("li", { className: "muted" }, t("no_users_found"))]));
      } catch (error) {
        if (ticket === latest) errorBox.textContent = t("search_failed");
      }
    }, 250);
    input.addEventListener("input", run);
  }

  function showError(box, error) {
    box.textContent = t("action_failed", { message: error.message });
  }

  const privateDialog = $("private-dialog");
  $("new-private-button").addEventListener("click", () => {
    $("private-search").value = "";
    $("private-results").replaceChildren();
    $("private-error").textContent = "";
    privateDialog.showModal();
  });
  userSearch($("private-search"), $("private-results"), $("private-error"), async (user) => {
    try {
      const data = await api("POST", "/chats", { type: "private", user_id: user.id });
      const chat = applyChat(data);
      privateDialog.close();
      renderChatList();
      openChat(chat.id);
    } catch (error) {
      showError($("private-error"), error);
    }
  });

  const groupDialog = $("group-dialog");
  const chosen = new Map();
  function renderChosen() {
    $("group-chosen").replaceChildren(...Array.from(chosen.values()).map((user) => el("li", {},
      el("span", {}, userName(user.id)), " ",
      el("button", { type: "button", className: "link-button", "aria-label": t("remove_member", { name: userName(user.id) }),
        onclick: () => { chosen.delete(user.id); renderChosen(); } }, "×"))));
  }
  $("new-group-button").addEventListener("click", () => {
    chosen.clear();
    renderChosen();
    $("group-title").value = "";
    $("group-search").value = "";
    $("group-results").replaceChildren();
    $("group-error").textContent = "";
    groupDialog.showModal();
  });
  userSearch($("group-search"), $("group-results"), $("group-error"), (user) => {
    chosen.set(user.id, user);
    renderChosen();
    $("group-search").focus();
  });
  $("group-create").addEventListener("click", async () => {
    const title = $("group-title").value.trim();
    if (!title) { $("group-error").textContent = t("group_needs_title"); $("group-title").focus(); return; }
    try {
      const data = await api("POST", "/chats", { type: "group", title, member_ids: Array.from(chosen.keys()) });
      const chat = applyChat(data);
      groupDialog.close();
      renderChatList();
      openChat(chat.id);
    } catch (error) {
      showError($("group-error"), error);
    }
  });

  const membersDialog = $("members-dialog");
  function canManage(chat) {
    return chat.type === "group" && (chat.myRole === "owner" || chat.myRole === "admin");
  }

  function renderMembers() {
    const chat = chats.get(openChatId);
    if (!chat) { membersDialog.close(); return; }
    const roleLabel = { owner: t("role_owner"), admin: t("role_admin"), member: t("role_member") };
    $("member-list").replaceChildren(...chat.members.map((member) => {
      const state = presence.get(member.user_id) || {};
      const online = member.user_id === ME || state.online;
      const lastSeen = parseTime(state.last_seen);
      return el("li", { dataset: { userId: String(member.user_id) } },
        el("span", { className: "presence-dot" + (online ? " online" : ""), role: "img", "aria-label": online ? t("online") : t("offline") }),
        el("span", { className: "member-name" }, userName(member.user_id)),
        chat.type === "group" ? el("span", { className: "member-role" }, roleLabel[member.role] || member.role) : null,
        !online && lastSeen ? el("span", { className: "muted" }, t("last_seen", { time: shortTime(lastSeen) })) : null,
        canManage(chat) && member.user_id !== ME && member.role !== "owner" ? el("button", {
          type: "button", className: "link-button", onclick: () => removeMember(chat, member.user_id),
        }, t("remove_member", { name: userName(member.user_id) })) : null);
    }));
    // Campus chats follow the directory: nobody renames them or adds members by hand.
    const campusChat = chat.kind === "major" || chat.kind === "cohort";
    $("rename-area").hidden = !canManage(chat) || campusChat;
    $("add-member-area").hidden = !canManage(chat) || campusChat;
    $("leave-button").hidden = chat.type !== "group";
    $("leave-confirm").hidden = true;
  }

  $("members-button").addEventListener("click", () => {
    const chat = chats.get(openChatId);
    if (!chat) return;
    $("members-error").textContent = "";
    $("rename-input").value = chat.title;
    $("add-member-search").value = "";
    $("add-member-results").replaceChildren();
    renderMembers();
    membersDialog.showModal();
  });
  $("rename-button").addEventListener("click", async () => {
    const chat = chats.get(openChatId);
    const title = $("rename-input").value.trim();
    if (!chat || !title) { $("members-error").textContent = t("group_needs_title"); return; }
    try {
      const data = await api("PATCH", "/chats/" + chat.id, { title });
      applyChat(data);
      renderChatList();
      renderConversationHead();
      $("members-error").textContent = "";
    } catch (error) {
      showError($("members-error"), error);
    }
  });
  userSearch($("add-member-search"), $("add-member-results"), $("members-error"), async (user) => {
    const chat = chats.get(openChatId);
    if (!chat) return;
    try {
      await api("POST", "/chats/" + chat.id + "/members", { user_id: user.id });
      const data = await api("GET", "/chats/" + chat.id);
      applyChat(data);
      renderMembers();
      renderConversationHead();
      $("add-member-search").value = "";
      $("add-member-results").replaceChildren();
    } catch (error) {
      showError($("members-error"), error);
    }
  });
  async function removeMember(chat, userId) {
    try {
      await api("DELETE", "/chats/" + chat.id + "/members/" + userId);
      chat.members = chat.members.filter((member) => member.user_id !== userId);
      renderMembers();
      renderConversationHead();
    } catch (error) {
      showError($("members-error"), error);
    }
  }
  $("leave-button").addEventListener("click", () => {
    $("leave-button").hidden = true;
    $("leave-confirm").hidden = false;
    $("leave-confirm").focus();
  });
  $("leave-confirm").addEventListener("click", async () => {
    const chat = chats.get(openChatId);
    if (!chat) return;
    try {
      await api("DELETE", "/chats/" + chat.id + "/members/" + ME);
      membersDialog.close();
      removeChat(chat.id, false);
    } catch (error) {
      showError($("members-error"), error);
    }
  });

  /* ---------- composer and page events ---------- */

  const composer = $("composer");
  const input = $("composer-input");

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = input.value.trim();
    if (!body) return;
    if (Array.from(body).length > 4000) { setStatus(t("message_too_long")); return; }
    input.value = "";
    autoGrow();
    sendMessage(body);
    input.focus();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  function autoGrow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 160) + "px";
  }
  input.addEventListener("input", () => { autoGrow(); if (input.value.trim()) noteTyping(); else stopTyping(); });
  input.addEventListener("blur", stopTyping);

  messagesBox.addEventListener("scroll", () => {
    wasNearBottom = nearBottom();
    const chat = chats.get(openChatId);
    if (chat && messagesBox.scrollTop < 80) loadOlder(chat);
  });

  searchBox.addEventListener("input", renderChatList);
  $("back-button").addEventListener("click", () => { closeConversation(); renderChatList(); });

  document.addEventListener("visibilitychange", () => {
    const chat = openChatId && chats.get(openChatId);
    if (chat && pageVisible()) markRead(chat);
  });

  // Last-seen times and "today" labels age; refresh them once a minute.
  setInterval(() => { renderChatList(); if (openChatId) renderConversationHead(); }, 60000);

  offerNotifications();
  connect();
})();
