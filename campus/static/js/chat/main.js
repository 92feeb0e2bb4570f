/* Campus chat page: the chat list, one conversation and the dialogs, over the JSON API and the
 * Socket.IO namespace /chat (docs/protocol.md). Loaded as a module by
 * templates/chat/index.html after the Socket.IO client (the global `io`); its settings and
 * translated strings come from the page's JSON block (#chat-config: the CSP allows no inline
 * script).
 *
 * This file only puts the page together. The parts:
 *   config.js        timings, limits, the translator, time formats
 *   api.js           the JSON API with cookie refresh                    ┐
 *   connection.js    the Socket.IO client: auth, refusals, acks          │ no DOM:
 *   store.js         chats, messages, cursors, unread, read markers      │ Node's tests
 *   outbox.js        unacknowledged messages, resent with their client_id│ (tests/js/)
 *   typing.js        who types, and announcing one's own typing          │
 *   sync.js          the reconnect procedure, gaps, live events          ┘
 *   richtext.js      links, mentions, system lines, reactions, the @ list's text (no DOM)
 *   dom.js           DOM helpers
 *   attachments.js, uploads.js, recorder.js   attachments' names, uploading, recording (no DOM)
 *   chatlist.js, conversation.js, messages.js, messagextras.js, composer.js, composing.js,
 *   dialogs.js, notifications.js, attachview.js, attach.js, record.js, search.js (search in
 *   messages), moderation.js (pins, the pinned bar, mutes), campus.js (campus chats for teachers),
 *   mute.js (muting a chat's notifications: the toggle and the rule notifications.js follows)
 *                    what the user sees (the `view` below is their side of sync.js)
 */

import { createApi } from "./api.js";
import { createAttach } from "./attach.js";
import { createCampusChats } from "./campus.js";
import { createChatList } from "./chatlist.js";
import { createComposer } from "./composer.js";
import { createComposing } from "./composing.js";
import { timeFormats, translator } from "./config.js";
import { Connection } from "./connection.js";
import { createConversation } from "./conversation.js";
import { createDialogs } from "./dialogs.js";
import { $, cookie, pageVisible } from "./dom.js";
import { createNotifications } from "./notifications.js";
import { Outbox } from "./outbox.js";
import { createRecord } from "./record.js";
import { createModeration } from "./moderation.js";
import { createMuteToggle } from "./mute.js";
import { createMessageSearch } from "./search.js";
import { ChatStore } from "./store.js";
import { ChatSync } from "./sync.js";
import { Typing } from "./typing.js";
import { createUploader } from "./uploads.js";

const config = JSON.parse($("chat-config").textContent);
const t = translator(config.strings);
const locale = document.documentElement.lang || undefined;
const times = timeFormats(locale);

/* The page's side of the sync: filled in below, once the rendering modules exist. */
const view = {};

const store = new ChatStore({ me: config.user, t });
const api = createApi({
  base: config.api, access: config.access, csrf: config.csrf, cookie,
  onSignedOut: () => sync.signOut(),
});
const connection = new Connection({ io: window.io, namespace: config.namespace, api, csrfToken: () => cookie(config.csrf.access_cookie) });
let storage = null;
try {
  storage = window.sessionStorage;
} catch (error) {
  /* storage disabled: the outbox lives in memory only */
}
// Unacknowledged messages survive a reload of this tab: they are resent with their client_id.
const outbox = new Outbox({ storage, key: "campus-chat-outbox-" + config.user.id });
outbox.load();
const typing = new Typing({
  emit: (payload) => connection.emit("typing", payload),
  connected: () => connection.connected,
  onChange: (chatId) => view.typingChanged(chatId),
});
const sync = new ChatSync({ store, outbox, typing, api, connection, view, visible: pageVisible });

