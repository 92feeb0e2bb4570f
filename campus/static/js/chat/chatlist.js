/* Campus chat page: the list of chats (most recent activity first, with a search box). */

import { describeAttachment } from "./attachments.js";
import { $, el } from "./dom.js";
import { systemText } from "./richtext.js";

export function createChatList({ store, t, times, locale, openChat }) {
  const chatList = $("chat-list");
  const searchBox = $("chat-search");

  function previewText(message) {
    if (!message) return "";
    if (message.deleted_at) return t(message.deleted_by_moderator ? "deleted_by_moderator" : "deleted");
    if (message.kind === "system") return systemText(message.data, t);
    const text = message.body || describeAttachment(message.attachment, t);
    return (message.sender_id === store.me ? t("you") + ": " : "") + text;
  }

  function chatMatches(chat, query) {
    if (!query) return true;
    const haystack = [store.chatName(chat), chat.lastMessage && chat.lastMessage.body].filter(Boolean).join(" ").toLocaleLowerCase(locale);
    return haystack.includes(query);
  }

  function chatItem(chat) {
    const open = chat.id === store.openChatId;
    const partner = store.privatePartner(chat);
    const online = partner !== null && Boolean((store.presence.get(partner) || {}).online);
    const time = chat.lastMessage && times.parse(chat.lastMessage.created_at);
    const button = el("button", {
      type: "button", className: "chat-item" + (open ? " active" : ""),
      "aria-current": open ? "true" : null,
      onclick: () => openChat(chat.id),
    },
    el("span", { className: "chat-item-name" },
      partner !== null ? el("span", {
        className: "presence-dot" + (online ? " online" : ""),
        title: online ? t("online") : t("offline"),
        "aria-label": online ? t("online") : t("offline"),
        role: "img",
      }) : null,
      el("span", { className: "chat-item-title" }, store.chatName(chat)),
      chat.muted ? el("span", { className: "muted-icon", role: "img", title: t("muted"), "aria-label": t("muted") }, "🔕") : null),
    time ? el("time", { className: "chat-item-time", datetime: chat.lastMessage.created_at }, times.short(time)) : null,
    el("span", { className: "chat-item-preview" }, previewText(chat.lastMessage)),
    chat.unread > 0 ? el("span", { className: "unread-badge", "aria-label": t("unread", { count: chat.unread }) }, String(chat.unread)) : null);
    return el("li", { dataset: { chatId: String(chat.id), kind: chat.kind || chat.type } }, button);
  }

  function render() {
    const query = searchBox.value.trim().toLocaleLowerCase(locale);
    const items = [];
    for (const chat of store.sortedChats()) {
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
    empty.hidden = items.some((item) => !item.hidden);
    empty.textContent = store.chats.size ? t("no_matches") : t("no_chats");
  }

  searchBox.addEventListener("input", render);
  return { render };
}
