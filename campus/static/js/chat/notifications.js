/* Campus chat page: what tells the user about things outside the conversation they read — the
 * unread count in the tab's title, desktop notifications while the page is hidden, who is
 * typing, and the connection status line (with the signed-out notice). */

import { describeAttachment } from "./attachments.js";
import { $, el, pageVisible } from "./dom.js";
import { noticeAllowed } from "./mute.js";
import { mentionsMe, systemText } from "./richtext.js";

export function createNotifications({ store, typing, t, openChat }) {
  const app = $("chat-app");
  // The server wrote the unread total into the title and the "Chat" link; from here on the
  // page keeps both current.
  const baseTitle = document.title.replace(/^\(\d+\) /, "");
  const chatLink = document.querySelector(".nav-chat");

  function updateTitle() {
    const total = store.totalUnread();
    document.title = total > 0 ? "(" + total + ") " + baseTitle : baseTitle;
    if (!chatLink) return;
    let badge = chatLink.querySelector(".nav-badge");
    if (total > 0 && !badge) {
      badge = el("span", { className: "nav-badge" }, "", el("span", { className: "visually-hidden" }, " " + t("unread_word")));
      chatLink.append(" ", badge);
    }
    if (badge) {
      badge.hidden = total === 0;
      badge.firstChild.textContent = String(total);
    }
  }

  /** A desktop notification for a message that arrived while the page was hidden; one that
   * mentions the user says so and passes a chat's mute (docs/protocol.md#muting-a-chat); the
   * page's `data-notices` counts what passed, `data-last-notice` is its `<chat id>:<seq>`. */
  function notify(chat, message) {
    if (!noticeAllowed(chat, message, store.me)) return;
    // What got through the mute, for the page's tests and scripts: a count and the last one.
    app.dataset.notices = String(Number(app.dataset.notices || 0) + 1);
    app.dataset.lastNotice = chat.id + ":" + message.seq;
    if (pageVisible() || !("Notification" in window) || Notification.permission !== "granted") return;
    const text = (message.kind === "system" ? systemText(message.data, t) : message.body || describeAttachment(message.attachment, t)).slice(0, 140);
    const name = store.userName(message.sender_id);
    try {
      const notification = new Notification(mentionsMe(message, store.me) ? t("mentioned_you", { name }) : t("new_message_from", { name }), {
        body: chat.type === "private" ? text : store.chatName(chat) + ": " + text,
        tag: "campus-chat-" + chat.id,
      });
      notification.onclick = () => { window.focus(); openChat(chat.id); notification.close(); };
    } catch (error) {
      /* some browsers allow notifications only from a service worker: skip them */
    }
  }

  /** Offer desktop notifications when the browser has not been asked yet. */
  function offerNotifications() {
    const button = $("enable-notifications");
    if (!("Notification" in window) || Notification.permission !== "default") return;
    button.hidden = false;
    button.addEventListener("click", async () => {
      const answer = await Notification.requestPermission();
      button.hidden = true;
      if (answer === "denied") setStatus(t("notifications_blocked"));
    });
  }

  /** The typing line of the open conversation. */
  function renderTyping(chatId) {
    if (chatId !== store.openChatId) return;
    const names = typing.typists(chatId).map((userId) => store.userName(userId));
    $("typing-indicator").textContent = names.length === 0 ? "" : names.length === 1
      ? t("typing_one", { name: names[0] }) : t("typing_many", { names: names.join(", ") });
  }

  function setStatus(text) {
    $("connection-status").textContent = text;
  }

  /** "connecting" / "syncing" / "online" / "reconnecting" (the page's data-connection too). */
  function setConnection(state) {
    app.dataset.connection = state;
    setStatus(state === "online" ? t("online_status") : state === "reconnecting" ? t("reconnecting") : t("connecting"));
  }

  /** The page's credentials no longer work; `code` "inactive": the account was deactivated. */
  function showSignedOut(code) {
    app.dataset.connection = "signed-out";
    const text = code === "inactive" ? t("account_deactivated") : t("signed_out");
    setStatus(text);
    $("signed-out").querySelector("p").textContent = text;
    $("signed-out").hidden = false;
  }

  return { updateTitle, notify, offerNotifications, renderTyping, setStatus, setConnection, showSignedOut };
}
