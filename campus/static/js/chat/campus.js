/* Campus chat page: campus chats for teachers and admins (docs/protocol.md#moderation) — the
 * "Campus chats" section (every major and cohort chat, join and leave), pinning an announcement
 * as it is sent, and a campus chat's staff under its title. */

import { $, el } from "./dom.js";

export function createCampusChats({ api, store, sync, t, config, moderation, setStatus }) {
  const section = $("campus-chats");
  const list = $("campus-chat-list");
  const pinBox = $("pin-on-send");
  const pinLabel = $("pin-on-send-label");
  const staff = $("chat-staff");
  const toPin = new Set();   // client ids of announcements to pin once the server has them

  function failed(error) {
    setStatus(t("action_failed", { message: error.message }));
  }

  async function load() {
    try {
      const data = await api.request("GET", "/chats/campus");
      list.replaceChildren(...data.items.map(itemNode));
    } catch (error) {
      failed(error);
    }
  }

  function itemNode(chat) {
    const title = chat.title || "";
    const button = chat.member
      ? el("button", { type: "button", className: "link-button", onclick: () => leave(chat), "aria-label": t("leave_named", { title }) }, t("leave"))
      : el("button", { type: "button", onclick: () => join(chat), "aria-label": t("join_named", { title }) }, t("join"));
    return el("li", { dataset: { chatId: String(chat.id), kind: chat.kind } },
      el("span", { className: "campus-chat-title" }, title),
      el("span", { className: "campus-chat-kind" }, t(chat.kind === "major" ? "announcements" : "cohort")),
      button);
  }

  async function join(chat) {
    try {
      await api.request("POST", "/chats/" + chat.id + "/members", { user_id: store.me });
      sync.refreshList();
      await load();
    } catch (error) {
      failed(error);
    }
  }

  async function leave(chat) {
    try {
      await api.request("DELETE", "/chats/" + chat.id + "/members/" + store.me);
      await load();
    } catch (error) {
      failed(error);
    }
  }

  /** A chat was opened: the pin box for announcements, the staff line for campus chats. */
  async function opened(chatId) {
    const chat = store.chats.get(chatId);
    const campus = Boolean(chat && chat.kind);
    pinLabel.hidden = !(campus && config.can_post_announcements);
    pinBox.checked = false;
    staff.hidden = true;
    staff.textContent = "";
    if (!campus) return;
    try {
      const data = await api.request("GET", "/chats/" + chatId + "/staff");
      if (store.openChatId !== chatId || !data.items.length) return;
      staff.textContent = t("staff", { names: data.items.map((person) => person.first_name + " " + person.last_name).join(", ") });
      staff.hidden = false;
    } catch (error) {
      /* the staff line is a nicety; the chat works without it */
    }
  }

  function sent(entry) {
    if (!pinBox.checked || pinLabel.hidden) return;
    toPin.add(entry.client_id);
    pinBox.checked = false;
  }

  function messageApplied(message) {
    if (message.sender_id !== store.me || !toPin.has(message.client_id)) return;
    toPin.delete(message.client_id);
    const chat = store.chats.get(message.chat_id);
    if (chat && !message.pinned_at) moderation.pin(chat, message);
  }

  if (config.can_join_campus) {
    section.hidden = false;
    section.addEventListener("toggle", () => { if (section.open) load(); });
  }
  return { opened, sent, messageApplied };
}
