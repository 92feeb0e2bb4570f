"""The signed-in user's unread total over every chat, for every page's title and "Chat" link
(the chat page keeps it current itself; docs/design.md#conversations)."""

from __future__ import annotations

from sqlalchemy import bindparam, case, func, select

from campus.chat.models import Chat, ChatMember
from campus.extensions import db

_chats, _members = Chat.__table__, ChatMember.__table__
_behind = _chats.c.last_seq - _members.c.last_read_seq
# As `GET /chats` counts `unread` (never below zero), summed in one statement.
_UNREAD_TOTAL = (
    select(func.coalesce(func.sum(case((_behind > 0, _behind), else_=0)), 0))
    .select_from(_members.join(_chats, _chats.c.id == _members.c.chat_id))
    .where(_members.c.user_id == bindparam("user"))
)


def unread_total(user_id: int) -> int:
    """Messages above the user's read markers in all their chats."""
    return int(db.session.connection().execute(_UNREAD_TOTAL, {"user": user_id}).scalar_one())
