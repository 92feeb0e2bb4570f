// The chat page's JSON API client (campus/static/js/chat/api.js) against a fake fetch: the CSRF
// header on writes, refreshing the access cookie ahead of expiry and on token_expired, errors.

import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError, createApi } from "../../campus/static/js/chat/api.js";
import { FakeTimers, flush } from "./fakes.mjs";

const CSRF = { access_cookie: "csrf_access_token", refresh_cookie: "csrf_refresh_token", access_header: "X-CSRF-TOKEN", refresh_header: "X-CSRF-REFRESH" };

function response(status, body) {
  return { status, ok: status >= 200 && status < 300, json: async () => (body === undefined ? Promise.reject(new Error("no body")) : body) };
}

/** An API whose fetch answers from `answers` (a list of [status, body], in order). */
function apiWith(answers, { expiresIn = 900, lifetime = 900 } = {}) {
  const timers = new FakeTimers();
  const requests = [];
  let signedOut = 0;
  const fetch = async (url, options) => {
    requests.push({ url, ...options });
    const [status, body] = answers.shift();
    return response(status, body);
  };
  const api = createApi({
    base: "/api/v1", access: { expires_in: expiresIn, lifetime }, csrf: CSRF, cookie: (name) => "cookie:" + name,
    onSignedOut: () => { signedOut += 1; }, fetch, now: () => timers.now, timers,
  });
  return { api, requests, timers, signedOut: () => signedOut };
}

test("reads carry no CSRF header; writes carry the access CSRF value and a JSON body", async () => {
  const { api, requests } = apiWith([[200, { id: 1 }], [201, { id: 2 }], [204]]);
  assert.deepEqual(await api.request("GET", "/chats/1"), { id: 1 });
  assert.deepEqual(await api.request("POST", "/chats", { type: "private", user_id: 2 }), { id: 2 });
  assert.equal(await api.request("DELETE", "/chats/1/members/1"), null);
  assert.equal(requests[0].url, "/api/v1/chats/1");
  assert.equal(requests[0].headers["X-CSRF-TOKEN"], undefined);
  assert.equal(requests[1].headers["X-CSRF-TOKEN"], "cookie:csrf_access_token");
  assert.equal(requests[1].headers["Content-Type"], "application/json");
  assert.equal(requests[1].body, JSON.stringify({ type: "private", user_id: 2 }));
  assert.equal(requests[1].credentials, "same-origin");
});

test("an error answer becomes an ApiError with the body's code and message", async () => {
  const { api } = apiWith([[404, { error: { code: "not_found", message: "Chat not found." } }], [500]]);
  await assert.rejects(api.request("GET", "/chats/9"), (error) => error instanceof ApiError && error.status === 404 && error.code === "not_found" && error.message === "Chat not found.");
  await assert.rejects(api.request("GET", "/chats/9"), { status: 500, code: "http_500", message: "HTTP 500" });
});

test("a token_expired answer refreshes once and repeats the request", async () => {
  const { api, requests, signedOut } = apiWith([[401, { error: { code: "token_expired" } }], [200, {}], [200, { items: [] }]]);
  assert.deepEqual(await api.request("GET", "/users?q=a"), { items: [] });
  assert.deepEqual(requests.map((request) => request.url), ["/api/v1/users?q=a", "/api/v1/auth/refresh", "/api/v1/users?q=a"]);
  assert.equal(requests[1].headers["X-CSRF-REFRESH"], "cookie:csrf_refresh_token");
  assert.equal(signedOut(), 0);
});

test("a 401 that a refresh cannot cure signs the page out", async () => {
  const revoked = apiWith([[401, { error: { code: "token_revoked" } }]]);
  await assert.rejects(revoked.api.request("GET", "/chats"), { code: "token_revoked" });
  assert.equal(revoked.signedOut(), 1);
  const refused = apiWith([[401, { error: { code: "token_expired" } }], [401, {}]]);
  await assert.rejects(refused.api.request("GET", "/chats"), { code: "token_expired" });
  assert.equal(refused.signedOut(), 1);
});

test("the access cookie is refreshed ahead of its expiry, by this page's clock", async () => {
  const { api, requests, timers } = apiWith([[200, {}], [200, {}], [200, {}], [200, {}]], { expiresIn: 300, lifetime: 900 });
  assert.equal(api.accessExpiring(), false);
  timers.advance(241 * 1000);   // within the last minute of its life
  assert.equal(api.accessExpiring(), true);
  await api.request("GET", "/chats/1");
  assert.deepEqual(requests.map((request) => request.url), ["/api/v1/auth/refresh", "/api/v1/chats/1"]);
  assert.equal(api.accessExpiring(), false);   // a fresh cookie lives `lifetime`
  await api.request("GET", "/chats/1");
  assert.equal(requests.length, 3);
});

test("callers at the same time share one refresh", async () => {
  const { api, requests, timers } = apiWith([[200, {}]]);
  const both = await Promise.all([api.refreshAccess(), api.refreshAccess()]);
  assert.deepEqual(both, [true, true]);
  assert.equal(requests.length, 1);
  timers.advance(0);
  await flush();
});

test("all() follows next_cursor through every page", async () => {
  const { api, requests } = apiWith([[200, { items: [1, 2], next_cursor: "a b" }], [200, { items: [3], next_cursor: null }]]);
  assert.deepEqual(await api.all("/chats"), [1, 2, 3]);
  assert.deepEqual(requests.map((request) => request.url), ["/api/v1/chats?limit=100", "/api/v1/chats?limit=100&cursor=a%20b"]);
});
