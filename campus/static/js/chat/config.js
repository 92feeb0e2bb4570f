/* Campus chat page: the timings and limits it keeps, its translated strings and time formats.
 * No DOM here (Node's tests import every DOM-free module of this folder). */

export const PAGE_SIZE = 50;             // messages per history page
export const LIST_PAGE_SIZE = 100;       // chats per GET /chats page
export const LIST_MAX_PAGES = 50;        // a bound on paging through a list endpoint
export const MAX_BODY = 4000;            // code points in a message body (docs/protocol.md)
export const ACK_TIMEOUT_MS = 10000;
export const TYPING_SHOWN_MS = 6000;     // others' typing shows at most 6 s unless repeated
export const TYPING_REPEAT_MS = 3000;    // re-announce while the user keeps typing
export const TYPING_IDLE_MS = 4000;      // stop announcing after this long without input
export const GAP_SYNC_DELAY_MS = 200;    // let a late broadcast arrive before syncing a gap
export const SYNC_CHUNK = 200;           // chats per `sync` call (the server caps one call at 500)
export const TOKEN_RETRY_PAUSE_MS = 5000;  // at most one refresh per token_expired refusal streak
export const CAPPED_RETRY_MS = 30000;    // a connect refused with too_many_connections is tried again after this
export const RETRYABLE = new Set(["rate_limited", "internal_error", "timeout"]);
export const MAX_AUTOMATIC_TRIES = 3;

/**
 * `t(key, params)`: the page's string for `key` (from `page_strings()` in campus/chat/views.py)
 * with its `{name}` slots filled; the key itself when the server sent no such string.
 */
export function translator(strings) {
  return function t(key, params) {
    let text = strings[key] || key;
    if (params) {
      for (const [name, value] of Object.entries(params)) text = text.split("{" + name + "}").join(String(value));
    }
    return text;
  };
}

/** Times as the reader's locale writes them, in the browser's time zone. */
export function timeFormats(locale) {
  const timeOfDay = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" });
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
  const full = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "medium" });
  return {
    /** An ISO 8601 string → Date, or null. */
    parse(value) {
      if (!value) return null;
      const date = new Date(value);
      return isNaN(date) ? null : date;
    },
    /** Local time of day for today's times, date and time otherwise. */
    short(date, now = new Date()) {
      return date.toDateString() === now.toDateString() ? timeOfDay.format(date) : dateTime.format(date);
    },
    full(date) {
      return full.format(date);
    },
  };
}
