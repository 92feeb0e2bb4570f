/* Campus chat page: what the composer adds to a message besides its text — the message it
 * replies to (a bar above the composer; Escape or ✕ cancels) and the members it mentions (`@`
 * opens a list of the chat's members; arrows move, Enter or Tab picks, Escape closes). Created
 * before composer.js, so its keys are handled first. */

import { $, el } from "./dom.js";
import { applyMention, mentionCandidates, mentionedIds, mentionQuery } from "./richtext.js";

/** `mayMentionAll(chat)`: whether the user may write @all there (the server checks too). */
export function createComposing({ store, t, locale, mayMentionAll }) {
  const input = $("composer-input");
  const bar = $("reply-bar");
  const list = $("mention-list");
  let replyTo = null;          // the message being answered
  const picked = new Map();    // user id → the name written after @
  let query = null;            // {start, query} while the list is open
  let options = [];
  let active = 0;

  /* ---------- replies ---------- */

  function startReply(message) {
    replyTo = message;
    const text = message.body || t("attachment");
    bar.replaceChildren(
      el("span", { className: "reply-bar-text" },
        el("span", { className: "reply-bar-name" }, t("replying_to", { name: store.userName(message.sender_id) })),
        el("span", { className: "reply-bar-quote" }, text.slice(0, 200))),
      el("button", { type: "button", className: "icon-button reply-cancel", "aria-label": t("cancel_reply"), title: t("cancel_reply"), onclick: cancelReply }, "✕"));
    bar.hidden = false;
    input.focus();
  }

  function cancelReply() {
    replyTo = null;
    bar.hidden = true;
    bar.replaceChildren();
    input.focus();
  }

  /* ---------- mentions ---------- */

  function members(chat) {
    return chat.members.map((member) => ({ id: member.user_id, name: [member.first_name, member.last_name].filter(Boolean).join(" ") }));
  }

  function close() {
    query = null;
    options = [];
    list.hidden = true;
    list.replaceChildren();
    input.removeAttribute("aria-activedescendant");
  }

  function show() {
    list.replaceChildren(...options.map((option, index) => el("li", {
      id: "mention-option-" + index, role: "option", className: "mention-option",
      "aria-selected": index === active ? "true" : "false",
      onmousedown: (event) => { event.preventDefault(); pick(index); },
    }, "@" + option.name)));
    list.hidden = false;
    input.setAttribute("aria-activedescendant", "mention-option-" + active);
  }

  function update() {
    const chat = store.chats.get(store.openChatId);
    const found = chat ? mentionQuery(input.value, input.selectionStart) : null;
    if (!found) { close(); return; }
    options = mentionCandidates(members(chat), found.query, { me: store.me, mayAll: mayMentionAll(chat), locale });
    if (!options.length) { close(); return; }
    query = found;
    active = Math.min(active, options.length - 1);
    show();
  }

  function pick(index) {
    const option = options[index];
    if (!option || !query) return;
    const next = applyMention(input.value, query.start, input.selectionStart, option.name);
    picked.set(option.id, option.name);
    input.value = next.value;
    input.setSelectionRange(next.caret, next.caret);
    close();
    input.dispatchEvent(new Event("input"));
  }

  input.addEventListener("keydown", (event) => {
    if (query && options.length) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        active = (active + (event.key === "ArrowDown" ? 1 : options.length - 1)) % options.length;
        show();
      } else if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey) {
        pick(active);
      } else if (event.key === "Escape") {
        close();
      } else {
        return;
      }
      event.preventDefault();
      event.stopImmediatePropagation();
    } else if (event.key === "Escape" && replyTo) {
      event.preventDefault();
      cancelReply();
    }
  });
  input.addEventListener("input", () => { active = 0; update(); });
  input.addEventListener("click", update);
  input.addEventListener("blur", () => setTimeout(close, 150));

  return {
    startReply,
    cancelReply,
    /** What goes with `body` when it is sent (then forgotten): `{reply_to?, mentions?}`. */
    take(body) {
      const extra = {};
      if (replyTo) extra.reply_to = replyTo.id;
      const ids = mentionedIds(body, picked);
      if (ids.length) extra.mentions = ids;
      picked.clear();
      if (replyTo) { replyTo = null; bar.hidden = true; bar.replaceChildren(); }
      close();
      return extra;
    },
    /** Another chat was opened: a reply or list of this one does not follow. */
    reset() {
      replyTo = null;
      bar.hidden = true;
      picked.clear();
      close();
    },
  };
}
