/* Campus chat page: who is typing where, and announcing that this user types.
 *
 * Others' `typing` shows for at most TYPING_SHOWN_MS unless repeated (docs/protocol.md); this
 * user's typing is announced at most every TYPING_REPEAT_MS while they type and withdrawn after
 * TYPING_IDLE_MS without input, on sending, or on leaving the chat.
 *
 * No DOM and no socket: `emit(payload)` and `connected()` are passed in. */

import { TYPING_IDLE_MS, TYPING_REPEAT_MS, TYPING_SHOWN_MS } from "./config.js";

export class Typing {
  /** `onChange(chatId)` runs whenever the chat's list of typists changes. */
  constructor({ emit, connected, onChange = () => {}, timers = globalThis, now = Date.now }) {
    this.emit = emit;
    this.connected = connected;
    this.onChange = onChange;
    this.timers = timers;
    this.now = now;
    this.others = new Map();   // chat id → Map user id → fading timer
    this.announcing = null;    // the chat this user is announced as typing in
    this.sentAt = 0;
    this.idleTimer = null;
  }

  /* ---------- others ---------- */

  /** A `typing` event from another member. */
  received(chatId, userId, typing) {
    const users = this.others.get(chatId) || new Map();
    this.others.set(chatId, users);
    this.timers.clearTimeout(users.get(userId));
    if (typing) {
      users.set(userId, this.timers.setTimeout(() => {
        users.delete(userId);
        this.onChange(chatId);
      }, TYPING_SHOWN_MS));
    } else {
      users.delete(userId);
    }
    this.onChange(chatId);
  }

  /** `userId`'s message arrived: they stopped typing. True if they were shown typing. */
  stopped(chatId, userId) {
    const users = this.others.get(chatId);
    if (!users || !users.has(userId)) return false;
    this.timers.clearTimeout(users.get(userId));
    users.delete(userId);
    return true;
  }

  /** The connection is gone: nobody's typing can be trusted any more. */
  clearAll() {
    for (const [chatId, users] of this.others) {
      for (const timer of users.values()) this.timers.clearTimeout(timer);
      users.clear();
      this.onChange(chatId);
    }
  }

  /** User ids shown typing in a chat, in the order they started. */
  typists(chatId) {
    return Array.from((this.others.get(chatId) || new Map()).keys());
  }

  /* ---------- this user ---------- */

  /** The user typed in `chatId`. */
  note(chatId) {
    if (!chatId || !this.connected()) return;
    const now = this.now();
    if (this.announcing !== chatId || now - this.sentAt > TYPING_REPEAT_MS) {
      if (this.announcing && this.announcing !== chatId) this.stop();
      this.announcing = chatId;
      this.sentAt = now;
      this.emit({ chat_id: chatId, typing: true });
    }
    this.timers.clearTimeout(this.idleTimer);
    this.idleTimer = this.timers.setTimeout(() => this.stop(), TYPING_IDLE_MS);
  }

  /** The user stopped typing (idle, sent, left the chat, emptied the box). */
  stop() {
    this.timers.clearTimeout(this.idleTimer);
    if (this.announcing && this.connected()) this.emit({ chat_id: this.announcing, typing: false });
    this.announcing = null;
    this.sentAt = 0;
  }
}
