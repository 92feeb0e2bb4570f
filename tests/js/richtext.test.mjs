// What a message's text turns into on the chat page (campus/static/js/chat/richtext.js): links,
// mentions, system lines, reactions, and the `@` autocomplete's text handling.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  applyMention, lengthState, linkify, mentionCandidates, mentionedIds, mentionQuery, mentionsMe, reactionChips,
  reactionToggle, REACTIONS, safeHref, segments, systemText,
} from "../../campus/static/js/chat/richtext.js";
import { translator } from "../../campus/static/js/chat/config.js";

const t = translator({
  someone: "someone",
  system_member_added: "{actor} added {user}",
  system_member_removed: "{actor} removed {user}",
  system_member_left: "{actor} left",
  system_renamed: "{actor} renamed the group to “{title}”",
});

test("http, https and mailto addresses become links; sentence punctuation stays text", () => {
  assert.deepEqual(linkify("See https://example.org/a?b=1. Or mail mailto:ann@example.org!"), [
    { text: "See " },
    { text: "https://example.org/a?b=1", href: "https://example.org/a?b=1" },
    { text: ". Or mail " },
    { text: "mailto:ann@example.org", href: "mailto:ann@example.org" },
    { text: "!" },
  ]);
  assert.deepEqual(linkify("(https://en.wikipedia.org/wiki/Rust_(language))"), [
    { text: "(" },
    { text: "https://en.wikipedia.org/wiki/Rust_(language)", href: "https://en.wikipedia.org/wiki/Rust_(language)" },
    { text: ")" },
  ]);
});

test("nothing but http(s) and mailto is ever a link", () => {
  for (const body of ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://example.org", "www.example.org", "<a href=x>"]) {
    assert.deepEqual(linkify(body), [{ text: body }], body);
  }
  assert.equal(safeHref("javascript:alert(1)"), null);
  assert.equal(safeHref("http://[::1"), null);
  assert.deepEqual(linkify(""), []);
});

test("mentions of named members and @all are marked, longest names first", () => {
  const names = [{ id: 2, name: "Ann" }, { id: 3, name: "Ann Lee" }];
  assert.deepEqual(segments("hi @Ann Lee and @Ann, @all: see http://x.org/@Ann", { names, all: true }), [
    { text: "hi " },
    { text: "@Ann Lee", mention: 3 },
    { text: " and " },
    { text: "@Ann", mention: 2 },
    { text: ", " },
    { text: "@all", mention: "all" },
    { text: ": see " },
    { text: "http://x.org/@Ann", href: "http://x.org/@Ann" },
  ]);
  assert.deepEqual(segments("mail me@all.org", { all: true }), [{ text: "mail me@all.org" }]);
  assert.deepEqual(segments("@all", { all: false }), [{ text: "@all" }]);
});

test("a message mentions me by id or with @all, never my own or a deleted one", () => {
  assert.equal(mentionsMe({ sender_id: 1, mentions: [5] }, 5), true);
  assert.equal(mentionsMe({ sender_id: 1, mentions: [], mentions_all: true }, 5), true);
  assert.equal(mentionsMe({ sender_id: 1, mentions: [6] }, 5), false);
  assert.equal(mentionsMe({ sender_id: 5, mentions_all: true }, 5), false);
  assert.equal(mentionsMe({ sender_id: 1, mentions: [5], deleted_at: "x" }, 5), false);
  assert.equal(mentionsMe({ sender_id: 1 }, 5), false);
});

test("system lines are told in the reader's words; unknown ones are empty", () => {
  assert.equal(systemText({ action: "member_added", actor_name: "Ann", user_name: "Bob" }, t), "Ann added Bob");
  assert.equal(systemText({ action: "member_removed", actor_name: "Ann", user_name: "Bob" }, t), "Ann removed Bob");
  assert.equal(systemText({ action: "member_left", actor_name: "Bob" }, t), "Bob left");
  assert.equal(systemText({ action: "renamed", actor_name: "Ann", title: "<b>Lab</b>" }, t), "Ann renamed the group to “<b>Lab</b>”");
  assert.equal(systemText({ action: "member_left" }, t), "someone left");
  assert.equal(systemText({ action: "exploded" }, t), "");
  assert.equal(systemText(null, t), "");
});

test("reaction chips say which are mine; a press adds or takes back", () => {
  const message = { reactions: [{ emoji: "👍", count: 2, user_ids: [1, 5] }, { emoji: "🎉", count: 1, user_ids: [1] }] };
  assert.deepEqual(reactionChips(message, 5).map((r) => [r.emoji, r.count, r.mine]), [["👍", 2, true], ["🎉", 1, false]]);
  assert.equal(reactionToggle(message, "👍", 5), false);
  assert.equal(reactionToggle(message, "🎉", 5), true);
  assert.equal(reactionToggle({}, "😂", 5), true);
  assert.deepEqual(reactionChips({}, 5), []);
  assert.equal(REACTIONS.length, 8);
});

test("the @word before the caret is the autocomplete's query", () => {
  assert.deepEqual(mentionQuery("hi @an", 6), { start: 3, query: "an" });
  assert.deepEqual(mentionQuery("@", 1), { start: 0, query: "" });
  assert.deepEqual(mentionQuery("(@Бо", 4), { start: 1, query: "Бо" });
  assert.equal(mentionQuery("mail me@an", 10), null);
  assert.equal(mentionQuery("hi @an there", 12), null);
  assert.deepEqual(mentionQuery("hi @an there", 6), { start: 3, query: "an" });
});

test("candidates match first, last or full names in any case; never me; @all only when allowed", () => {
  const members = [{ id: 1, name: "Ann Lee" }, { id: 2, name: "Bob Annenkov" }, { id: 3, name: "Борис Орлов" }];
  assert.deepEqual(mentionCandidates(members, "ann", { me: 9 }).map((m) => m.id), [1, 2]);
  assert.deepEqual(mentionCandidates(members, "ОР", { me: 9 }).map((m) => m.id), [3]);
  assert.deepEqual(mentionCandidates(members, "", { me: 1 }).map((m) => m.id), [2, 3]);
  assert.deepEqual(mentionCandidates(members, "a", { me: 9, mayAll: true }).map((m) => m.id), ["all", 1, 2]);
  assert.deepEqual(mentionCandidates(members, "a", { me: 9 }).map((m) => m.id), [1, 2]);
  assert.equal(mentionCandidates(members, "", { me: 9, limit: 2 }).length, 2);
});

test("picking a candidate writes @Name; only names still in the text are sent", () => {
  assert.deepEqual(applyMention("hi @an!", 3, 6, "Ann Lee"), { value: "hi @Ann Lee !", caret: 12 });
  const picked = new Map([[7, "Ann Lee"], [3, "Bob"], ["all", "all"]]);
  assert.deepEqual(mentionedIds("@Bob and @Ann Lee", picked), [3, 7]);
  assert.deepEqual(mentionedIds("@Bo", picked), []);
});

test("the counter shows from 90 % of the limit; over it the message is refused, counted in code points", () => {
  assert.deepEqual(lengthState("a".repeat(3599), 4000), { length: 3599, left: 401, show: false, over: false });
  assert.deepEqual(lengthState("a".repeat(3600), 4000), { length: 3600, left: 400, show: true, over: false });
  assert.deepEqual(lengthState("a".repeat(4000), 4000).over, false);
  assert.deepEqual(lengthState("a".repeat(5000), 4000), { length: 5000, left: -1000, show: true, over: true });
  assert.equal(lengthState("😀".repeat(4000), 4000).over, false);   // 8000 UTF-16 units, 4000 code points
});
