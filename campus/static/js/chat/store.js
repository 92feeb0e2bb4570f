/* Campus chat page: the chats, messages, people and presence this page holds.
 *
 * - a chat's messages are kept by `seq` (one message per seq in a chat, so this is the upsert by
 *   id), and a state replaces the one held only if its `rev` is not older: an edit or deletion
 *   reaching us before (or after) the message's earlier state leaves the newest;
 * - every chat has a cursor: the highest `rev` applied without a hole below it (the `sync`
 *   cursor of docs/protocol.md); a live `seq` or `rev` that skips ahead is reported as a gap;
 * - unread counts and read markers (one's own and the other members').
 *
 * No DOM and no socket: the sync (sync.js) feeds it, the views read it, Node's tests drive it. */

/** A chat as this page keeps it; `seenAt` orders chats without messages. */
export function chatRecord(id, seenAt = new Date().toISOString()) {
  return {
    id, type: "group", title: "", kind: null, members: [], myRole: null,
    lastSeq: 0,            // highest seq known to exist (for unread counts and gap checks)
    cursor: 0,             // highest rev applied with nothing missing below it
    revsAhead: new Set(),  // revs applied above cursor + 1: waiting for the ones in between
    missingSeqs: new Set(),// seqs skipped by a live message: a gap unless they arrive soon
    unread: 0,
    muted: false,          // the user muted its notifications (mute.js)
    lastMessage: null,
    seenAt,
    myRead: 0,
    readMarkers: new Map(),   // other user id → last read seq
    messages: null,           // Map seq → message once the conversation is loaded
    firstSeq: null,           // lowest seq loaded
    loadingOlder: false,
    historyError: false,
    syncing: false,
    resyncWanted: false,
  };
}

/** Whether `candidate` may replace `held`, a state of the same message: not an older rev. */
export function supersedes(candidate, held) {
  return !held || (candidate.rev || 0) >= (held.rev || 0);
}

/** Whether `candidate` is the chat's last message rather than `held`. */
function later(candidate, held) {
  return !held || candidate.seq > held.seq || (candidate.seq === held.seq && supersedes(candidate, held));
}

const MAX_MISSING = 1000;   // a bound on the seqs remembered as missing (the sync fills them all)

export class ChatStore {
  /** `me`: the signed-in user ({id, first_name, last_name}); `t`: the page's translator. */
  constructor({ me, t, now = () => new Date() }) {
    this.me = me.id;
    this.t = t;
    this.now = now;
    this.chats = new Map();      // chat id → chatRecord
    this.users = new Map();      // user id → {id, first_name, last_name}
    this.presence = new Map();   // user id → {online, last_seen}
    this.openChatId = null;      // the conversation on screen (set by the view)
    this.users.set(me.id, me);
  }

  /* ---------- people ---------- */

  rememberUser(user) {
    if (!user || user.id === undefined || user.id === null) return;
    const known = this.users.get(user.id) || { id: user.id };
    for (const field of ["first_name", "last_name"]) if (user[field]) known[field] = user[field];
    this.users.set(user.id, known);
  }

  userName(userId) {
    if (userId === this.me) return this.t("you");
    const user = this.users.get(userId);
    const name = user ? [user.first_name, user.last_name].filter(Boolean).join(" ") : "";
    return name || this.t("unknown_user", { id: userId });
  }

  rememberPresence(userId, online, lastSeen) {
    if (userId === undefined || userId === null) return;
    const known = this.presence.get(userId) || {};
    if (online !== undefined && online !== null) known.online = Boolean(online);
    if (lastSeen) known.last_seen = lastSeen;
    this.presence.set(userId, known);
  }

  /* ---------- chats ---------- */

  chatName(chat) {
    if (chat.type === "private") {
      const other = this.privatePartner(chat);
      return other !== null ? this.userName(other) : this.t("saved_messages");
    }
    return chat.title || this.t("unknown_user", { id: chat.id });
  }

  /** The other member of a private chat (null for groups and "Saved messages"). */
  privatePartner(chat) {
    if (chat.type !== "private") return null;
    const other = chat.members.find((member) => member.user_id !== this.me);
    return other ? other.user_id : null;
  }

  canManage(chat) {
    return chat.type === "group" && (chat.myRole === "owner" || chat.myRole === "admin");
  }

