// Typing (campus/static/js/chat/typing.js): others' typing fades after 6 s unless repeated; this
// user's is announced at most every 3 s and withdrawn when idle, on sending or elsewhere.
// Also the page's strings (config.js).

import assert from "node:assert/strict";
import { test } from "node:test";

import { TYPING_IDLE_MS, TYPING_REPEAT_MS, TYPING_SHOWN_MS, timeFormats, translator } from "../../campus/static/js/chat/config.js";
import { Typing } from "../../campus/static/js/chat/typing.js";
import { FakeTimers } from "./fakes.mjs";

function tracker() {
  const timers = new FakeTimers();
  const emitted = [];
  const changes = [];
  const link = { online: true };
  const typing = new Typing({
    emit: (payload) => emitted.push(payload), connected: () => link.online,
    onChange: (chatId) => changes.push(chatId), timers, now: () => timers.now,
  });
  return { typing, timers, emitted, changes, link };
}

test("others' typing shows for at most 6 s unless repeated", () => {
  const { typing, timers, changes } = tracker();
  assert.equal(TYPING_SHOWN_MS, 6000);
  typing.received(7, 2, true);
  timers.advance(4000);
  typing.received(7, 2, true);   // repeated at 4 s
  typing.received(7, 3, true);
  timers.advance(3000);          // 7 s: the first would have faded
  assert.deepEqual(typing.typists(7), [2, 3]);
  timers.advance(3001);
  assert.deepEqual(typing.typists(7), []);
  assert.ok(changes.length >= 4 && changes.every((chatId) => chatId === 7));
});

test("typing false, a message from the typist, or a lost connection end it", () => {
  const { typing } = tracker();
  typing.received(7, 2, true);
  typing.received(7, 2, false);
  assert.deepEqual(typing.typists(7), []);
  typing.received(7, 2, true);
  assert.equal(typing.stopped(7, 2), true);
  assert.equal(typing.stopped(7, 2), false);
  typing.received(7, 3, true);
  typing.received(8, 3, true);
  typing.clearAll();
  assert.deepEqual([typing.typists(7), typing.typists(8)], [[], []]);
});

test("this user's typing is announced at most every 3 s and withdrawn after 4 s idle", () => {
  const { typing, timers, emitted } = tracker();
  typing.note(7);
  timers.advance(1000);
  typing.note(7);
  assert.deepEqual(emitted, [{ chat_id: 7, typing: true }]);
  timers.advance(TYPING_REPEAT_MS);
  typing.note(7);
  assert.equal(emitted.length, 2);
  timers.advance(TYPING_IDLE_MS);
  assert.deepEqual(emitted.at(-1), { chat_id: 7, typing: false });
  assert.equal(typing.announcing, null);
});

test("typing in another chat withdraws the first; nothing is announced while disconnected", () => {
  const { typing, emitted, link } = tracker();
  typing.note(7);
  typing.note(8);
  assert.deepEqual(emitted, [{ chat_id: 7, typing: true }, { chat_id: 7, typing: false }, { chat_id: 8, typing: true }]);
  typing.stop();
  link.online = false;
  typing.note(8);
  typing.stop();
  assert.equal(emitted.length, 4);
});

test("strings fill their {slots}; a missing string shows its key", () => {
  const t = translator({ typing_many: "{names} are typing…", last_seen: "last seen {time}" });
  assert.equal(t("typing_many", { names: "Ann, Bob" }), "Ann, Bob are typing…");
  assert.equal(t("last_seen", { time: "{time}" }), "last seen {time}");
  assert.equal(t("no_such_string"), "no_such_string");
});

test("times: today's as a time of day, older ones with their date", () => {
  const times = timeFormats("en-GB");
  const now = new Date(2026, 0, 2, 12, 0);
  assert.equal(times.short(new Date(2026, 0, 2, 9, 5), now), "09:05");
  assert.notEqual(times.short(new Date(2026, 0, 1, 9, 5), now), "09:05");
  assert.equal(times.parse("not a time"), null);
  assert.equal(times.parse(null), null);
  assert.equal(times.parse("2026-01-01T00:00:00Z").getTime(), Date.UTC(2026, 0, 1));
});
