/* Campus chat page: one message as a list item — body, time, status ticks, and editing or
 * deleting one's own in place. Message text only ever goes in through text nodes. */

import { createAttachmentNodes } from "./attachview.js";
import { MAX_BODY } from "./config.js";
import { $, el } from "./dom.js";
import { createMessageExtras } from "./messagextras.js";

const STATUS_ICONS = { pending: "🕓", sent: "✓", seen: "✓✓", failed: "!" };

/** `rerender()` redraws the open conversation; `setStatus(text)` writes the status line;
 * `onJump(chat, seq)` shows a reply's original, `onReply(message)` starts a reply. */
/** `messageActions(chat, message, mine)` adds moderation buttons and says who moderates (moderation.js). */
export function createMessageNodes({ store, sync, t, times, rerender, setStatus, messageActions, onJump, onReply }) {
  const attachments = createAttachmentNodes({ t });
  const extras = createMessageExtras({ store, sync, t, onJump, onReply, setStatus });

  function failure(ack) {
    return t("action_failed", { message: (ack && ack.error && ack.error.message) || t("reconnecting") });
  }

  /** Sending… / Sent / Seen / Not sent (with Retry, for an outbox `entry`); in a group, "Seen by
   * N" with who (`seenBy`: user ids) in its title. */
  function statusNode(status, entry, seenBy = null) {
    const labels = { pending: t("pending"), sent: t("sent"), seen: t("seen"), failed: t("failed") };
    const byWhom = status === "seen" && seenBy && seenBy.length ? seenBy : null;
    const names = byWhom ? byWhom.map((id) => store.userName(id)).join(", ") : null;
    const node = el("span", { className: "msg-status", dataset: { status, seenBy: byWhom ? byWhom.join(",") : "" }, title: names },
      el("span", { "aria-hidden": "true", className: "msg-status-icon" }, STATUS_ICONS[status]),
      el("span", { className: "msg-status-text" }, byWhom ? t("seen_by", { count: byWhom.length }) : labels[status]),
      names ? el("span", { className: "visually-hidden" }, ": " + names) : null);
    if (status === "failed" && entry) {
      node.append(el("button", { type: "button", className: "retry-button", onclick: () => sync.queue(entry) }, t("retry")));
    }
    return node;
  }

  /** The status of one's own message; groups say who has seen it. */
  function ownStatusNode(chat, message) {
    return statusNode(store.ownStatus(chat, message), null, chat.type === "group" ? store.seenBy(chat, message) : null);
  }

  function messageNode(chat, message) {
    const mine = message.sender_id === store.me;
    const created = times.parse(message.created_at);
    const time = created ? el("time", { datetime: message.created_at, title: times.full(created) }, times.short(created)) : null;
    if (message.kind === "system") return extras.systemNode(message, time);
    const body = message.deleted_at
      ? el("p", { className: "msg-body deleted" }, t(message.deleted_by_moderator ? "deleted_by_moderator" : "deleted"))
      : message.body || !message.attachment ? el("p", { className: "msg-body" }, ...extras.bodyContent(message)) : null;
    const attachment = message.attachment && !message.deleted_at ? attachments.attachmentNode(message.attachment) : null;
    const meta = el("div", { className: "msg-meta" },
      time,
      message.edited_at && !message.deleted_at ? el("span", { className: "msg-edited" }, t("edited")) : null,
      mine ? ownStatusNode(chat, message) : null,
      actionsNode(chat, message, mine));
    return el("li", {
      className: "msg " + (mine ? "mine" : "theirs") + (extras.mentionsMe(message) ? " mentions-me" : ""),
      tabindex: "-1",
      dataset: { seq: String(message.seq), id: String(message.id), clientId: message.client_id || "", sender: String(message.sender_id) },
    },
    !mine && chat.type !== "private" ? el("span", { className: "msg-sender" }, store.userName(message.sender_id)) : null,
    extras.quoteNode(chat, message), attachment, body, extras.reactionsNode(message), meta);
  }

  /** Edit and Delete on one's own message; Delete on others' for those who moderate; pins, mutes. */
  function actionsNode(chat, message, mine) {
    if (message.deleted_at) return null;
    const extra = messageActions ? messageActions.actions(chat, message, mine) : [];
    const mayDelete = mine || (messageActions && messageActions.moderates(chat));
    return el("span", { className: "msg-actions" },
      ...extras.actionButtons(message),
      mine ? el("button", { type: "button", className: "link-button edit-button", onclick: (event) => startEdit(event, message) }, t("edit")) : null,
      mayDelete ? el("button", { type: "button", className: "link-button delete-button", onclick: (event) => askDelete(event, message) }, t("delete")) : null,
      ...extra);
  }

  /** An outbox entry: shown below the conversation until the server has it. */
  function pendingNode(entry) {
    return el("li", { className: "msg mine pending", dataset: { clientId: entry.client_id } },
      entry.attachment ? el("p", { className: "msg-attachment-pending" }, attachments.pendingText(entry.attachment)) : null,
      entry.body ? el("p", { className: "msg-body" }, entry.body) : null,
      entry.status === "failed" && entry.reason ? el("p", { className: "msg-error", role: "alert" }, entry.reason) : null,
      el("div", { className: "msg-meta" }, statusNode(entry.status, entry)));
  }

  /** Edit one's own message in place; the ack (and message_updated) bring the new state. */
  function startEdit(event, message) {
    const item = event.target.closest("li.msg");
    const box = el("textarea", { className: "edit-input", rows: "2", "aria-label": t("edit"), "aria-describedby": "edit-hint" });
    box.value = message.body || "";
    const error = el("span", { className: "edit-error", role: "alert" });
    const form = el("form", { className: "edit-form" }, box,
      el("span", { className: "edit-buttons" },
        el("button", { type: "submit" }, t("save")),
        el("button", { type: "button", onclick: () => rerender() }, t("cancel")), error),
      el("span", { className: "visually-hidden", id: "edit-hint" }, t("edit_hint")));
    // Enter saves, Shift+Enter starts a new line, Escape cancels (as in the composer).
    box.addEventListener("keydown", (key) => {
      if (key.key === "Enter" && !key.shiftKey && !key.isComposing) { key.preventDefault(); form.requestSubmit(); }
      else if (key.key === "Escape") { key.preventDefault(); rerender(); $("composer-input").focus(); }
    });
    form.addEventListener("submit", async (submit) => {
      submit.preventDefault();
      const body = box.value.trim();
      if (!body || body === message.body) { rerender(); return; }
      if (Array.from(body).length > MAX_BODY) { error.textContent = t("message_too_long"); return; }
      const ack = await sync.change("edit_message", { message_id: message.id, body });
      if (!ack || !ack.ok) error.textContent = failure(ack);
    });
    const text = item.querySelector(".msg-body");
    if (text) text.replaceWith(form);
    else item.querySelector(".msg-meta").before(form);   // a caption for an attachment alone
    box.focus();
  }

  /** Deleting asks once more in place (no blocking confirm()). */
  function askDelete(event, message) {
    const button = event.target;
    if (button.dataset.confirming) {
      sync.change("delete_message", { message_id: message.id }).then((ack) => {
        if (!ack || !ack.ok) setStatus(failure(ack));
      });
      return;
    }
    button.dataset.confirming = "1";
    button.textContent = t("delete_confirm");
    button.classList.add("danger");
  }

  return { messageNode, pendingNode, statusNode, ownStatusNode };
}
