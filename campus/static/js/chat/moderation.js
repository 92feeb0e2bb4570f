/* Campus chat page: moderation (docs/protocol.md#moderation) — who may moderate the open chat,
 * the pin and mute actions on a message, the pinned bar on top of the conversation, and the mute
 * dialog. Pins follow `pinned_at` in every message the page receives (events, acks, sync). */

import { $, el } from "./dom.js";

const MUTE_MINUTES = [60, 24 * 60, 7 * 24 * 60];

export function createModeration({ api, store, t, times, config, setStatus, openAt }) {
  const pins = new Map();   // chat id → pinned messages, the latest pinned first
  const bar = $("pinned-bar");
  const barText = $("pinned-text");
  const barCount = $("pinned-count");
  const unpinButton = $("pinned-unpin");
  const dialog = $("mute-dialog");
  let shown = 0;            // which pin the bar shows (a click on it moves to the next)
  let muteTarget = null;

  /** Group owners and admins, moderators, and in campus chats those who post announcements. */
  function moderates(chat) {
    if (chat.type !== "group") return false;
    return Boolean(config.can_moderate || chat.myRole === "owner" || chat.myRole === "admin" ||
      (chat.kind && config.can_post_announcements));
  }

  function mayPin(chat) {
    return chat.type === "private" || moderates(chat);
  }

  async function setPinned(chat, message, pinned) {
    try {
      const updated = await api.request(pinned ? "PUT" : "DELETE", "/chats/" + chat.id + "/pins/" + message.id);
      messageApplied(updated);
    } catch (error) {
      setStatus(t("action_failed", { message: error.message }));
    }
  }

  /** The moderation buttons of a message (with messages.js's own Edit and Delete). */
  function actions(chat, message, mine) {
    if (message.deleted_at) return [];
    const nodes = [];
    if (mayPin(chat)) {
      const pinned = Boolean(message.pinned_at);
      nodes.push(el("button", {
        type: "button", className: "link-button " + (pinned ? "unpin-button" : "pin-button"),
        onclick: () => setPinned(chat, message, !pinned),
      }, pinned ? t("unpin") : t("pin")));
    }
    if (!mine && message.sender_id && moderates(chat)) {
      nodes.push(el("button", {
        type: "button", className: "link-button mute-button", onclick: () => askMute(chat, message.sender_id),
      }, t("mute")));
    }
    return nodes;
  }

  /* ---------- the pinned bar ---------- */

  function render() {
    const chat = store.chats.get(store.openChatId);
    const list = (chat && pins.get(chat.id)) || [];
    bar.hidden = list.length === 0;
    if (!list.length) return;
    shown = Math.min(shown, list.length - 1);
    const message = list[shown];
    barText.textContent = message.body || t("attachment");
    barCount.textContent = list.length > 1 ? t("pinned_count", { index: shown + 1, count: list.length }) : "";
    unpinButton.hidden = !mayPin(chat);
  }

  async function opened(chatId) {
    shown = 0;
    render();
    try {
      const data = await api.request("GET", "/chats/" + chatId + "/pins");
      pins.set(chatId, data.items);
    } catch (error) {
      pins.delete(chatId);
    }
    if (store.openChatId === chatId) render();
  }

  /** Any message the page receives: follow its `pinned_at`. */
  function messageApplied(message) {
    const list = pins.get(message.chat_id);
    if (!list) return;
    const at = list.findIndex((pinned) => pinned.id === message.id);
    if (at >= 0 && list[at].rev > message.rev) return;   // an older state arriving late
    if (at >= 0) list.splice(at, 1);
    if (message.pinned_at && !message.deleted_at) {
      list.push(message);
      list.sort((a, b) => (a.pinned_at < b.pinned_at ? 1 : a.pinned_at > b.pinned_at ? -1 : b.id - a.id));
    }
    if (message.chat_id === store.openChatId) render();
  }

  $("pinned-open").addEventListener("click", () => {
    const list = pins.get(store.openChatId) || [];
    if (!list.length) return;
    const message = list[shown];
    openAt(message.chat_id, message.seq);
    shown = (shown + 1) % list.length;
    render();
  });
  unpinButton.addEventListener("click", () => {
    const chat = store.chats.get(store.openChatId);
    const list = (chat && pins.get(chat.id)) || [];
    if (list[shown]) setPinned(chat, list[shown], false);
  });

  /* ---------- the mute dialog ---------- */

  function askMute(chat, userId) {
    muteTarget = { chatId: chat.id, userId };
    $("mute-dialog-title").textContent = t("mute_title", { name: store.userName(userId) });
    $("mute-reason").value = "";
    $("mute-error").textContent = "";
    dialog.showModal();
    $("mute-reason").focus();
  }

  $("mute-confirm").addEventListener("click", async () => {
    const reason = $("mute-reason").value.trim();
    if (!reason) { $("mute-error").textContent = t("mute_needs_reason"); return; }
    const minutes = MUTE_MINUTES[Number($("mute-duration").value)] || MUTE_MINUTES[0];
    const { chatId, userId } = muteTarget;
    try {
      const mute = await api.request("PUT", "/chats/" + chatId + "/mutes/" + userId, { minutes, reason });
      dialog.close();
      const until = times.parse(mute.until);
      setStatus(t("muted_until", { name: store.userName(userId), time: until ? times.full(until) : mute.until }));
    } catch (error) {
      $("mute-error").textContent = error.message;
    }
  });

  return {
    moderates, actions, opened, messageApplied, render,
    pin: (chat, message) => setPinned(chat, message, true),
  };
}
