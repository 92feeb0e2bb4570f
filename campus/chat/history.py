"""History pages of a chat (docs/protocol.md#history): the newest, before or after a `seq`, or
around one (a reply's original in its context); rows, not ORM objects (docs/design.md#hot-paths)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, exists, select

from campus.chat.access import require_member
from campus.chat.chats import private_key
from campus.chat.models import Chat, ChatMember, Message
from campus.chat.payloads import message_from_row, select_messages
from campus.core.api import decode_cursor, encode_cursor
from campus.core.errors import NotFound, ValidationError
from campus.core.security import Principal
from campus.extensions import db
from campus.users.models import User

# A page is one statement, built once (docs/design.md#hot-paths): the messages of the chat,
# only if the caller is a member of it (an uncorrelated EXISTS, evaluated once). An empty page
# asks `require_member` which it was: no messages, or not a member (404).
_members = ChatMember.__table__
_IS_MEMBER = exists().where(_members.c.chat_id == bindparam("chat"), _members.c.user_id == bindparam("user"))
_IN_CHAT = select_messages().where(Message.chat_id == bindparam("chat"), _IS_MEMBER)


def _page(*, newer: bool, inclusive: bool = False, bounded: bool = True) -> Select:
    """Up to `:limit` messages of `:chat` after (`newer`) or before `:seq`, nearest first."""
    query = _IN_CHAT
    if bounded:
        seq = bindparam("seq")
        query = query.where((Message.seq >= seq if inclusive else Message.seq > seq) if newer else Message.seq < seq)
    return query.order_by(Message.seq if newer else Message.seq.desc()).limit(bindparam("limit"))


_NEWEST = _page(newer=False, bounded=False)
_BEFORE = _page(newer=False)
_AFTER = _page(newer=True)
_FROM = _page(newer=True, inclusive=True)
# Whether the other user exists, and the id of the private chat with them (None: never talked).
_OTHER_AND_PRIVATE_CHAT = select(
    User.__table__.c.id, select(Chat.__table__.c.id).where(Chat.__table__.c.key == bindparam("key")).scalar_subquery()
).where(User.__table__.c.id == bindparam("other"))


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
    newer for `after`). A caller who is not a member gets `NotFound`, before anything else.
    """
    values = {"chat": chat_id, "user": user.id}
    if around is not None:
        return _around(values, around, limit)
    if cursor:
        try:
            direction, value = decode_cursor(cursor, (("before", "after"), int))
        except ValidationError:
            require_member(chat_id, user.id)  # a non-member learns nothing, not even that
            raise
        before, after = (value, None) if direction == "before" else (None, value)
    connection = db.session.connection()
    if after is not None:
        rows = connection.execute(_AFTER, {**values, "seq": after, "limit": limit + 1}).all()
        _require_member_if_empty(rows, values)
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = encode_cursor(["after", rows[-1].seq]) if more else None
    else:
        query, bound = (_NEWEST, {}) if before is None else (_BEFORE, {"seq": before})
        rows = connection.execute(query, {**values, **bound, "limit": limit + 1}).all()
        _require_member_if_empty(rows, values)
        more = len(rows) > limit
        rows = rows[:limit][::-1]
        next_cursor = encode_cursor(["before", rows[0].seq]) if more else None
    return {"items": [message_from_row(row) for row in rows], "next_cursor": next_cursor}


def _require_member_if_empty(rows: list, values: dict[str, int]) -> None:
    if not rows:
        require_member(values["chat"], values["user"])


def _around(values: dict[str, int], seq: int, limit: int) -> dict[str, Any]:
    connection = db.session.connection()
    older_count = limit // 2
    older = connection.execute(_BEFORE, {**values, "seq": seq, "limit": older_count + 1}).all()
    more = len(older) > older_count
    older = older[:older_count][::-1]
    # Near the start the page fills up with newer messages.
    newer = connection.execute(_FROM, {**values, "seq": seq, "limit": limit - len(older)}).all()
    rows = older + newer
    _require_member_if_empty(rows, values)
    next_cursor = encode_cursor(["before", rows[0].seq]) if more and rows else None
    return {"items": [message_from_row(row) for row in rows], "next_cursor": next_cursor}


def private_history(user: Principal, other_id: int, **page: Any) -> dict[str, Any]:
    """The messages of the caller's private chat with `other_id` (empty when they never talked)."""
    found = (
        db.session.connection()
        .execute(_OTHER_AND_PRIVATE_CHAT, {"other": other_id, "key": private_key(user.id, other_id)})
        .first()
    )
    if found is None:
        raise NotFound(_("No such user."))
    chat_id = found[1]
    if chat_id is None:
        return {"items": [], "next_cursor": None}
    return history(user, chat_id, **page)