const openChat = (chatId) => conversation.open(chatId);
const notifications = createNotifications({ store, typing, t, openChat });
const chatList = createChatList({ store, t, times, locale, openChat });
// Before the composer: its keys (the @ list, Escape for a reply) are handled first.
const composing = createComposing({
  store, t, locale,
  mayMentionAll: (chat) => chat.type === "group" && (store.canManage(chat) || config.can_mention_all),
});
const conversation = createConversation({
  store, sync, outbox, typing, t, times, canPostAnnouncements: config.can_post_announcements, notifications, chatList, composing,
  pageUrl: config.page_url,
  // Called while rendering, after `moderation` below exists.
  messageActions: { actions: (...args) => moderation.actions(...args), moderates: (chat) => moderation.moderates(chat) },
});
// `/chat/<id>`: opened once the chat list has it; not one of the user's chats → plain /chat.
let wantedChat = config.open_chat || null;
function openWantedChat(connectionState) {
  if (!wantedChat) return;
  if (store.chats.has(wantedChat)) {
    const chatId = wantedChat;
    wantedChat = null;
    if (store.openChatId !== chatId) conversation.open(chatId, { push: false });
  } else if (connectionState === "online") {
    wantedChat = null;
    history.replaceState({ chat: null }, "", conversation.addressOf(null));
    notifications.setStatus(t("chat_not_found"));
  }
}
const dialogs = createDialogs({ store, sync, api, t, times, conversation, chatList, canModerate: config.can_moderate });
createComposer({ store, sync, typing, t, conversation, notifications, composing, onSent: (entry) => campus.sent(entry) });
const uploader = createUploader({
  base: config.api, csrf: config.csrf, cookie, limits: config.uploads, t,
  refreshAccess: api.refreshAccess, accessExpiring: api.accessExpiring,
});
const attach = createAttach({ store, sync, uploader, t, conversation });
createRecord({ t, attach, notifications });
const search = createMessageSearch({ api, store, sync, t, times, conversation, setStatus: notifications.setStatus });
const moderation = createModeration({
  api, store, t, times, config, setStatus: notifications.setStatus, openAt: search.openAt,
});
const campus = createCampusChats({ api, store, sync, t, config, moderation, setStatus: notifications.setStatus });
const muteToggle = createMuteToggle({
  store, api, t,
  onChange: (error) => {
    if (error) notifications.setStatus(t("action_failed", { message: error.message }));
    else chatList.render();
  },
});
// Every way of opening a chat (the list, a notification, a search result) shows its pins, and
// for a campus chat its staff.
const openConversation = conversation.open;
conversation.open = (chatId, options) => {
  openConversation(chatId, options);
  moderation.opened(chatId);
  campus.opened(chatId);
  muteToggle.render();
};

Object.assign(view, {
  connection: (state) => {
    notifications.setConnection(state);
    if (store.openChatId) conversation.renderHead();
    openWantedChat(state);
  },
  failed: (error) => notifications.setStatus(t("action_failed", { message: error.message })),
  signedOut: notifications.showSignedOut,
  listChanged: () => { chatList.render(); notifications.updateTitle(); muteToggle.render(); openWantedChat(null); },
  chatChanged: (chat) => { if (chat.id === store.openChatId) { conversation.renderHead(); muteToggle.render(); } },
  membersChanged: (chat) => dialogs.refreshMembers(chat),
  chatRemoved: (chat, notice) => {
    if (chat.id !== store.openChatId) return;
    conversation.close({ push: false });
    history.replaceState({ chat: null }, "", conversation.addressOf(null));
    if (notice) notifications.setStatus(t("left_chat", { title: store.chatName(chat) }));
  },
  messageChanged: conversation.messageChanged,
  messageApplied: (message) => { moderation.messageApplied(message); campus.messageApplied(message); },
  pendingChanged: conversation.renderPending,
  pendingSettled: conversation.removePending,
  conversationLoaded: conversation.loaded,
  conversationChanged: conversation.changed,
  historyChanged: conversation.renderHistoryNote,
  readChanged: conversation.refreshOwnStatuses,
  typingChanged: notifications.renderTyping,
  presenceChanged: () => {
    chatList.render();
    if (store.openChatId) conversation.renderHead();
    dialogs.refreshMembers(null);
  },
  notify: notifications.notify,
  shownUpTo: (chat) => conversation.shownUpTo(chat),
});

document.addEventListener("visibilitychange", () => {
  const chat = store.openChatId && store.chats.get(store.openChatId);
  if (chat && pageVisible()) sync.markRead(chat);
});

// Last-seen times and "today" labels age; refresh them once a minute.
setInterval(() => { chatList.render(); if (store.openChatId) conversation.renderHead(); }, 60000);

// Images, players and downloads load with the access cookie (no script in between to refresh
// it on a 401): keep it fresh while the page is open.
setInterval(() => { if (api.accessExpiring()) api.refreshAccess(); }, 30000);

notifications.offerNotifications();
sync.start();
