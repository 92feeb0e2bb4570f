/* Campus chat page: the parts of a message that issue 11 added (docs/protocol.md#conversations)
 * — the quote of the message it answers (a click jumps there), its text with links and mentions,
 * its reactions and the picker, the Reply button, and system lines. Text only ever goes in as
 * text nodes; links are http(s)/mailto only, opened in a new tab without the page's referrer. */

import { el } from "./dom.js";
import { mentionsMe, reactionChips, reactionToggle, REACTIONS, segments, systemText } from "./richtext.js";

/** `onJump(chat, seq)` shows a message; `onReply(message)` starts a reply; `setStatus(text)`. */
export function createMessageExtras({ store, sync, t, onJump, onReply, setStatus }) {
  function failure(ack) {
    return t("action_failed", { message: (ack && ack.error && ack.error.message) || t("reconnecting") });
  }

  /** The members' names as their mentions are written (`@First Last`). */
  function mentionNames(message) {
    return (message.mentions || []).map((id) => ({ id, name: fullName(id) }));
  }

  function fullName(id) {
    const user = store.users.get(id);
    return user ? [user.first_name, user.last_name].filter(Boolean).join(" ") : "";
  }

  /** The body as text nodes, links and marked mentions. */
  function bodyContent(message) {
    const parts = segments(message.body || "", { names: mentionNames(message), all: message.mentions_all });
    return parts.map((part) => {
      if (part.href) {
        return el("a", { href: part.href, target: "_blank", rel: "noopener noreferrer nofollow", className: "msg-link" }, part.text);
      }
      if (part.mention !== undefined) {
        const me = part.mention === store.me || part.mention === "all";
        return el("mark", { className: "mention" + (me ? " mention-me" : "") }, part.text);
      }
      return part.text;
    });
  }

  /** The quote above a reply: who and what; a click (or Enter) jumps to the original. */
  function quoteNode(chat, message) {
    const reply = message.reply;
    if (!reply || message.deleted_at) return null;
    const text = reply.deleted ? t("deleted") : reply.body || t("attachment");
    const name = store.userName(reply.sender_id);
    // Its name is what it shows, after a word for screen readers ("In reply to").
    return el("button", {
      type: "button", className: "msg-quote", dataset: { seq: String(reply.seq) }, title: t("show_original"),
      onclick: () => onJump(chat, reply.seq),
    },
    el("span", { className: "visually-hidden" }, t("in_reply_to") + " "),
    el("span", { className: "msg-quote-name" }, name),
    el("span", { className: "msg-quote-text" }, text));
  }

  function react(message, emoji) {
    const on = reactionToggle(message, emoji, store.me);
    sync.change("react", { message_id: message.id, emoji, on }).then((ack) => {
      if (!ack || !ack.ok) setStatus(failure(ack));
    });
  }

  /** The reactions under a message: each emoji with its count; pressed when it is mine. */
  function reactionsNode(message) {
    const chips = reactionChips(message, store.me);
    if (!chips.length || message.deleted_at) return null;
    return el("div", { className: "msg-reactions", role: "group", "aria-label": t("reactions") },
      ...chips.map((chip) => {
        const names = chip.user_ids.map((id) => store.userName(id)).join(", ");
        return el("button", {
          type: "button", className: "reaction" + (chip.mine ? " mine" : ""), "aria-pressed": chip.mine ? "true" : "false",
          title: names, "aria-label": t("reaction_label", { emoji: chip.emoji, count: chip.count, names }),
          dataset: { emoji: chip.emoji },
          onclick: () => react(message, chip.emoji),
        }, chip.emoji + " " + chip.count);
      }));
  }

  /** The picker: a row of the emoji set, opened by the React button, closed by Escape. */
  function openPicker(event, message) {
    const item = event.target.closest("li.msg");
    const open = item.querySelector(".reaction-picker");
    if (open) { open.remove(); return; }
    const opener = event.target;
    const picker = el("div", { className: "reaction-picker", role: "group", "aria-label": t("react") },
      ...REACTIONS.map((emoji) => el("button", {
        type: "button", className: "reaction-choice", "aria-label": t("react_with", { emoji }),
        onclick: () => { picker.remove(); react(message, emoji); opener.focus(); },
      }, emoji)));
    picker.addEventListener("keydown", (key) => {
      if (key.key === "Escape") { key.stopPropagation(); picker.remove(); opener.focus(); }
    });
    item.querySelector(".msg-meta").after(picker);
    picker.querySelector("button").focus();
  }

  /** Reply and React, for every message still there. */
  function actionButtons(message) {
    if (message.deleted_at) return [];
    return [
      el("button", { type: "button", className: "link-button reply-button", onclick: () => onReply(message) }, t("reply")),
      el("button", { type: "button", className: "link-button react-button", "aria-label": t("react"), title: t("react"), onclick: (event) => openPicker(event, message) }, "☺"),
    ];
  }

  /** A system line ("Ann added Bob"), centred in the timeline. */
  function systemNode(message, time) {
    return el("li", { className: "msg system", dataset: { seq: String(message.seq), id: String(message.id) } },
      el("p", { className: "system-line" }, systemText(message.data, t)), time);
  }

  return { bodyContent, quoteNode, reactionsNode, actionButtons, systemNode, mentionsMe: (message) => mentionsMe(message, store.me) };
}
