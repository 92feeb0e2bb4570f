// The chat page's store (campus/static/js/chat/store.js): upserts by id and rev, seq order,
// cursors and gaps, unread counts and read markers.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { translator } from "../../campus/static/js/chat/config.js";
import { ChatStore } from "../../campus/static/js/chat/store.js";
import { STRINGS } from "./fakes.mjs";

const ME = 1;
const BOB = 2;

function newStore() {
  return new ChatStore({ me: { id: ME, first_name: "Ann", last_name: "Lee" }, t: translator(STRINGS), now: () => new Date("2026-01-01T00:00:00Z") });
}

function message(seq, fields = {}) {
  return {
    id: 100 + seq, chat_id: 7, seq, rev: seq + 1, sender_id: BOB, client_id: "c" + seq, body: "message " + seq,
    attachment: null, reply_to: null, created_at: `2026-01-01T10:00:${String(seq).padStart(2, "0")}.000000Z`,
    edited_at: null, deleted_at: null, ...fields,
  };
}

/** A store holding chat 7 (rev 1, no messages yet) with its conversation loaded. */
function withOpenChat() {
  const store = newStore();
  const chat = store.applyChat({ id: 7, type: "group", title: "Study group", members: [{ user_id: ME, role: "owner" }, { user_id: BOB, role: "member" }], last_seq: 0, rev: 1 });
  store.mergeLatest(chat, []);
  return { store, chat };
}

const heldBodies = (chat) => Array.from(chat.messages.keys()).sort((a, b) => a - b).map((seq) => chat.messages.get(seq).body);

describe("applyChat", () => {
  test("a listed chat brings its members, roles, read markers, cursor and unread count", () => {
    const store = newStore();
    const chat = store.applyChat({
      id: 7, type: "group", title: "Study group", kind: null, last_seq: 5, rev: 9, unread: 2, last_read_seq: 3,
      members: [
        { user_id: ME, role: "admin", first_name: "Ann", last_name: "Lee", last_read_seq: 3, online: true },
        { user_id: BOB, role: "member", first_name: "Bob", last_name: "Orlov", last_read_seq: 5, online: false, last_seen: "2026-01-01T09:00:00Z" },
      ],
      last_message: message(5, { rev: 9 }),
    }, { fromList: true });
    assert.equal(chat.cursor, 9);
    assert.equal(chat.lastSeq, 5);
    assert.equal(chat.unread, 2);
    assert.equal(chat.myRead, 3);
    assert.equal(chat.myRole, "admin");
    assert.equal(chat.readMarkers.get(BOB), 5);
    assert.equal(chat.lastMessage.seq, 5);
    assert.equal(store.userName(BOB), "Bob Orlov");
    assert.deepEqual(store.presence.get(BOB), { online: false, last_seen: "2026-01-01T09:00:00Z" });
    assert.ok(store.canManage(chat));
  });

  test("read markers never move back", () => {
    const store = newStore();
    store.applyChat({ id: 7, members: [{ user_id: BOB, role: "member", last_read_seq: 5 }] });
    const chat = store.applyChat({ id: 7, members: [{ user_id: BOB, role: "member", last_read_seq: 2 }] });
    assert.equal(chat.readMarkers.get(BOB), 5);
  });

  test("a private chat is named after the other member, a chat with oneself is Saved messages", () => {
    const store = newStore();
    const withBob = store.applyChat({ id: 1, type: "private", members: [{ user_id: ME }, { user_id: BOB, first_name: "Bob" }] });
    const alone = store.applyChat({ id: 2, type: "private", members: [{ user_id: ME }] });
    assert.equal(store.chatName(withBob), "Bob");
    assert.equal(store.privatePartner(withBob), BOB);
    assert.equal(store.chatName(alone), "Saved messages");
    assert.equal(store.userName(ME), "You");
    assert.equal(store.userName(99), "User 99");
  });

  test("an older state of the last message in a list does not replace the newer one held", () => {
    const { store, chat } = withOpenChat();
    store.applyMessage(message(1, { rev: 5, body: "edited" }), { live: true });
    store.applyChat({ id: 7, rev: 5, last_message: message(1, { rev: 2, body: "original" }) }, { fromList: true });
    assert.equal(chat.lastMessage.body, "edited");
  });
});

