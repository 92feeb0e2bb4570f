"""`<chat>` as clients receive it (docs/protocol.md): the chat's fields through `ChatSchema`, with
its members read in one query. (`<message>` is built in `campus.chat.payloads`.)"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from campus.chat.models import Chat, ChatMember
from campus.chat.presence import presence
from campus.chat.schemas import ChatSchema
from campus.extensions import db
from campus.users.models import User

_chat_schema = ChatSchema()


def chat_fields(chat: Chat) -> dict[str, Any]:
    """The chat's own fields of `<chat>` (no members)."""
    return {
        name: getattr(chat, name)
        for name in ("id", "type", "title", "kind", "major_id", "enrollment_year", "last_seq", "rev")
    }


def members_of(chat_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The members of each chat with their names, read markers and presence, in one query."""
    members: dict[int, list[dict[str, Any]]] = {}
    rows = db.session.execute(
        select(
            ChatMember.chat_id,
            ChatMember.user_id,
            ChatMember.role,
            ChatMember.last_read_seq,
            User.first_name,
            User.last_name,
            User.last_seen_at,
        )
        .join(User, User.id == ChatMember.user_id)
        .where(ChatMember.chat_id.in_(list(chat_ids)))
        .order_by(ChatMember.chat_id, ChatMember.joined_rev, ChatMember.user_id)
    ).all()
    online = presence().online_among({row.user_id for row in rows})
    for chat_id, user_id, role, last_read_seq, first_name, last_name, last_seen in rows:
        members.setdefault(chat_id, []).append(
            {
                "user_id": user_id,
                "role": role,
                "first_name": first_name,
                "last_name": last_name,
                "last_read_seq": last_read_seq,
                "online": user_id in online,
                "last_seen": last_seen,
            }
        )
    return members


def chat_payload(chat: Chat, members: list[dict[str, Any]]) -> dict[str, Any]:
    """`<chat>` from the chat and its members as `members_of` reads them."""
    return _chat_schema.dump({**chat_fields(chat), "members": members})


def describe_chat(chat: Chat) -> dict[str, Any]:
    """`<chat>` with its members, as sent to clients."""
    return chat_payload(chat, members_of([chat.id]).get(chat.id, []))
