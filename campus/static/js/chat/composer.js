/* Campus chat page: the composer — Enter sends, Shift+Enter starts a new line, Up in an empty box
 * edits one's last message; the box grows with its text; near the length limit a counter shows,
 * and a message over it is refused in words (never cut); typing is announced while the user
 * writes. */

import { MAX_BODY } from "./config.js";
import { $ } from "./dom.js";
import { lengthState } from "./richtext.js";

/** `onSent(entry)`: the outbox entry of a message just written (campus.js pins announcements). */
export function createComposer({ store, sync, typing, t, conversation, notifications, composing, onSent }) {
  const composer = $("composer");
  const input = $("composer-input");
  const counter = $("composer-counter");

  /** The counter near the limit (and the refusal over it). */
  function showLength() {
    const state = lengthState(input.value, MAX_BODY);
    counter.textContent = state.show ? (state.over ? t("too_long_by", { count: -state.left }) : t("characters_left", { count: state.left })) : "";
    counter.classList.toggle("over", state.over);
    if (state.over) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    return state;
  }

  function autoGrow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 160) + "px";
  }

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = input.value.trim();
    if (!body) return;
    if (showLength().over) { counter.textContent = t("message_too_long") + " " + counter.textContent; input.focus(); return; }
    const chat = store.chats.get(store.openChatId);
    // No open chat yet (e.g. the one just picked is still being created): keep what was typed.
    if (!chat) return;
    input.value = "";
    showLength();
    autoGrow();
    const entry = sync.send(chat.id, body, null, composing.take(body));
    if (onSent) onSent(entry);
    typing.stop();
    conversation.scrollToBottom();
    input.focus();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    } else if (event.key === "ArrowUp" && !input.value && !event.shiftKey) {
      const edits = document.querySelectorAll("#message-list li.msg.mine .edit-button");
      if (edits.length) { event.preventDefault(); edits[edits.length - 1].click(); }
    }
  });
  input.addEventListener("input", () => {
    autoGrow();
    showLength();
    if (input.value.trim()) typing.note(store.openChatId);
    else typing.stop();
  });
  input.addEventListener("blur", () => typing.stop());
}