describe("applyMessage: upsert by id and rev", () => {
  test("messages are held by seq whatever order they arrive in", () => {
    const { store, chat } = withOpenChat();
    for (const seq of [2, 1, 3]) store.applyMessage(message(seq));
    assert.deepEqual(heldBodies(chat), ["message 1", "message 2", "message 3"]);
    assert.equal(chat.lastSeq, 3);
    assert.equal(chat.lastMessage.seq, 3);
  });

  test("the same message twice (ack, broadcast, sync) is held once and counted once", () => {
    const { store, chat } = withOpenChat();
    const first = store.applyMessage(message(1), { live: true });
    const again = store.applyMessage(message(1), { live: true });
    assert.equal(chat.messages.size, 1);
    assert.equal(first.isNew, true);
    assert.equal(again.isNew, false);
    assert.equal(chat.unread, 1);
  });

  test("an edit replaces the message; an older rev arriving later does not undo it", () => {
    const { store, chat } = withOpenChat();
    store.applyMessage(message(1, { rev: 2 }), { live: true });
    const edit = store.applyMessage(message(1, { rev: 3, body: "fixed", edited_at: "2026-01-01T10:05:00Z" }), { live: true });
    const stale = store.applyMessage(message(1, { rev: 2, body: "message 1" }));
    assert.equal(edit.stored, true);
    assert.equal(stale.stored, false);
    assert.equal(chat.messages.get(1).body, "fixed");
    assert.equal(chat.lastMessage.body, "fixed");
  });

  test("an edit that overtakes the message itself is kept when the message arrives", () => {
    const { store, chat } = withOpenChat();
    store.applyMessage(message(1, { rev: 4, body: "fixed" }));
    store.applyMessage(message(1, { rev: 2 }));
    assert.equal(chat.messages.get(1).body, "fixed");
  });

  test("a deletion keeps the message's place without its body and is not unread news", () => {
    const { store, chat } = withOpenChat();
    store.applyMessage(message(1), { live: true });
    store.applyMessage(message(2), { live: true });
    store.applyMessage(message(2, { rev: 5, body: null, deleted_at: "2026-01-01T11:00:00Z" }), { live: true });
    assert.equal(chat.messages.size, 2);
    assert.equal(chat.messages.get(2).body, null);
    assert.ok(chat.messages.get(2).deleted_at);
    const deletedOnArrival = store.applyMessage(message(3, { rev: 6, body: null, deleted_at: "2026-01-01T11:00:00Z" }));
    assert.equal(deletedOnArrival.notify, false);
    assert.equal(chat.unread, 2);
  });

  test("a message of a chat not held is not applied", () => {
    assert.equal(newStore().applyMessage(message(1)), null);
  });

  test("a message older than the loaded window is not held (history loads it in order)", () => {
    const { store, chat } = withOpenChat();
    store.mergeLatest(chat, [message(10), message(11)]);
    assert.equal(store.applyMessage(message(3)).stored, false);
    assert.deepEqual(Array.from(chat.messages.keys()).sort(), [10, 11]);
  });

  test("a chat whose conversation is not loaded keeps only its last message and counts", () => {
    const store = newStore();
    const chat = store.applyChat({ id: 7, members: [], rev: 1 });
    const result = store.applyMessage(message(1), { live: true });
    assert.equal(result.stored, false);
    assert.equal(chat.messages, null);
    assert.equal(chat.lastMessage.seq, 1);
    assert.equal(chat.unread, 1);
  });
});