  /** Take a chat object from GET /chats (`fromList`), GET /chats/{id}, `sync` or `chat_updated`. */
  applyChat(data, { fromList = false } = {}) {
    let chat = this.chats.get(data.id);
    if (!chat) {
      // A chat listed without messages has no activity this page knows of (its place is not
      // "when the page loaded"); one that appears while the page is open is new, so it goes first.
      chat = chatRecord(data.id, fromList ? "" : this.now().toISOString());
      this.chats.set(data.id, chat);
      chat.cursor = data.rev || 0;
    }
    chat.type = data.type || chat.type;
    chat.title = data.title || "";
    chat.kind = data.kind || null;
    if (Array.isArray(data.members)) {
      chat.members = data.members;
      for (const member of data.members) {
        this.rememberUser({ id: member.user_id, first_name: member.first_name, last_name: member.last_name, ...(member.user || {}) });
        if ("online" in member || "last_seen" in member) this.rememberPresence(member.user_id, member.online, member.last_seen);
        const read = member.last_read_seq ?? member.read_seq ?? member.last_read;
        if (typeof read !== "number") continue;
        if (member.user_id === this.me) chat.myRead = Math.max(chat.myRead, read);
        else chat.readMarkers.set(member.user_id, Math.max(read, chat.readMarkers.get(member.user_id) || 0));
      }
      const mine = data.members.find((member) => member.user_id === this.me);
      chat.myRole = mine ? mine.role : null;
    }
    if (typeof data.last_seq === "number") chat.lastSeq = Math.max(chat.lastSeq, data.last_seq);
    if (typeof data.last_read_seq === "number") chat.myRead = Math.max(chat.myRead, data.last_read_seq);
    if (typeof data.muted === "boolean") chat.muted = data.muted;
    if (fromList) {
      if (typeof data.unread === "number") chat.unread = data.unread;
      if (data.last_message === null) chat.lastMessage = null;
      // A chat whose messages are not held here is fully described by the list.
      if (!chat.messages && typeof data.rev === "number") chat.cursor = Math.max(chat.cursor, data.rev);
    }
    if (data.last_message && later(data.last_message, chat.lastMessage)) {
      chat.lastMessage = data.last_message;
      this.rememberUser(data.last_message.sender);
    }
    return chat;
  }

  /** Forget a chat (left, removed, gone); the record, or null when it was not held. */
  removeChat(chatId) {
    const chat = this.chats.get(chatId);
    if (!chat) return null;
    this.chats.delete(chatId);
    return chat;
  }

  /** The chat's state is the server's `data` from now on (a `reset` sync answer). */
  resetChat(chat, data) {
    chat.messages = null;
    chat.firstSeq = null;
    chat.revsAhead.clear();
    chat.missingSeqs.clear();
    this.applyChat(data);
    chat.cursor = data.rev || 0;
  }

  /** Most recent activity first (the last message's time, else when this page learned of it). */
  sortedChats() {
    const activity = (chat) => (chat.lastMessage && chat.lastMessage.created_at) || chat.seenAt;
    return Array.from(this.chats.values()).sort((a, b) => (activity(b) > activity(a) ? 1 : activity(b) < activity(a) ? -1 : b.id - a.id));
  }

  totalUnread() {
    let total = 0;
    for (const chat of this.chats.values()) total += chat.unread;
    return total;
  }

  /* ---------- cursors and gaps ---------- */

  /** Note that a change with `rev` was applied; true when it skips ahead (a missed change?). */
  noteRev(chat, rev) {
    if (typeof rev !== "number" || rev <= chat.cursor) return false;
    if (rev === chat.cursor + 1) {
      chat.cursor = rev;
      while (chat.revsAhead.delete(chat.cursor + 1)) chat.cursor += 1;
      return false;
    }
    chat.revsAhead.add(rev);
    return true;
  }

  /** Everything up to `rev` is applied (a sync answer): the cursor moves there at least. */
  advanceCursor(chat, rev) {
    chat.cursor = Math.max(chat.cursor, rev);
    for (const ahead of chat.revsAhead) if (ahead <= chat.cursor) chat.revsAhead.delete(ahead);
    while (chat.revsAhead.delete(chat.cursor + 1)) chat.cursor += 1;
  }

  /** A gap is real if a skipped rev or seq has not turned up since it was noticed. */
  hasGap(chat) {
    return chat.revsAhead.size > 0 || chat.missingSeqs.size > 0;
  }

  /* ---------- messages ---------- */

