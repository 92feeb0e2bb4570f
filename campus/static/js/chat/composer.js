/* Campus chat page: the composer — Enter sends, Shift+Enter starts a new line; the box grows
 * with its text; typing is announced while the user writes. */

import { MAX_BODY } from "./config.js";
import { $ } from "./dom.js";

export function createComposer({ store, sync, typing, t, conversation, notifications, composing }) {
  const composer = $("composer");
  const input = $("composer-input");

  function autoGrow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 160) + "px";
  }

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = input.value.trim();
    if (!body) return;
    if (Array.from(body).length > MAX_BODY) { notifications.setStatus(t("message_too_long")); return; }
    input.value = "";
    autoGrow();
    const chat = store.chats.get(store.openChatId);
    if (chat) {
      sync.send(chat.id, body, null, composing.take(body));
      typing.stop();
      conversation.scrollToBottom();
    }
    input.focus();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  input.addEventListener("input", () => {
    autoGrow();
    if (input.value.trim()) typing.note(store.openChatId);
    else typing.stop();
  });
  input.addEventListener("blur", () => typing.stop());
}