describe("gaps and cursors", () => {
  test("a live seq that is not the next one is a gap until the missing ones arrive", () => {
    const { store, chat } = withOpenChat();
    assert.equal(store.applyMessage(message(1, { rev: 2 }), { live: true }).gap, false);
    const skipped = store.applyMessage(message(4, { rev: 5 }), { live: true });
    assert.equal(skipped.gap, true);
    assert.deepEqual(Array.from(chat.missingSeqs).sort(), [2, 3]);
    assert.ok(store.hasGap(chat));
    store.applyMessage(message(2, { rev: 3 }), { live: true });
    store.applyMessage(message(3, { rev: 4 }), { live: true });
    assert.equal(store.hasGap(chat), false);
    assert.equal(chat.cursor, 5);
  });

  test("messages from a sync answer or a history page are not checked for gaps", () => {
    const { store, chat } = withOpenChat();
    assert.equal(store.applyMessage(message(5, { rev: 9 })).gap, false);
    assert.equal(store.hasGap(chat), false);
    assert.equal(chat.cursor, 1);
  });

  test("a rev that skips ahead (a missed edit) is a gap; the cursor only moves over what is held without holes", () => {
    const store = newStore();
    const chat = store.applyChat({ id: 7, members: [], rev: 10 });
    assert.equal(store.noteRev(chat, 11), false);
    assert.equal(chat.cursor, 11);
    assert.equal(store.noteRev(chat, 13), true);
    assert.equal(chat.cursor, 11);
    assert.equal(store.noteRev(chat, 12), false);
    assert.equal(chat.cursor, 13);
    assert.equal(store.noteRev(chat, 13), false);   // a repeat is no news
    assert.equal(store.hasGap(chat), false);
  });

  test("a sync answer's rev moves the cursor over everything below it", () => {
    const store = newStore();
    const chat = store.applyChat({ id: 7, members: [], rev: 10 });
    store.noteRev(chat, 14);
    store.noteRev(chat, 16);
    store.advanceCursor(chat, 15);
    assert.equal(chat.cursor, 16);
    assert.equal(chat.revsAhead.size, 0);
  });

  test("a reset starts the chat over from the server's state", () => {
    const { store, chat } = withOpenChat();
    store.applyMessage(message(4, { rev: 9 }), { live: true });
    store.resetChat(chat, { id: 7, title: "Restored", members: [], last_seq: 2, rev: 3 });
    assert.equal(chat.messages, null);
    assert.equal(chat.cursor, 3);
    assert.equal(chat.title, "Restored");
    assert.equal(store.hasGap(chat), false);
  });
});

describe("unread counts and read markers", () => {
  test("others' new messages are unread unless the chat is on screen; one's own never are", () => {
    const { store, chat } = withOpenChat();
    assert.equal(store.applyMessage(message(1)).notify, true);
    assert.equal(store.applyMessage(message(2, { sender_id: ME })).notify, false);
    const seen = store.applyMessage(message(3), { viewing: true });
    assert.equal(seen.read, true);
    assert.equal(seen.notify, false);
    assert.equal(chat.unread, 1);
    assert.equal(store.totalUnread(), 1);
  });

  test("markRead moves the read marker to the highest held seq, once", () => {
    const { store, chat } = withOpenChat();
    store.applyMessage(message(1));
    store.applyMessage(message(2));
    assert.equal(store.markRead(chat), 2);
    assert.equal(chat.unread, 0);
    assert.equal(chat.myRead, 2);
    assert.equal(store.markRead(chat), null);
  });

  test("markRead up to what is shown: the marker stops there, the rest stays unread", () => {
    const { store, chat } = withOpenChat();
    for (const seq of [1, 2, 3, 4]) store.applyMessage(message(seq));
    chat.unread = 4;
    store.applyMessage(message(5, { sender_id: ME }));
    assert.equal(store.markRead(chat, 2), 2);
    assert.deepEqual([chat.myRead, chat.unread], [2, 2]);
    assert.equal(store.markRead(chat, 2), null);
    assert.equal(store.markRead(chat, 0), null);   // nothing on screen: nothing read
    assert.equal(store.markRead(chat, 5), 5);
    assert.deepEqual([chat.myRead, chat.unread], [5, 0]);
  });

  test("read events: one's own (another tab) clears the count, others' turn ticks into seen", () => {
    const { store, chat } = withOpenChat();
    store.applyMessage(message(1, { sender_id: ME }));
    store.applyMessage(message(2));
    assert.equal(store.ownStatus(chat, chat.messages.get(1)), "sent");
    assert.deepEqual(store.applyRead({ chat_id: 7, user_id: BOB, seq: 1 }), { chat, mine: false });
    assert.equal(store.ownStatus(chat, chat.messages.get(1)), "seen");
    store.applyRead({ chat_id: 7, user_id: ME, seq: 2 });
    assert.equal(chat.unread, 0);
    assert.equal(store.applyRead({ chat_id: 99, user_id: BOB, seq: 1 }), null);
  });

  test("in a group, seen by says which current members read it", () => {
    const { store, chat } = withOpenChat();
    chat.members = [{ user_id: ME }, { user_id: BOB }, { user_id: 3 }, { user_id: 4 }];
    store.applyMessage(message(1, { sender_id: ME }));
    assert.deepEqual(store.seenBy(chat, chat.messages.get(1)), []);
    store.applyRead({ chat_id: 7, user_id: 4, seq: 1 });
    store.applyRead({ chat_id: 7, user_id: BOB, seq: 3 });
    store.applyRead({ chat_id: 7, user_id: 99, seq: 3 });   // no longer a member
    assert.deepEqual(store.seenBy(chat, chat.messages.get(1)), [BOB, 4]);
  });
});

