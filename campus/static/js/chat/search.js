/* Campus chat page: search in messages (GET /messages/search, docs/protocol.md#search) — the
 * search box over all chats or the open one, the results with their highlighted words, and
 * opening a chat at a found message (history loaded back to it). Snippets arrive as plain-text
 * segments; a matched word goes in a <mark> as a text node, never as HTML. */

import { $, el } from "./dom.js";

const RESULTS_PAGE = 20;
const MAX_PAGES_BACK = 200;   // a bound on loading history back to a found message

export function createMessageSearch({ api, store, sync, t, times, conversation, setStatus }) {
  const form = $("message-search");
  const input = $("message-search-input");
  const here = $("message-search-here");
  const results = $("message-search-results");
  const status = $("message-search-status");
  let nextCursor = null;
  let lastQuery = null;

  function path(query, cursor) {
    let url = "/messages/search?limit=" + RESULTS_PAGE + "&q=" + encodeURIComponent(query.q);
    if (query.chatId) url += "&chat_id=" + query.chatId;
    if (cursor) url += "&cursor=" + encodeURIComponent(cursor);
    return url;
  }

  function resultNode(item) {
    const message = item.message;
    const chat = store.chats.get(message.chat_id);
    const created = times.parse(message.created_at);
    const snippet = el("span", { className: "search-snippet" },
      ...item.snippet.map((segment) => (segment.hit ? el("mark", null, segment.text) : segment.text)));
    const button = el("button", {
      type: "button", className: "search-result",
      onclick: () => openAt(message.chat_id, message.seq),
    },
    el("span", { className: "search-result-chat" }, chat ? store.chatName(chat) : ""),
    created ? el("time", { className: "search-result-time", datetime: message.created_at }, times.short(created)) : null,
    el("span", { className: "search-result-sender" }, store.userName(message.sender_id)),
    snippet);
    return el("li", { dataset: { messageId: String(message.id), chatId: String(message.chat_id), seq: String(message.seq) } }, button);
  }

  function moreButton() {
    return el("li", { className: "search-more" },
      el("button", { type: "button", className: "link-button", onclick: () => run(lastQuery, nextCursor) }, t("search_more")));
  }

  async function run(query, cursor = null) {
    lastQuery = query;
    status.textContent = t("loading");
    try {
      const data = await api.request("GET", path(query, cursor));
      if (query !== lastQuery) return;   // a newer search started meanwhile
      nextCursor = data.next_cursor;
      const more = results.querySelector(".search-more");
      if (more) more.remove();
      if (!cursor) results.replaceChildren();
      results.append(...data.items.map(resultNode));
      if (nextCursor) results.append(moreButton());
      results.hidden = false;
      status.textContent = results.children.length ? t("search_results", { count: results.querySelectorAll("li[data-message-id]").length }) : t("search_nothing");
    } catch (error) {
      if (query === lastQuery) status.textContent = t("search_failed");
    }
  }

  /** Open a chat and load its history back to `seq`, then show that message. */
  async function openAt(chatId, seq) {
    const chat = store.chats.get(chatId);
    if (!chat) return;
    if (!chat.messages) await sync.loadLatest(chat);
    conversation.open(chatId);
    for (let page = 0; page < MAX_PAGES_BACK && store.hasOlder(chat) && chat.firstSeq > seq && !chat.historyError; page++) {
      await sync.loadOlder(chat);
    }
    if (store.openChatId !== chatId) return;
    conversation.render();
    const node = $("message-list").querySelector('li[data-seq="' + seq + '"]');
    if (!node) { setStatus(t("search_too_far")); return; }
    for (const old of document.querySelectorAll(".msg.search-target")) old.classList.remove("search-target");
    node.classList.add("search-target");
    node.setAttribute("tabindex", "-1");
    node.scrollIntoView({ block: "center" });
    node.focus({ preventScroll: true });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const q = input.value.trim();
    if (!q) {
      results.replaceChildren();
      results.hidden = true;
      status.textContent = "";
      lastQuery = null;
      return;
    }
    // "In the open chat only" with no chat open searches them all.
    run({ q, chatId: here.checked ? store.openChatId : null });
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { input.value = ""; form.requestSubmit(); }
  });

  return { openAt };
}
