"""`sync` (docs/protocol.md): what changed in each chat above the client's cursor, after a gap or a
reconnect."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from campus.chat.models import Chat, ChatMember, Message
from campus.chat.payloads import chat_payload, members_of, message_from_row, select_messages
from campus.core.security import Principal
from campus.extensions import db

# A sync that would replay more changed messages than this answers `reset` instead.
SYNC_MAX_MESSAGES = 500


def sync(user: Principal, cursors: dict[int, int]) -> list[dict[str, Any]]:
    """`sync` (docs/protocol.md): per requested chat, what changed above the client's cursor.

    Messages whose rev is above the cursor, in their current state and ascending seq; the chat
    when it changed itself; `left` when the caller is not a member (also for chats that never
    existed: nothing is revealed); `reset` when the gap is too large to replay or the cursor is
    ahead of the chat (a restored database).
    """
    chats = {
        chat.id: chat
        for chat in db.session.scalars(
            select(Chat)
            .join(ChatMember, ChatMember.chat_id == Chat.id)
            .where(ChatMember.user_id == user.id, Chat.id.in_(list(cursors)))
        )
    }
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
            .limit(SYNC_MAX_MESSAGES + 1)
        ).all()
        if len(rows) > SYNC_MAX_MESSAGES:
            answer["reset"] = True
            continue
        rows.sort(key=lambda m: m.seq)
        answer["messages"] = [message_from_row(row) for row in rows]
        if chat.changed_rev > cursor:
            answer["chat"] = chat_payload(chat, members.get(chat_id, []))
    return answers