describe("history pages", () => {
  test("the newest page and older pages fill the conversation in seq order", () => {
    const { store, chat } = withOpenChat();
    store.mergeLatest(chat, [message(3), message(4)]);
    assert.equal(chat.firstSeq, 3);
    assert.equal(chat.lastSeq, 4);
    assert.ok(store.hasOlder(chat));
    store.mergeOlder(chat, [message(1), message(2)]);
    assert.equal(chat.firstSeq, 1);
    assert.deepEqual(heldBodies(chat), ["message 1", "message 2", "message 3", "message 4"]);
    assert.equal(store.hasOlder(chat), false);
  });

  test("an empty older page means the history starts here", () => {
    const { store, chat } = withOpenChat();
    store.mergeLatest(chat, [message(30)]);
    store.mergeOlder(chat, []);
    assert.equal(chat.firstSeq, 1);
    assert.equal(store.hasOlder(chat), false);
  });

  test("a page does not undo a newer state already held", () => {
    const { store, chat } = withOpenChat();
    store.applyMessage(message(1, { rev: 8, body: "fixed" }));
    store.mergeLatest(chat, [message(1, { rev: 2 })]);
    assert.equal(chat.messages.get(1).body, "fixed");
  });
});

describe("the chat list", () => {
  test("chats are ordered by most recent activity; a removed chat is gone", () => {
    const store = newStore();
    store.applyChat({ id: 1, members: [], last_message: { ...message(1), chat_id: 1, created_at: "2026-01-01T08:00:00Z" } });
    store.applyChat({ id: 2, members: [], last_message: { ...message(1), chat_id: 2, created_at: "2026-01-01T09:00:00Z" } });
    store.applyChat({ id: 3, members: [] });   // no messages: when the page learned of it
    assert.deepEqual(store.sortedChats().map((chat) => chat.id), [2, 1, 3]);
    assert.equal(store.removeChat(2).id, 2);
    assert.equal(store.removeChat(2), null);
    assert.deepEqual(store.sortedChats().map((chat) => chat.id), [1, 3]);
  });

  test("a listed chat without messages goes after those with activity, whenever the page loaded", () => {
    let clock = new Date("2030-01-01T00:00:00Z");
    const store = new ChatStore({ me: { id: ME }, t: (key) => key, now: () => clock });
    store.applyChat({ id: 5, members: [], last_message: null }, { fromList: true });
    store.applyChat({ id: 1, members: [], last_message: { ...message(1), chat_id: 1, created_at: "2026-01-01T08:00:00Z" } }, { fromList: true });
    assert.deepEqual(store.sortedChats().map((chat) => chat.id), [1, 5]);
    clock = new Date("2031-01-01T00:00:00Z");
    store.applyChat({ id: 9, members: [] });   // created while the page is open: new, first
    assert.deepEqual(store.sortedChats().map((chat) => chat.id), [9, 1, 5]);
  });
});
