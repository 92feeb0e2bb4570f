/* Campus chat page: muting a chat's notifications (docs/protocol.md#muting-a-chat) — the rule
 * the notifications follow, and the header's "Mute notifications" / "Unmute" toggle. */

import { $ } from "./dom.js";
import { mentionsMe } from "./richtext.js";

/** Whether `message` in `chat` may notify the user `me`: always in a chat that is not muted; in
 * a muted one only when it mentions them or @all. (Unread counts do not ask: they always count.) */
export function noticeAllowed(chat, message, me) {
  return !chat.muted || mentionsMe(message, me);
}

export function createMuteToggle({ store, api, t, onChange }) {
  const button = $("mute-button");

  /** The toggle for the open chat: its words say what a press does, aria-pressed what is. */
  function render() {
    const chat = store.chats.get(store.openChatId);
    if (!chat) return;
    button.textContent = chat.muted ? t("unmute") : t("mute");
    button.setAttribute("aria-pressed", chat.muted ? "true" : "false");
  }

  button.addEventListener("click", async () => {
    const chat = store.chats.get(store.openChatId);
    if (!chat) return;
    button.disabled = true;
    try {
      store.applyChat(await api.request("PATCH", "/chats/" + chat.id + "/notifications", { muted: !chat.muted }));
      onChange();
    } catch (error) {
      onChange(error);
    } finally {
      button.disabled = false;
      render();
    }
  });

  return { render };
}
