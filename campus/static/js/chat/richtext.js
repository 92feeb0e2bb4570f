/* Campus chat page: what a message's text turns into (docs/protocol.md#conversations) — links,
 * mentions, system lines, reactions — and the `@` autocomplete's text handling. No DOM here:
 * it returns plain segments that messages.js puts on the page as text nodes and <a>/<mark>
 * elements, and Node's tests drive it (tests/js/richtext.test.mjs). */

/** The reactions the server takes, in the picker's order (campus/chat/schemas.py REACTIONS). */
export const REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🎉", "🙏", "👀"];

// http(s) and mailto addresses; the trailing punctuation of a sentence is not part of them.
const LINK = /\b(?:https?:\/\/[^\s<>"'`]+|mailto:[^\s<>"'`]+@[^\s<>"'`]+)/gi;
const TRAILING = /[.,;:!?'")\]}>]/;
const count = (text, char) => text.split(char).length - 1;

/** An address is only ever http(s) or mailto (never javascript: and the like). */
export function safeHref(text) {
  try {
    const url = new URL(text);
    return ["http:", "https:", "mailto:"].includes(url.protocol) ? url.href : null;
  } catch (error) {
    return null;
  }
}

/** `[{text}, {text, href}]`: the body with its links found. */
export function linkify(body) {
  const segments = [];
  let at = 0;
  for (const match of String(body || "").matchAll(LINK)) {
    let text = match[0];
    // Sentence punctuation after an address is not part of it; a ")" closing a "(" of the
    // address is (Wikipedia's links).
    while (TRAILING.test(text.at(-1))) {
      if (text.endsWith(")") && count(text, "(") >= count(text, ")")) break;
      text = text.slice(0, -1);
    }
    const href = safeHref(text);
    if (!href) continue;
    if (match.index > at) segments.push({ text: body.slice(at, match.index) });
    segments.push({ text, href });
    at = match.index + text.length;
  }
  if (at < String(body || "").length) segments.push({ text: body.slice(at) });
  return segments;
}

/**
 * `[{text}, {text, href}, {text, mention: userId | "all"}]`: links, then `@Name` of each mentioned
 * user (`names`: [{id, name}], longest names first) and `@all` when the message mentions all.
 */
export function segments(body, { names = [], all = false } = {}) {
  const wanted = names.filter((entry) => entry.name).map((entry) => ({ id: entry.id, token: "@" + entry.name }));
  if (all) wanted.push({ id: "all", token: "@all" });
  wanted.sort((a, b) => b.token.length - a.token.length);
  const result = [];
  for (const segment of linkify(body)) {
    if (segment.href || !wanted.length) { result.push(segment); continue; }
    let rest = segment.text;
    while (rest) {
      let best = null;
      for (const entry of wanted) {
        const index = entry.id === "all" ? rest.search(/(?<![\w@.])@all\b/i) : rest.indexOf(entry.token);
        if (index >= 0 && (best === null || index < best.index)) best = { index, entry };
      }
      if (!best) { result.push({ text: rest }); break; }
      if (best.index > 0) result.push({ text: rest.slice(0, best.index) });
      const length = best.entry.token.length;
      result.push({ text: rest.slice(best.index, best.index + length), mention: best.entry.id });
      rest = rest.slice(best.index + length);
    }
  }
  return result;
}

/** Whether `message` mentions the user `me` (by name or with @all). */
export function mentionsMe(message, me) {
  return Boolean(message && !message.deleted_at && message.sender_id !== me &&
    ((message.mentions || []).includes(me) || message.mentions_all));
}

/** A system line in the reader's language (`t` is the page's translator); "" for an unknown one. */
export function systemText(data, t) {
  const d = data || {};
  const actor = d.actor_name || t("someone");
  switch (d.action) {
    case "member_added": return t("system_member_added", { actor, user: d.user_name || t("someone") });
    case "member_removed": return t("system_member_removed", { actor, user: d.user_name || t("someone") });
    case "member_left": return t("system_member_left", { actor });
    case "renamed": return t("system_renamed", { actor, title: d.title || "" });
    default: return "";
  }
}

/** Reactions as the page shows them: `[{emoji, count, mine, user_ids}]`. */
export function reactionChips(message, me) {
  return (message.reactions || []).filter((r) => r.count > 0).map((r) => ({
    emoji: r.emoji, count: r.count, user_ids: r.user_ids || [], mine: (r.user_ids || []).includes(me),
  }));
}

/** Whether pressing `emoji` on `message` adds it (true) or takes it back (false). */
export function reactionToggle(message, emoji, me) {
  const held = (message.reactions || []).find((r) => r.emoji === emoji);
  return !(held && (held.user_ids || []).includes(me));
}

/**
 * The composer's length against `max` code points: `{length, left, show, over}` — the counter
 * shows from 90 % of the limit on; over it, the message is refused (never cut).
 */
export function lengthState(value, max) {
  const length = Array.from(String(value)).length;
  return { length, left: max - length, show: length >= Math.floor(max * 0.9), over: length > max };
}

/* ---------- the `@` autocomplete ---------- */

/** The `@word` being typed just before the caret: `{start, query}` or null. */
export function mentionQuery(value, caret) {
  const before = String(value).slice(0, caret);
  const match = before.match(/(^|[\s(])@([^\s@]{0,40})$/u);
  if (!match) return null;
  return { start: caret - match[2].length - 1, query: match[2] };
}

/**
 * The members to offer for `query`: names starting with it (first name, last name or the full
 * name, any case), never the user themself; `@all` first when `mayAll` and it matches.
 */
export function mentionCandidates(members, query, { me, mayAll = false, limit = 8, locale } = {}) {
  const q = String(query || "").toLocaleLowerCase(locale);
  const result = [];
  if (mayAll && "all".startsWith(q)) result.push({ id: "all", name: "all" });
  for (const member of members) {
    if (member.id === me || !member.name) continue;
    const name = member.name.toLocaleLowerCase(locale);
    if (!q || name.startsWith(q) || name.split(/\s+/).some((part) => part.startsWith(q))) result.push(member);
    if (result.length >= limit) break;
  }
  return result;
}

/** The text with the `@query` at `start` replaced by `@Name `; `{value, caret}`. */
export function applyMention(value, start, caret, name) {
  const inserted = "@" + name + " ";
  return { value: value.slice(0, start) + inserted + value.slice(caret), caret: start + inserted.length };
}

/** The picked users whose `@Name` is still in the text (ids, ascending). */
export function mentionedIds(body, picked) {
  const ids = [];
  for (const [id, name] of picked) if (id !== "all" && String(body).includes("@" + name)) ids.push(id);
  return ids.sort((a, b) => a - b);
}
