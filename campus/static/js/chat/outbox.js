/* Campus chat page: messages written but not yet acknowledged (docs/protocol.md, send_message).
 *
 * Each gets its client_id when the user presses Send and keeps it: every resend (after a timeout,
 * a reconnect, a reload of the tab, the Retry button) carries the same one, so the server stores
 * it once. The outbox sends one message at a time, in the order written: the server numbers
 * concurrent sends of one socket in any order, so the next goes only after the previous one's
 * ack. An ack error that may pass later (rate_limited, internal_error, no answer) is retried a
 * few times; one that never will (validation_error, too_large, forbidden, not_found) — or too
 * many retries — marks the message failed, to be retried by hand.
 *
 * No DOM and no socket: `attach()` gives it a way to send; storage is passed in. */

import { MAX_AUTOMATIC_TRIES, RETRYABLE } from "./config.js";

export function newClientId(crypto = globalThis.crypto) {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Outbox {
  /**
   * `storage` (sessionStorage or null) keeps the entries under `key` across reloads of the tab;
   * `newId()` makes client ids.
   */
  constructor({ storage = null, key = "campus-chat-outbox", newId = newClientId, timers = globalThis, now = () => new Date() } = {}) {
    this.storage = storage;
    this.key = key;
    this.newId = newId;
    this.timers = timers;
    this.now = now;
    this.entries = new Map();   // client_id → {client_id, chat_id, body, created_at, status, error, tries}
    this.inFlight = null;
    this.ready = false;         // set once the reconnect procedure has run (step 5 resends)
    this.link = null;
  }

  /**
   * `emit(payload, callback(err, ack))` sends `send_message` with an ack timeout;
   * `connected()`; `acked(message, entry)` applies an acknowledged message and settles the entry;
   * `failed(entry)` shows an entry that will not be sent by itself.
   */
  attach(link) {
    this.link = link;
  }

  /** Entries kept by an earlier page of this tab, pending again. */
  load() {
    try {
      for (const entry of JSON.parse((this.storage && this.storage.getItem(this.key)) || "[]")) {
        if (entry && entry.client_id && entry.chat_id && (entry.body || entry.attachment)) this.entries.set(entry.client_id, { ...entry, status: "pending" });
      }
    } catch (error) {
      /* nothing usable stored */
    }
  }

  save() {
    if (!this.storage) return;
    try {
      const entries = Array.from(this.entries.values(), ({ client_id, chat_id, body, attachment, extra, created_at }) => ({
        client_id, chat_id, body, created_at, ...(attachment ? { attachment } : {}), ...(extra ? { extra } : {}) }));
      if (entries.length) this.storage.setItem(this.key, JSON.stringify(entries));
      else this.storage.removeItem(this.key);
    } catch (error) {
      /* storage full or disabled: the outbox lives in memory only */
    }
  }

  has(clientId) {
    return this.entries.has(clientId);
  }

  /** The entries of one chat, in the order written. */
  forChat(chatId) {
    return Array.from(this.entries.values()).filter((entry) => entry.chat_id === chatId);
  }

  /** A new message (a body, an uploaded `attachment`, or both; `extra`: `reply_to`, `mentions`),
   * with its client_id for good; `pump()` sends it. */
  add(chatId, body, attachment = null, extra = null) {
    const entry = { client_id: this.newId(), chat_id: chatId, body, attachment, status: "pending", created_at: this.now().toISOString() };
    if (extra && Object.keys(extra).length) entry.extra = extra;
    this.entries.set(entry.client_id, entry);
    this.save();
    return entry;
  }

  /** The server has the message (an ack, its broadcast, a sync): true if it was pending here. */
  settle(clientId) {
    if (!clientId || !this.entries.delete(clientId)) return false;
    this.save();
    return true;
  }

  /** Drop the entries `keep` says no to (their chat is gone). */
  retain(keep) {
    for (const [clientId, entry] of this.entries) if (!keep(entry)) this.entries.delete(clientId);
    this.save();
  }

  /** Make an entry pending again — a new one, or a failed one by the Retry button; `pump()`
   * sends it. Its client_id stays. */
  requeue(entry) {
    entry.status = "pending";
    entry.error = null;
    entry.reason = null;
    entry.tries = 0;
    entry.waitUntil = false;
  }

  /** Send the first pending entry unless one is in flight or the page is not caught up. */
  pump() {
    const link = this.link;
    if (this.inFlight || !this.ready || !link || !link.connected()) return;
    const entry = Array.from(this.entries.values()).find((candidate) => candidate.status === "pending" && !candidate.waitUntil);
    if (!entry) return;
    this.inFlight = entry;
    entry.tries = (entry.tries || 0) + 1;
    const payload = { chat_id: entry.chat_id, client_id: entry.client_id, body: entry.body || null };
    if (entry.attachment) payload.attachment_id = entry.attachment.id;
    if (entry.extra) Object.assign(payload, entry.extra);
    link.emit(payload, (err, ack) => {
      if (this.inFlight === entry) this.inFlight = null;
      if (!this.entries.has(entry.client_id)) { this.pump(); return; }
      if (err && !link.connected()) return;   // the reconnect procedure sends it again
      if (!err && ack && ack.ok && ack.message) {
        link.acked(ack.message, entry);
      } else {
        const code = err ? "timeout" : (ack && ack.error && ack.error.code) || "internal_error";
        if (RETRYABLE.has(code) && entry.tries < MAX_AUTOMATIC_TRIES) {
          // Let the others go first; come back to this one after a pause.
          entry.waitUntil = true;
          this.timers.setTimeout(() => { entry.waitUntil = false; this.pump(); }, 1000 * entry.tries);
        } else {
          entry.status = "failed";
          entry.error = code;
          // The server's words for it (a mute names its reason and end), shown with the message.
          entry.reason = (ack && ack.error && ack.error.message) || null;
          link.failed(entry);
        }
      }
      this.pump();
    });
  }
}
