/* Campus chat page: the JSON API under /api/v1 with the page's cookies (docs/api.md).
 *
 * The access cookie is refreshed ahead of its expiry by this page's clock (an expired token sent
 * anyway would be a 401, which the browser logs as an error), and once more on a
 * `token_expired` answer. No DOM: `fetch`, the cookie reader and the clock are passed in. */

import { LIST_MAX_PAGES, LIST_PAGE_SIZE } from "./config.js";

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || "HTTP " + status);
    this.status = status;
    this.code = error.code || "http_" + status;
  }
}

/**
 * `base`: "/api/v1"; `access`: `{expires_in, lifetime}` in seconds (the page config); `csrf`: the
 * cookie and header names of flask-jwt-extended's double submit; `cookie(name)` reads a cookie;
 * `onSignedOut()` runs when the server no longer takes this page's credentials.
 */
export function createApi({
  base, access, csrf, cookie, onSignedOut = () => {},
  fetch = globalThis.fetch.bind(globalThis), now = Date.now, timers = globalThis,
}) {
  let refreshing = null;
  let accessExpiresAt = now() + access.expires_in * 1000;
  const refreshAheadMs = Math.min(60000, access.lifetime * 250);

  function accessExpiring() {
    return now() >= accessExpiresAt - refreshAheadMs;
  }

  /** POST /auth/refresh with the refresh cookie: a new access cookie. One request at a time. */
  function refreshAccess() {
    if (!refreshing) {
      const headers = { Accept: "application/json" };
      headers[csrf.refresh_header] = cookie(csrf.refresh_cookie);
      const started = now();
      refreshing = fetch(base + "/auth/refresh", { method: "POST", credentials: "same-origin", headers })
        .then((response) => {
          if (response.ok) accessExpiresAt = started + access.lifetime * 1000;
          return response.ok;
        })
        .catch(() => false)
        // Callers in the same turn share this answer; a later one asks again.
        .finally(() => { timers.setTimeout(() => { refreshing = null; }, 0); });
    }
    return refreshing;
  }

  /** One request; the parsed JSON body (null for 204), or an ApiError. */
  async function request(method, path, body) {
    for (let attempt = 0; ; attempt += 1) {
      if (attempt === 0 && accessExpiring()) await refreshAccess();
      const headers = { Accept: "application/json" };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      if (method !== "GET") headers[csrf.access_header] = cookie(csrf.access_cookie);
      const response = await fetch(base + path, {
        method, headers, credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (response.status === 204) return null;
      const data = await response.json().catch(() => null);
      if (response.ok) return data;
      const error = new ApiError(response.status, data);
      if (response.status === 401) {
        if (attempt === 0 && error.code === "token_expired" && await refreshAccess()) continue;
        onSignedOut();
      }
      throw error;
    }
  }

  /** Every item of a list endpoint (`{items, next_cursor}`), page by page (bounded). */
  async function all(path) {
    const items = [];
    let cursor = null;
    for (let page = 0; page < LIST_MAX_PAGES; page += 1) {
      const separator = path.includes("?") ? "&" : "?";
      const data = await request("GET", path + separator + "limit=" + LIST_PAGE_SIZE + (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
      items.push(...data.items);
      cursor = data.next_cursor;
      if (!cursor) break;
    }
    return items;
  }

  return { request, all, refreshAccess, accessExpiring };
}
