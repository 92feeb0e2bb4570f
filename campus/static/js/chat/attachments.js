/* Campus chat page: what an attachment is called and how big it is — the chat list's preview
 * ("Photo", "Voice note 0:12"), sizes and durations, the kind a picked file probably is, and
 * which URLs the page may load. No DOM (Node's tests import it). */

/** `m:ss`, or `h:mm:ss` from an hour on; "0:00" for anything that is not a duration. */
export function formatDuration(seconds) {
  const total = Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds) : 0;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = String(total % 60).padStart(2, "0");
  return hours ? hours + ":" + String(minutes).padStart(2, "0") + ":" + rest : minutes + ":" + rest;
}

/** Bytes as people read them: "512 B", "14 KB", "3.2 MB" (in the reader's locale). */
export function formatSize(bytes, t, locale) {
  const units = [["size_gb", 1024 ** 3], ["size_mb", 1024 ** 2], ["size_kb", 1024]];
  for (const [key, unit] of units) {
    if (bytes >= unit) {
      const value = bytes / unit;
      const number = new Intl.NumberFormat(locale, { maximumFractionDigits: value < 10 ? 1 : 0 }).format(value);
      return t(key, { size: number });
    }
  }
  return t("size_b", { size: String(bytes) });
}

/** One line for an attachment where there is no room for it: the chat list, notifications. */
export function describeAttachment(attachment, t) {
  if (!attachment) return "";
  const duration = formatDuration(attachment.duration);
  switch (attachment.kind) {
    case "image": return attachment.mime === "image/gif" ? t("gif") : t("photo");
    case "audio": return t(attachment.note ? "voice_note" : "audio", { duration });
    case "video": return t(attachment.note ? "video_note" : "video", { duration });
    default: return t("file_named", { name: attachment.name || "" });
  }
}

/** The kind a picked file will probably be (the server decides by its content). */
export function guessKind(file) {
  const type = (file && file.type) || "";
  if (type.startsWith("image/") && type !== "image/svg+xml") return "image";
  if (type.startsWith("audio/")) return "audio";
  if (type.startsWith("video/")) return "video";
  return "file";
}

/** Only our own upload URLs go into src/href (never another origin, never `javascript:`). */
export function uploadUrl(url) {
  return typeof url === "string" && /^\/api\/v1\/uploads\/\d+(\/thumbnail)?$/.test(url) ? url : null;
}
