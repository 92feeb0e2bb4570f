/* Campus chat page: sending files — the attach button, dropping files on the conversation,
 * pasting images into the composer. Each file gets a line in the upload tray with a progress bar
 * and Cancel; once uploaded it is sent as a message of its own through the outbox (so it is
 * resent with its client_id like any message). A failed upload says why and offers Retry. */

import { formatSize } from "./attachments.js";
import { $, el } from "./dom.js";

export function createAttach({ store, sync, uploader, t, conversation }) {
  const tray = $("upload-tray");
  const input = $("attach-input");
  const dropZone = $("conversation");
  const locale = document.documentElement.lang || undefined;
  let dragDepth = 0;

  /** Upload `file` into the open chat, showing it in the tray until it is sent or dropped. */
  function send(file, { note = false } = {}) {
    const chat = store.chats.get(store.openChatId);
    if (!chat) return;
    const chatId = chat.id;
    const progress = el("progress", { max: "1", value: "0", "aria-label": t("uploading_named", { name: file.name }) });
    const status = el("span", { className: "upload-status", role: "status" }, t("uploading"));
    const actions = el("span", { className: "upload-actions" });
    const item = el("li", { className: "upload-item", dataset: { name: file.name } },
      el("span", { className: "upload-name" }, file.name),
      el("span", { className: "upload-size" }, formatSize(file.size, t, locale)),
      progress, status, actions);
    tray.append(item);
    tray.hidden = false;

    const start = () => {
      item.classList.remove("failed");
      progress.hidden = false;
      progress.value = 0;
      status.textContent = t("uploading");
      const handle = uploader.upload(file, { note, onProgress: (share) => { progress.value = share; } });
      actions.replaceChildren(el("button", { type: "button", className: "link-button upload-cancel", onclick: () => handle.cancel() }, t("cancel")));
      handle.promise.then((attachment) => {
        remove();
        sync.send(chatId, null, attachment);
        if (chatId === store.openChatId) conversation.scrollToBottom();
      }, (error) => {
        if (error.code === "cancelled") { remove(); return; }
        item.classList.add("failed");
        progress.hidden = true;
        status.textContent = t("upload_failed_because", { message: error.message });
        status.setAttribute("role", "alert");
        actions.replaceChildren(
          el("button", { type: "button", className: "link-button upload-retry", onclick: start }, t("retry")),
          el("button", { type: "button", className: "link-button upload-remove", onclick: remove }, t("remove")));
      });
    };
    const remove = () => {
      item.remove();
      tray.hidden = !tray.children.length;
    };
    start();
  }

  function sendAll(files) {
    for (const file of Array.from(files || [])) send(file);
  }

  $("attach-button").addEventListener("click", () => input.click());
  input.addEventListener("change", () => { sendAll(input.files); input.value = ""; });

  // Drop files anywhere on the open conversation.
  const carriesFiles = (event) => Array.from((event.dataTransfer && event.dataTransfer.types) || []).includes("Files");
  dropZone.addEventListener("dragenter", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    dragDepth += 1;
    dropZone.classList.add("dropping");
  });
  dropZone.addEventListener("dragover", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  });
  dropZone.addEventListener("dragleave", () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) dropZone.classList.remove("dropping");
  });
  dropZone.addEventListener("drop", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    dragDepth = 0;
    dropZone.classList.remove("dropping");
    sendAll(event.dataTransfer.files);
  });

  // Paste a screenshot into the message box.
  $("composer-input").addEventListener("paste", (event) => {
    const files = Array.from((event.clipboardData && event.clipboardData.files) || []).filter((file) => file.type.startsWith("image/"));
    if (!files.length) return;
    event.preventDefault();
    sendAll(files);
  });

  return { send };
}
