/* Campus chat page: an attachment inside a message — an image preview that opens full size, an
 * <audio> or <video> player that seeks (the server answers byte ranges), or a file card with
 * its icon, name, size and a download link. Names go in as text; URLs only if they are the
 * server's own upload URLs (attachments.js). */

import { describeAttachment, formatDuration, formatSize, uploadUrl } from "./attachments.js";
import { $, el } from "./dom.js";

/** A file card's icon: the name's extension on a sheet ("PDF", "DOCX"), drawn by CSS. */
function fileIcon(name) {
  const match = /\.([a-z0-9]{1,5})$/i.exec(name || "");
  return match ? match[1].toUpperCase() : "FILE";
}

/** The full-size image viewer: one <dialog> of the page (#image-viewer). */
function openViewer(url, name, t) {
  const dialog = $("image-viewer");
  if (!dialog || !url) return;
  const image = $("image-viewer-image");
  image.src = url;
  image.alt = name;
  $("image-viewer-title").textContent = name;
  const download = $("image-viewer-download");
  download.href = url;
  download.setAttribute("download", name);
  download.textContent = t("download");
  dialog.showModal();
}

export function createAttachmentNodes({ t, locale = document.documentElement.lang || undefined }) {
  const viewer = $("image-viewer");
  if (viewer && !viewer.dataset.ready) {
    viewer.dataset.ready = "1";
    viewer.addEventListener("close", () => { $("image-viewer-image").removeAttribute("src"); });
    viewer.addEventListener("click", (event) => { if (event.target === viewer) viewer.close(); });
  }

  function imageNode(attachment, url) {
    const thumb = uploadUrl(attachment.thumb_url) || url;
    const name = attachment.name || t("photo");
    const size = attachment.width && attachment.height ? { width: String(attachment.width), height: String(attachment.height) } : {};
    return el("figure", { className: "att att-image" },
      el("button", {
        type: "button", className: "att-open", "aria-label": t("open_image", { name }),
        onclick: () => openViewer(url, name, t),
      }, el("img", { src: thumb, alt: name, loading: "lazy", decoding: "async", ...size })));
  }

  function playerNode(attachment, url) {
    const isVideo = attachment.kind === "video";
    const label = describeAttachment(attachment, t);
    const player = el(isVideo ? "video" : "audio", {
      controls: true, preload: "metadata", src: url, "aria-label": label,
      poster: isVideo ? uploadUrl(attachment.thumb_url) : null,
      playsinline: isVideo ? true : null,
    });
    return el("div", { className: "att " + (isVideo ? "att-video" : "att-audio") + (attachment.note ? " att-note" : "") },
      el("span", { className: "att-label" }, label), player);
  }

  function fileNode(attachment, url) {
    const name = attachment.name || t("attachment");
    return el("div", { className: "att att-file" },
      el("span", { className: "att-icon", "aria-hidden": "true" }, fileIcon(name)),
      el("span", { className: "att-file-text" },
        el("span", { className: "att-name" }, name),
        el("span", { className: "att-size" }, formatSize(attachment.size || 0, t, locale))),
      url ? el("a", { className: "att-download", href: url, download: name, "aria-label": t("download_named", { name }) }, t("download")) : null);
  }

  /** The node for a message's attachment. */
  function attachmentNode(attachment) {
    const url = uploadUrl(attachment.url);
    if (!url) return el("p", { className: "att att-missing" }, attachment.name || t("attachment"));
    if (attachment.kind === "image") return imageNode(attachment, url);
    if (attachment.kind === "audio" || attachment.kind === "video") return playerNode(attachment, url);
    return fileNode(attachment, url);
  }

  /** One line for an attachment waiting in the outbox. */
  function pendingText(attachment) {
    const text = describeAttachment(attachment, t);
    return attachment.kind === "image" ? text + " · " + (attachment.name || "") : text;
  }

  return { attachmentNode, pendingText, formatDuration };
}
