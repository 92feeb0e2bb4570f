"""System lines (docs/protocol.md#system-lines): "A added B", "A left", "A renamed the group to …".

A line is a message of `kind` "system" in the group's timeline — it takes the chat's next `seq`
and `rev` like any message, so every member gets it live, from `sync` and from history, and each
page renders it in its reader's language from `data` (the action and the names as they were).
Only user-created groups get them: campus chats follow the directory and would fill with
enrolments.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, update

from campus.chat.models import GROUP, SYSTEM, Chat, ChatMember, Message
from campus.chat.payloads import MessagePayload, MessageValues, message_from_values
from campus.core.models import utcnow
from campus.extensions import db
from campus.users.models import User

MEMBER_ADDED, MEMBER_REMOVED, MEMBER_LEFT, RENAMED = "member_added", "member_removed", "member_left", "renamed"


def wanted(chat: Chat) -> bool:
    """Whether the chat's changes appear as system lines (user-created groups)."""
    return chat.type == GROUP and chat.kind is None


def _name(user_id: int | None) -> str:
    user = db.session.get(User, user_id) if user_id is not None else None
    return user.full_name if user is not None else ""


def add_line(chat_id: int, actor_id: int, action: str, **data: Any) -> MessagePayload:
    """Store a system line in the caller's unit of work (the caller commits, then sends it with
    `notify.message_created`). `data` gets the actor's name, and `user_name` for a `user_id`."""
    now = utcnow()
    chats = Chat.__table__
    seq, rev = db.session.execute(
        update(chats)
        .where(chats.c.id == chat_id)
        .values(rev=chats.c.rev + 1, last_seq=chats.c.last_seq + 1, updated_at=now, last_activity_at=now)
        .returning(chats.c.last_seq, chats.c.rev)
    ).one()
    details: dict[str, Any] = {"action": action, "actor_id": actor_id, "actor_name": _name(actor_id), **data}
    if "user_id" in data:
        details["user_name"] = _name(data["user_id"])
    values: MessageValues = {
        "chat_id": chat_id,
        "seq": seq,
        "rev": rev,
        "sender_id": actor_id,
        "client_id": f"system:{chat_id}:{seq}",
        "body": None,
        "attachment_id": None,
        "reply_to": None,
        "created_at": now,
        "edited_at": None,
        "deleted_at": None,
        "kind": SYSTEM,
        "data": details,
        "mentions": None,
        "mentions_all": False,
        "reactions": None,
    }
    message_id = db.session.execute(insert(Message.__table__).returning(Message.__table__.c.id), values).scalar_one()
    # The actor has seen their own line (if they are still in the chat).
    db.session.execute(
        update(ChatMember.__table__)
        .where(ChatMember.chat_id == chat_id, ChatMember.user_id == actor_id, ChatMember.last_read_seq < seq)
        .values(last_read_seq=seq)
    )
    return message_from_values(message_id, values)
