"""`sync` (docs/protocol.md): what changed in each chat above the client's cursor, after a gap or a
reconnect."""

from __future__ import annotations

import json
from typing import Any

from flask import current_app
from sqlalchemy import select

from campus.chat.chat_payloads import chat_payload, members_of
from campus.chat.models import Chat, ChatMember, Message
from campus.chat.payloads import message_from_row, select_messages
from campus.core.security import Principal
from campus.extensions import db

# A chat whose changes are replayed costs the flood budget one event more per this many
# messages (and per chat), on top of the call's own event: see `sync_cost`.
MESSAGES_PER_EVENT = 50


def sync(user: Principal, cursors: dict[int, int]) -> tuple[list[dict[str, Any]], int]:
    """`sync` (docs/protocol.md): per requested chat, what changed above the client's cursor;
    and the call's cost in flood-budget events.

    Messages whose rev is above the cursor, in their current state and ascending seq; the chat
    when it changed itself; `left` when the caller is not a member (also for chats that never
    existed: nothing is revealed); `reset` when the gap is too large to replay, or would take the
    answer past `CHAT_SYNC_MAX_MESSAGES` / `CHAT_SYNC_MAX_BYTES` for the whole call, or the
    cursor is ahead of the chat (a restored database). A reset chat is reloaded through history.
    """
    config = current_app.config
    messages_left, bytes_left = config["CHAT_SYNC_MAX_MESSAGES"], config["CHAT_SYNC_MAX_BYTES"]
    replayed_chats = replayed_messages = 0
    # The caller's `muted` comes in the same statement (a replayed `<chat>` carries it).
    muted: dict[int, bool] = {}
    chats: dict[int, Chat] = {}
    for chat, is_muted in db.session.execute(
        select(Chat, ChatMember.muted)
        .join(ChatMember, ChatMember.chat_id == Chat.id)
        .where(ChatMember.user_id == user.id, Chat.id.in_(list(cursors)))
    ):
        chats[chat.id], muted[chat.id] = chat, is_muted
    changed = [
        chat_id for chat_id, cursor in cursors.items() if chat_id in chats and chats[chat_id].changed_rev > cursor
    ]
    members = members_of(changed) if changed else {}
    answers = []
    for chat_id, cursor in cursors.items():
        chat = chats.get(chat_id)
        answer: dict[str, Any] = {
            "chat_id": chat_id,
            "rev": cursor,
            "messages": [],
            "chat": None,
            "left": False,
            "reset": False,
        }
        answers.append(answer)
        if chat is None:
            answer["left"] = True
            continue
        answer["rev"] = chat.rev
        if cursor > chat.rev:
            answer["reset"] = True
            continue
        if cursor == chat.rev:
            continue
        rows = db.session.execute(
            select_messages()
            .where(Message.chat_id == chat_id, Message.rev > cursor)
            .order_by(Message.rev)
            .limit(messages_left + 1)
        ).all()
        replayed_chats += 1
        if len(rows) > messages_left:
            answer["reset"] = True
            continue
        rows.sort(key=lambda m: m.seq)
        messages = [message_from_row(row) for row in rows]
        changed_chat = None
        if chat.changed_rev > cursor:
            changed_chat = {**chat_payload(chat, members.get(chat_id, [])), "muted": muted[chat_id]}
        size = len(json.dumps([messages, changed_chat], separators=(",", ":"), default=str))
        if size > bytes_left:
            answer["reset"] = True
            continue
        messages_left, bytes_left = messages_left - len(messages), bytes_left - size
        replayed_messages += len(messages)
        answer["messages"], answer["chat"] = messages, changed_chat
    return answers, sync_cost(replayed_chats, replayed_messages)


def sync_cost(chats: int, messages: int) -> int:
    """A sync's cost in flood-budget events: one for the call, one per chat whose changes were
    read, one per `MESSAGES_PER_EVENT` messages replayed."""
    return 1 + chats + -(-messages // MESSAGES_PER_EVENT)
