/* Campus chat page: the open conversation — its head, its messages in seq order with the
 * pending ones below, the history note, and loading older messages while scrolling up. */

import { $, debounce, el } from "./dom.js";
import { createMessageNodes } from "./messages.js";

export function createConversation({
  store, sync, outbox, typing, t, times, canPostAnnouncements, notifications, chatList, composing, pageUrl, messageActions,
}) {
  const messageList = $("message-list");
  const pendingList = $("pending-list");
  const messagesBox = $("messages");
  const conversation = $("conversation");
  const app = $("chat-app");
  const nodes = createMessageNodes({
    store, sync, t, times, rerender: render, setStatus: notifications.setStatus, onJump: jumpTo, onReply: composing.startReply,
    messageActions,
  });
  let wasNearBottom = true;
  let dividerSeq = null;   // the first unread message when the open chat was opened
  const jumpButton = $("jump-new");

  const isOpen = (chat) => chat.id === store.openChatId;

  /** The address of a chat (`/chat/<id>`), or of the page with none open. */
  const addressOf = (chatId) => (chatId ? pageUrl.replace(/\/$/, "") + "/" + chatId : pageUrl);

  /** Open a chat; `push` records it in the browser's history (not when going back to it). */
  function open(chatId, { push = true } = {}) {
    const chat = store.chats.get(chatId);
    if (!chat) return;
    if (push && location.pathname !== addressOf(chatId)) history.pushState({ chat: chatId }, "", addressOf(chatId));
    if (typing.announcing && typing.announcing !== chatId) typing.stop();
    if (store.openChatId !== chatId) {
      composing.reset();
      // The first unread message as it was when the chat was opened: the divider stays there
      // while the user reads (the read marker moves as messages are shown).
      dividerSeq = chat.unread > 0 ? chat.myRead + 1 : null;
    }
    store.openChatId = chatId;
    conversation.hidden = false;
    $("no-conversation").hidden = true;
    app.classList.add("show-conversation");
    render();
    chatList.render();
    if (!chat.messages) sync.loadLatest(chat);
    else { scrollToStart(); sync.markRead(chat); }
    if (mayPost(chat)) $("composer-input").focus();
  }

  function close({ push = true } = {}) {
    if (push && location.pathname !== addressOf(null)) history.pushState({ chat: null }, "", addressOf(null));
    typing.stop();
    store.openChatId = null;
    conversation.hidden = true;
    $("no-conversation").hidden = false;
    app.classList.remove("show-conversation");
    messageList.replaceChildren();
    pendingList.replaceChildren();
  }

  /** Major chats are announcements: only teachers and admins get a composer there. */
  function mayPost(chat) {
    return chat.kind !== "major" || canPostAnnouncements;
  }

  function render() {
    const chat = store.chats.get(store.openChatId);
    if (!chat) return;
    renderHead();
    const posting = mayPost(chat);
    $("composer").hidden = !posting;
    $("read-only-note").hidden = posting;
    $("read-only-note").textContent = posting ? "" : t("announcements_only");
    messageList.replaceChildren();
    if (chat.messages) {
      const seqs = Array.from(chat.messages.keys()).sort((a, b) => a - b);
      messageList.append(...seqs.map((seq) => nodes.messageNode(chat, chat.messages.get(seq))));
      placeDivider(chat);
    }
    pendingList.replaceChildren(...outbox.forChat(chat.id).map(nodes.pendingNode));
    renderHistoryNote(chat);
    notifications.renderTyping(chat.id);
  }

  function renderHead() {
    const chat = store.chats.get(store.openChatId);
    if (!chat) return;
    $("conversation-title").textContent = store.chatName(chat);
    const status = $("conversation-status");
    const partner = store.privatePartner(chat);
    if (app.dataset.connection !== "online") {
      // Presence is unknown while the connection is down: say that, not a stale "online".
      status.textContent = app.dataset.connection === "signed-out" ? "" : t("waiting_for_connection");
      status.classList.remove("online");
    } else if (partner !== null) {
      const state = store.presence.get(partner) || {};
      const lastSeen = times.parse(state.last_seen);
      status.textContent = state.online ? t("online") : lastSeen ? t("last_seen", { time: times.short(lastSeen) }) : "";
      status.classList.toggle("online", Boolean(state.online));
    } else if (chat.type === "group") {
      const online = chat.members.filter((member) => member.user_id === store.me || (store.presence.get(member.user_id) || {}).online).length;
      status.textContent = t("members_online", { count: chat.members.length, online });
      status.classList.remove("online");
    } else {
      status.textContent = "";
    }
  }

  function renderHistoryNote(chat) {
    if (!isOpen(chat)) return;
    const note = $("history-note");
    if (chat.loadingOlder || (!chat.messages && !chat.historyError)) note.replaceChildren(t("loading"));
    else if (!chat.firstSeq || chat.firstSeq <= 1) note.replaceChildren(t("history_start"));
    else {
      // Scrolling up loads older messages; the button does the same from the keyboard.
      note.replaceChildren(chat.historyError ? t("load_failed") + " " : "",
        el("button", { type: "button", className: "link-button", onclick: () => loadOlder(chat) }, t("older_messages")));
    }
  }

  /** Older messages above the first one held, keeping what the user sees in place. */
  async function loadOlder(chat) {
    const loading = sync.loadOlder(chat);   // shows "Loading…" at once
    const fromBottom = messagesBox.scrollHeight - messagesBox.scrollTop;
    const items = await loading;
    if (isOpen(chat) && items.length) {
      for (const message of items) renderMessage(chat, message);
      messagesBox.scrollTop = messagesBox.scrollHeight - fromBottom;
    }
    if (items.length) setTimeout(() => fillViewport(chat), 0);
  }

  /** Too few messages to scroll: fetch older ones until the box scrolls or history starts. */
  function fillViewport(chat) {
    if (isOpen(chat) && chat.firstSeq > 1 && !chat.historyError &&
        messagesBox.scrollHeight <= messagesBox.clientHeight) loadOlder(chat);
  }

  /** Insert or replace a message's node, keeping the list in seq order. */
  function renderMessage(chat, message) {
    const node = nodes.messageNode(chat, message);
    const existing = messageList.querySelector('li[data-seq="' + message.seq + '"]');
    if (existing) { existing.replaceWith(node); return; }
    let next = null;
    for (const item of messageList.children) {
      if (Number(item.dataset.seq) > message.seq) { next = item; break; }
    }
    messageList.insertBefore(node, next);
  }

  function renderPending(entry) {
    if (entry.chat_id !== store.openChatId || !outbox.has(entry.client_id)) return;
    const node = nodes.pendingNode(entry);
    const existing = pendingList.querySelector('li[data-client-id="' + CSS.escape(entry.client_id) + '"]');
    if (existing) existing.replaceWith(node);
    else pendingList.append(node);
  }

  function removePending(clientId) {
    const existing = pendingList.querySelector('li[data-client-id="' + CSS.escape(clientId) + '"]');
    if (existing) existing.remove();
  }

  /** Others' read markers moved: "sent" ticks may turn into "seen". */
  function refreshOwnStatuses(chat) {
    if (!isOpen(chat)) return;
    for (const item of messageList.querySelectorAll("li.msg.mine")) {
      const message = chat.messages && chat.messages.get(Number(item.dataset.seq));
      if (!message) continue;
      const status = item.querySelector(".msg-status");
      const wanted = nodes.ownStatusNode(chat, message);
      if (status && (status.dataset.status !== wanted.dataset.status || status.dataset.seenBy !== wanted.dataset.seenBy)) status.replaceWith(wanted);
    }
  }

  /** "Bob: text" (or the system line) in the live region, replacing the previous one. */
  function announce(message) {
    const item = messageList.querySelector('li[data-seq="' + message.seq + '"]');
    const text = message.kind === "system" ? (item ? item.querySelector(".system-line").textContent : "")
      : store.userName(message.sender_id) + ": " + (item && item.querySelector(".msg-body") ? item.querySelector(".msg-body").textContent : t("attachment"));
    $("message-announcer").textContent = text;
  }

  /** Show the message with `seq` (a reply's original), loading history around it if needed. */
  async function jumpTo(chat, seq) {
    if (!chat.messages || !chat.messages.has(seq)) {
      notifications.setStatus(t("loading"));
      const found = await sync.loadAround(chat, seq);
      if (!isOpen(chat)) return;
      if (!found) { notifications.setStatus(t("jump_failed")); return; }
      notifications.setStatus("");
      render();
    }
    const node = messageList.querySelector('li[data-seq="' + seq + '"]');
    if (!node) return;
    node.scrollIntoView({ block: "center" });
    node.classList.remove("flash");
    void node.offsetWidth;   // restart the highlight
    node.classList.add("flash");
    node.focus({ preventScroll: true });
  }

  /** "New messages" above the first message that was unread when the chat was opened. */
  function placeDivider(chat) {
    const old = messageList.querySelector("li.new-divider");
    if (old) old.remove();
    // Only where the first unread message is held: above a later one it would say the wrong
    // thing (the newest page did not reach back that far; the conversation then opens at its end).
    if (dividerSeq === null || !chat.firstSeq || chat.firstSeq > dividerSeq) { jumpButton.hidden = true; return; }
    const first = Array.from(messageList.querySelectorAll("li.msg")).find((item) =>
      Number(item.dataset.seq) >= dividerSeq && Number(item.dataset.sender) !== store.me);
    if (!first) return;
    first.before(el("li", { className: "new-divider" }, el("span", {}, t("new_messages"))));
    updateJumpButton();
  }

  /** The jump button shows while the divider is out of sight. */
  function updateJumpButton() {
    const divider = messageList.querySelector("li.new-divider");
    if (!divider) { jumpButton.hidden = true; return; }
    const box = messagesBox.getBoundingClientRect();
    const at = divider.getBoundingClientRect();
    jumpButton.hidden = at.bottom > box.top && at.top < box.bottom;
  }

  /** Where an opened conversation starts: at the divider when there is one, else the end. */
  function scrollToStart() {
    const divider = messageList.querySelector("li.new-divider");
    if (divider) {
      messagesBox.scrollTop = divider.offsetTop - messagesBox.offsetTop - 8;
      wasNearBottom = messagesBox.scrollHeight - messagesBox.scrollTop - messagesBox.clientHeight < 120;
    } else scrollToBottom();
    updateJumpButton();
  }

  /** The highest seq of a message at least partly on screen (the read marker goes that far). */
  function shownUpTo(chat) {
    if (!isOpen(chat) || conversation.hidden) return 0;
    const box = messagesBox.getBoundingClientRect();
    const items = messageList.querySelectorAll("li.msg");
    for (let index = items.length - 1; index >= 0; index -= 1) {
      const at = items[index].getBoundingClientRect();
      if (at.top < box.bottom - 4 && at.bottom > box.top) return Number(items[index].dataset.seq);
    }
    return 0;
  }

  const readWhileScrolling = debounce(() => {
    const chat = store.chats.get(store.openChatId);
    if (chat) sync.markRead(chat);
  }, 150);

  jumpButton.addEventListener("click", () => {
    const divider = messageList.querySelector("li.new-divider");
    if (divider) divider.scrollIntoView({ block: "start" });
    const chat = store.chats.get(store.openChatId);
    if (chat) sync.markRead(chat);
  });

  function scrollToBottom() {
    messagesBox.scrollTop = messagesBox.scrollHeight;
  }

  messagesBox.addEventListener("scroll", () => {
    wasNearBottom = messagesBox.scrollHeight - messagesBox.scrollTop - messagesBox.clientHeight < 120;
    const chat = store.chats.get(store.openChatId);
    if (chat && messagesBox.scrollTop < 80) loadOlder(chat);
    updateJumpButton();
    readWhileScrolling();
  });
  $("back-button").addEventListener("click", () => { close(); chatList.render(); });

  /** The chat the address names (`/chat/<id>`), or null. */
  function chatInAddress() {
    const match = location.pathname.match(/\/(\d+)\/?$/);
    return match && location.pathname.startsWith(addressOf(null)) ? Number(match[1]) : null;
  }

  // Back and forward move between the chats opened here.
  window.addEventListener("popstate", () => {
    const chatId = chatInAddress();
    // Through the returned `open`: main.js wraps it (pins and staff of the chat opened).
    if (chatId && store.chats.has(chatId)) self.open(chatId, { push: false });
    else if (!chatId && store.openChatId) { close({ push: false }); chatList.render(); }
  });

  const self = {
    open, close, render, chatInAddress, addressOf, shownUpTo, renderHead, scrollToBottom, renderPending, removePending,
    /** A message was stored: show it, following it down if the user was at the bottom; a new
     * one from someone else is announced to screen readers once. */
    messageChanged(chat, message, isNew) {
      if (!isOpen(chat)) return;
      renderMessage(chat, message);
      if (isNew && message.sender_id !== store.me) announce(message);
      if (isNew && wasNearBottom) scrollToBottom();
    },
    /** The newest page arrived. */
    loaded(chat) {
      if (!isOpen(chat)) return;
      render();
      scrollToStart();
      fillViewport(chat);
    },
    changed(chat) {
      if (isOpen(chat)) render();
    },
    renderHistoryNote,
    refreshOwnStatuses,
  };
  return self;
}
