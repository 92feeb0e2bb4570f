"""History pages of a chat (docs/protocol.md#history): the newest, before or after a `seq`, or
around one (a reply's original in its context); rows, not ORM objects (docs/design.md#hot-paths)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from campus.chat.access import require_member
from campus.chat.chats import private_key
from campus.chat.models import Chat, Message
from campus.chat.payloads import message_from_row, select_messages
from campus.core.api import decode_cursor, encode_cursor
from campus.core.errors import NotFound
from campus.core.security import Principal
from campus.extensions import db
from campus.users.models import User


def history(
    user: Principal,
    chat_id: int,
    *,
    before: int | None = None,
    after: int | None = None,
    around: int | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """A page of messages, ascending `seq`: the newest, those before `before`, after `after`, or
    around `around` (half older, the rest from it on: a reply's original in its context).

    `next_cursor` continues in the same direction (older pages for `before`/newest/`around`,
    newer for `after`).
    """
    require_member(chat_id, user.id)
    if around is not None:
        return _around(chat_id, around, limit)
    if cursor:
        direction, value = decode_cursor(cursor, (("before", "after"), int))
        before, after = (value, None) if direction == "before" else (None, value)
    query = select_messages().where(Message.chat_id == chat_id)
    connection = db.session.connection()
    if after is not None:
        rows = connection.execute(query.where(Message.seq > after).order_by(Message.seq).limit(limit + 1)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = encode_cursor(["after", rows[-1].seq]) if more else None
    else:
        if before is not None:
            query = query.where(Message.seq < before)
        rows = connection.execute(query.order_by(Message.seq.desc()).limit(limit + 1)).all()
        more = len(rows) > limit
        rows = rows[:limit][::-1]
        next_cursor = encode_cursor(["before", rows[0].seq]) if more else None
    return {"items": [message_from_row(row) for row in rows], "next_cursor": next_cursor}


def _around(chat_id: int, seq: int, limit: int) -> dict[str, Any]:
    query = select_messages().where(Message.chat_id == chat_id)
    connection = db.session.connection()
    older_count = limit // 2
    older = connection.execute(query.where(Message.seq < seq).order_by(Message.seq.desc()).limit(older_count + 1)).all()
    more = len(older) > older_count
    older = older[:older_count][::-1]
    # Near the start the page fills up with newer messages.
    newer = connection.execute(query.where(Message.seq >= seq).order_by(Message.seq).limit(limit - len(older))).all()
    rows = older + newer
    next_cursor = encode_cursor(["before", rows[0].seq]) if more and rows else None
    return {"items": [message_from_row(row) for row in rows], "next_cursor": next_cursor}


def private_history(user: Principal, other_id: int, **page: Any) -> dict[str, Any]:
    """The messages of the caller's private chat with `other_id` (empty when they never talked)."""
    if db.session.get(User, other_id) is None:
        raise NotFound(_("No such user."))
    chat_id = db.session.scalar(select(Chat.id).where(Chat.key == private_key(user.id, other_id)))
    if chat_id is None:
        return {"items": [], "next_cursor": None}
    return history(user, chat_id, **page)
