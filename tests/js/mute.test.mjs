// Muting a chat (campus/static/js/chat/mute.js): which messages may still notify.

import assert from "node:assert/strict";
import { test } from "node:test";

import { noticeAllowed } from "../../campus/static/js/chat/mute.js";

const ME = 7;
const plain = { sender_id: 3, body: "hello", mentions: [], mentions_all: false };

test("a chat that is not muted lets every message notify", () => {
  assert.equal(noticeAllowed({ muted: false }, plain, ME), true);
});

test("a muted chat keeps plain messages and mentions of others quiet", () => {
  assert.equal(noticeAllowed({ muted: true }, plain, ME), false);
  assert.equal(noticeAllowed({ muted: true }, { ...plain, mentions: [4] }, ME), false);
});

test("a mention of me or @all passes the mute", () => {
  assert.equal(noticeAllowed({ muted: true }, { ...plain, mentions: [4, ME] }, ME), true);
  assert.equal(noticeAllowed({ muted: true }, { ...plain, mentions_all: true }, ME), true);
});

test("a deleted mention, or my own @all, does not", () => {
  assert.equal(noticeAllowed({ muted: true }, { ...plain, mentions: [ME], deleted_at: "2026-12-06T10:00:00Z" }, ME), false);
  assert.equal(noticeAllowed({ muted: true }, { ...plain, sender_id: ME, mentions_all: true }, ME), false);
});