  /**
   * Apply one message in its current state. `live` messages (broadcasts, acks) are checked for
   * gaps; synced and loaded ones are not (a sync answer skips revs that later changes replaced).
   * `viewing`: the chat is on screen in a visible page, so a new message from others is read.
   *
   * Returns null for a chat not held, else `{chat, isNew, stored, gap, read, notify}`: `stored`
   * when the conversation's messages took it, `gap` when a sync should follow, `read` when the
   * read marker should move, `notify` when it is unread news.
   */
  applyMessage(message, { live = false, viewing = false } = {}) {
    const chat = this.chats.get(message.chat_id);
    if (!chat) return null;
    this.rememberUser(message.sender);
    const isNew = message.seq > chat.lastSeq;
    let gap = false;
    chat.missingSeqs.delete(message.seq);
    if (live && message.seq > chat.lastSeq + 1) {
      for (let seq = chat.lastSeq + 1; seq < message.seq && chat.missingSeqs.size < MAX_MISSING; seq += 1) chat.missingSeqs.add(seq);
      gap = true;
    }
    if (isNew) chat.lastSeq = message.seq;
    if (later(message, chat.lastMessage)) chat.lastMessage = message;
    if (live && this.noteRev(chat, message.rev)) gap = true;

    let stored = false;
    if (chat.messages) {
      const inWindow = chat.firstSeq === null || message.seq >= chat.firstSeq;
      if (inWindow && supersedes(message, chat.messages.get(message.seq))) {
        chat.messages.set(message.seq, message);
        // Loaded empty, the conversation holds its whole history: seq 1 up, in any arrival order.
        if (chat.firstSeq === null) chat.firstSeq = 1;
        stored = true;
      }
    }
    let read = false;
    let notify = false;
    if (isNew && message.sender_id !== this.me && !message.deleted_at) {
      if (viewing) read = true;
      else {
        chat.unread += 1;
        notify = true;
      }
    }
    return { chat, isNew, stored, gap, read, notify };
  }

  /** The newest page of a conversation (GET /chats/{id}/messages), merged with what is held. */
  mergeLatest(chat, items) {
    chat.messages = chat.messages || new Map();
    for (const message of items) {
      this.rememberUser(message.sender);
      if (supersedes(message, chat.messages.get(message.seq))) chat.messages.set(message.seq, message);
      if (message.seq > chat.lastSeq) chat.lastSeq = message.seq;
    }
    const seqs = Array.from(chat.messages.keys());
    chat.firstSeq = seqs.length ? Math.min(...seqs) : null;
    chat.historyError = false;
  }

  /** An older page (`before` the first held seq); an empty page means history starts here. */
  mergeOlder(chat, items) {
    for (const message of items) {
      this.rememberUser(message.sender);
      if (!chat.messages.has(message.seq)) chat.messages.set(message.seq, message);
      chat.firstSeq = Math.min(chat.firstSeq, message.seq);
    }
    if (!items.length) chat.firstSeq = 1;
    chat.historyError = false;
  }

  /** Whether there is history above what is held that `mergeOlder` could fetch. */
  hasOlder(chat) {
    return Boolean(chat.messages && chat.firstSeq && chat.firstSeq > 1);
  }

  /* ---------- reading ---------- */

  /**
   * The user has seen the held messages of `chat` up to `upTo` (all of them when null): move
   * their read marker to the highest such seq. Returns that seq when something changed (to
   * announce with `read`), else null. Others' messages held above it stay unread.
   */
  markRead(chat, upTo = null) {
    if (!chat.messages) return null;
    let highest = 0;
    let unseen = 0;
    for (const [seq, message] of chat.messages) {
      if (upTo === null || seq <= upTo) highest = Math.max(highest, seq);
      else if (message.sender_id !== this.me && !message.deleted_at) unseen += 1;
    }
    const unread = upTo === null ? 0 : Math.min(chat.unread, unseen);
    if (highest <= chat.myRead && chat.unread === unread) return null;
    chat.myRead = Math.max(chat.myRead, highest);
    chat.unread = unread;
    return highest > 0 ? chat.myRead : 0;
  }

  /** A `read` event: `{chat, mine}` (mine: read in another tab or device), or null. */
  applyRead({ chat_id: chatId, user_id: userId, seq }) {
    const chat = this.chats.get(chatId);
    if (!chat) return null;
    if (userId === this.me) {
      chat.myRead = Math.max(chat.myRead, seq);
      if (seq >= chat.lastSeq) chat.unread = 0;
      return { chat, mine: true };
    }
    chat.readMarkers.set(userId, Math.max(seq, chat.readMarkers.get(userId) || 0));
    return { chat, mine: false };
  }

  /** "seen" once another member's read marker reached the message, else "sent". */
  ownStatus(chat, message) {
    for (const seq of chat.readMarkers.values()) if (seq >= message.seq) return "seen";
    return "sent";
  }

  /** The other current members whose read marker reached the message (a group's "Seen by"). */
  seenBy(chat, message) {
    const members = new Set(chat.members.map((member) => member.user_id));
    const ids = [];
    for (const [userId, seq] of chat.readMarkers) if (seq >= message.seq && userId !== this.me && members.has(userId)) ids.push(userId);
    return ids.sort((a, b) => a - b);
  }
}
