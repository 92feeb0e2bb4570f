"""Chat services: typed functions, one short unit of work each (DESIGN.md §3).

HTTP endpoints and socket events both call these. Every call checks, from the database, that the
caller may chat (`chat.use`) and is a member of the chat — a non-member gets `NotFound`, so the
existence of other people's chats is never revealed. Events go out through `notify` only after
the commit.

Ordering: a change takes the chat's next `rev` (and a message the next `seq`) with one
`UPDATE chats … RETURNING`, which is also the lock: on PostgreSQL the chat row stays locked until
the commit, so numbers are handed out in commit order with no gaps; SQLite has a single writer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Boolean, and_, bindparam, exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from campus.chat import notify
from campus.chat.models import (
    ADMIN,
    COHORT,
    GROUP,
    MAJOR,
    MEMBER,
    OWNER,
    PRIVATE,
    Chat,
    ChatMember,
    Message,
)
from campus.chat.presence import presence
from campus.chat.schemas import MAX_BODY, ChatListItemSchema, ChatSchema, message_payload
from campus.core.api import decode_cursor, encode_cursor
from campus.core.errors import Forbidden, NotFound, TooLarge, ValidationError
from campus.core.models import utcnow
from campus.core.schemas import dump_time
from campus.core.security import Principal
from campus.extensions import db
from campus.roles.models import Permission, role_permissions
from campus.users.models import User

# A sync that would replay more changed messages than this answers `reset` instead.
SYNC_MAX_MESSAGES = 500

_chat_schema = ChatSchema()
_chat_list_schema = ChatListItemSchema()

# --- prebuilt statements for the frequent events --------------------------------------------
# Built once with bindparam()s over table columns and run on the session's connection (in its
# transaction): building an ORM statement and its cache key on every call cost the send path
# ten times what the database spends running it (docs/performance.md, "Chat").

_chats, _members, _messages, _users = Chat.__table__, ChatMember.__table__, Message.__table__, User.__table__
_permissions = Permission.__table__

# The active user's permission names (`load_actor`).
_ACTOR_PERMISSIONS = (
    select(_permissions.c.name)
    .select_from(_users)
    .join(role_permissions, role_permissions.c.role_id == _users.c.role_id)
    .join(_permissions, _permissions.c.id == role_permissions.c.permission_id)
    .where(_users.c.id == bindparam("user"), _users.c.is_active)
)

# A message's numbers: the chat's next seq and rev, taken only while the sender is a member and
# may post there (announcement chats need `chat.post_announcements`) — `_bump` for one message.
_TAKE_MESSAGE_NUMBERS = (
    update(_chats)
    .where(
        _chats.c.id == bindparam("chat"),
        exists().where(_members.c.chat_id == bindparam("chat"), _members.c.user_id == bindparam("user")),
        or_(_chats.c.kind.is_(None), _chats.c.kind != MAJOR, bindparam("may_announce", type_=Boolean)),
    )
    .values(
        rev=_chats.c.rev + 1,
        last_seq=_chats.c.last_seq + 1,
        updated_at=bindparam("now", type_=_chats.c.updated_at.type),
        last_activity_at=bindparam("now", type_=_chats.c.last_activity_at.type),
    )
    .returning(_chats.c.last_seq, _chats.c.rev)
)

_MESSAGE_IN_CHAT = select(_messages.c.id).where(
    _messages.c.id == bindparam("message"), _messages.c.chat_id == bindparam("chat")
)

_INSERT_MESSAGE = insert(_messages).returning(_messages.c.id)

_SET_READ_MARKER = (
    update(_members)
    .where(_members.c.chat_id == bindparam("chat"), _members.c.user_id == bindparam("user"))
    .values(last_read_seq=bindparam("seq"))
)

# Only forward: an older `read` arriving late changes nothing.
_ADVANCE_READ_MARKER = _SET_READ_MARKER.where(_members.c.last_read_seq < bindparam("seq"))

_MEMBER_STATE = (
    select(_chats.c.kind, _chats.c.last_seq, _members.c.last_read_seq)
    .join(_members, _members.c.chat_id == _chats.c.id)
    .where(_chats.c.id == bindparam("chat"), _members.c.user_id == bindparam("user"))
)


# --- who is calling --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Actor:
    """Who sends a socket event: an id and the permissions read for this event."""

    id: int
    permissions: frozenset[str]
    is_active: bool = True

    def can(self, permission: str) -> bool:
        return permission in self.permissions


def load_actor(user_id: int) -> Actor:
    """The user behind a socket, read again for this event (a demotion or deactivation acts at
    once) — one query for the active user's permission names, no ORM objects."""
    names = db.session.connection().execute(_ACTOR_PERMISSIONS, {"user": user_id}).scalars().all()
    return check_user(Actor(user_id, frozenset(names)))


def check_user(user: Principal | None) -> Principal:
    if user is None or not user.can("chat.use"):
        raise Forbidden(_("You may not use the chat."))
    return user


def _membership(chat_id: int, user_id: int) -> tuple[Chat, ChatMember]:
    row = db.session.execute(
        select(Chat, ChatMember)
        .join(ChatMember, ChatMember.chat_id == Chat.id)
        .where(Chat.id == chat_id, ChatMember.user_id == user_id)
    ).first()
    if row is None:
        raise NotFound(_("Chat not found."))
    return row[0], row[1]


def _require_member(chat_id: int, user_id: int) -> None:
    """NotFound unless `user_id` is in the chat (a primary-key lookup, no ORM objects)."""
    found = (
        db.session.connection()
        .execute(
            select(ChatMember.__table__.c.role).where(ChatMember.chat_id == chat_id, ChatMember.user_id == user_id)
        )
        .first()
    )
    if found is None:
        raise NotFound(_("Chat not found."))


def _member_state(chat_id: int, user_id: int):
    """`(kind, last_seq, last_read_seq)` of a chat the user is in — columns only, for the
    frequent events (read, typing); NotFound otherwise."""
    row = db.session.connection().execute(_MEMBER_STATE, {"chat": chat_id, "user": user_id}).first()
    if row is None:
        raise NotFound(_("Chat not found."))
    return row


def member_chat_ids(user_id: int) -> list[int]:
    return list(db.session.scalars(select(ChatMember.chat_id).where(ChatMember.user_id == user_id)))


# --- shapes --------------------------------------------------------------------------------


def dump_message(message: Message) -> dict[str, Any]:
    return message_payload(message)


# The columns of `<message>`: history and sync read rows, not ORM objects (DESIGN.md §5).
MESSAGE_COLUMNS = (
    Message.id,
    Message.chat_id,
    Message.seq,
    Message.rev,
    Message.sender_id,
    Message.client_id,
    Message.body,
    Message.attachment_id,
    Message.reply_to,
    Message.created_at,
    Message.edited_at,
    Message.deleted_at,
)


def _members_of(chat_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
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


def describe_chat(chat: Chat) -> dict[str, Any]:
    """`<chat>` with its members, as sent to clients."""
    return _chat_schema.dump({**_chat_fields(chat), "members": _members_of([chat.id]).get(chat.id, [])})


def _chat_fields(chat: Chat) -> dict[str, Any]:
    return {
        name: getattr(chat, name)
        for name in ("id", "type", "title", "kind", "major_id", "enrollment_year", "last_seq", "rev")
    }


# --- bodies --------------------------------------------------------------------------------


def _clean_body(body: str | None, *, required: bool) -> str | None:
    if body is not None and not body.strip():
        body = None
    if body is None:
        if required:
            raise ValidationError(
                _("Write something first."), fields={"body": [_("A message needs a body or an attachment.")]}
            )
        return None
    if len(body) > MAX_BODY:
        raise TooLarge(_("A message may have at most %(count)d characters.", count=MAX_BODY))
    return body


def _bump(chat_id: int, *, chat_change: bool = False) -> tuple[int, int] | None:
    """Take the chat's next rev: `(last_seq, rev)` after the bump (None: no such chat). Locks the
    chat row until the commit. A new message takes its seq and rev with `_TAKE_MESSAGE_NUMBERS`."""
    values: dict[str, Any] = {"rev": Chat.rev + 1, "updated_at": utcnow()}
    if chat_change:
        values["changed_rev"] = Chat.rev + 1
    statement = update(Chat.__table__).where(Chat.id == chat_id).values(**values).returning(Chat.last_seq, Chat.rev)
    row = db.session.execute(statement).first()
    return (row[0], row[1]) if row else None


# --- messages ------------------------------------------------------------------------------


class _Row:
    """Attribute access to a dict of message values (what `message_payload` reads)."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any]):
        self._values = values

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None


def _stored_message(sender_id: int, client_id: str) -> Message | None:
    return db.session.scalar(select(Message).where(Message.sender_id == sender_id, Message.client_id == client_id))


def send_message(
    user: Principal,
    chat_id: int,
    *,
    client_id: str,
    body: str | None = None,
    attachment_id: int | None = None,
    reply_to: int | None = None,
) -> tuple[dict[str, Any], bool]:
    """Store a message and broadcast it; `(message, created)`.

    Idempotent by `(sender, client_id)`: a resend — even with another body — returns the stored
    message and stores nothing. The happy path is one UPDATE … RETURNING (membership and the
    announcement rule in its WHERE), one INSERT, one UPDATE of the sender's read marker.
    """
    body = _clean_body(body, required=attachment_id is None)
    if attachment_id is not None:
        raise NotFound(_("No such upload."))  # uploads arrive in a later release
    try:
        connection = db.session.connection()
        now = utcnow()
        numbers = connection.execute(
            _TAKE_MESSAGE_NUMBERS,
            {"chat": chat_id, "user": user.id, "may_announce": user.can("chat.post_announcements"), "now": now},
        ).first()
        if numbers is None:
            db.session.rollback()
            stored = _stored_message(user.id, client_id)
            if stored is not None:
                return dump_message(stored), False
            _membership(chat_id, user.id)
            raise Forbidden(_("Only teachers and admins post in announcement chats."))
        seq, rev = numbers
        if (
            reply_to is not None
            and connection.execute(_MESSAGE_IN_CHAT, {"message": reply_to, "chat": chat_id}).first() is None
        ):
            raise ValidationError(fields={"reply_to": ["No such message in this chat."]})
        values = {
            "chat_id": chat_id,
            "seq": seq,
            "rev": rev,
            "sender_id": user.id,
            "client_id": client_id,
            "body": body,
            "attachment_id": None,
            "reply_to": reply_to,
            "created_at": now,
            "edited_at": None,
            "deleted_at": None,
        }
        values["id"] = connection.execute(_INSERT_MESSAGE, values).scalar_one()
        # Sending implies having read the chat up to one's own message.
        connection.execute(_SET_READ_MARKER, {"chat": chat_id, "user": user.id, "seq": seq})
        payload = message_payload(_Row(values))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        stored = _stored_message(user.id, client_id)
        if stored is None:
            raise
        return dump_message(stored), False
    except BaseException:
        db.session.rollback()
        raise
    notify.message_created(payload)
    return payload, True


def _message_for_member(message_id: int, user_id: int) -> tuple[Message, Chat, ChatMember]:
    row = db.session.execute(
        select(Message, Chat, ChatMember)
        .join(Chat, Chat.id == Message.chat_id)
        .join(ChatMember, and_(ChatMember.chat_id == Chat.id, ChatMember.user_id == user_id))
        .where(Message.id == message_id)
    ).first()
    if row is None:
        raise NotFound(_("Message not found."))
    return row[0], row[1], row[2]


def edit_message(user: Principal, message_id: int, body: str) -> dict[str, Any]:
    """Change the text of one's own message; it takes the chat's next rev."""
    body = _clean_body(body, required=True)
    message, chat, _member = _message_for_member(message_id, user.id)
    if message.sender_id != user.id:
        raise Forbidden(_("Only the sender edits a message."))
    if message.deleted_at is not None:
        raise ValidationError(_("A deleted message can't be edited."), fields={"message_id": [_("Deleted.")]})
    if message.body == body:
        return dump_message(message)
    _seq, rev = _bump(chat.id)
    # Read the message again under the chat's lock: a deletion committed meanwhile wins.
    db.session.refresh(message)
    if message.deleted_at is not None:
        db.session.rollback()
        raise ValidationError(_("A deleted message can't be edited."), fields={"message_id": [_("Deleted.")]})
    message.body, message.rev, message.edited_at = body, rev, utcnow()
    db.session.flush()
    payload = dump_message(message)
    db.session.commit()
    notify.message_updated(payload)
    return payload


def delete_message(user: Principal, message_id: int) -> dict[str, Any]:
    """Delete one's own message, or (in groups) another's as a moderator, owner or admin.

    The message keeps its place with no body; deleting it again returns it unchanged.
    """
    message, chat, member = _message_for_member(message_id, user.id)
    if message.sender_id != user.id:
        moderates = chat.type == GROUP and (user.can("chat.moderate") or member.role in (OWNER, ADMIN))
        if not moderates:
            raise Forbidden(_("You may delete only your own messages here."))
    if message.deleted_at is not None:
        return dump_message(message)
    _seq, rev = _bump(chat.id)
    db.session.refresh(message)  # under the chat's lock: deleted meanwhile?
    if message.deleted_at is not None:
        payload = dump_message(message)
        db.session.rollback()
        return payload
    message.body, message.attachment_id, message.rev, message.deleted_at = None, None, rev, utcnow()
    db.session.flush()
    payload = dump_message(message)
    db.session.commit()
    notify.message_deleted(payload)
    return payload


def mark_read(user: Principal, chat_id: int, seq: int) -> None:
    """Move the caller's read marker forward to `seq` (never back)."""
    state = _member_state(chat_id, user.id)
    if seq > state.last_seq:
        raise ValidationError(fields={"seq": [_("The chat's last message is %(seq)d.", seq=state.last_seq)]})
    if seq <= state.last_read_seq:
        return
    result = db.session.connection().execute(_ADVANCE_READ_MARKER, {"chat": chat_id, "user": user.id, "seq": seq})
    db.session.commit()
    if result.rowcount:
        notify.read(chat_id, user.id, seq)


def typing(user: Principal, chat_id: int, is_typing: bool, skip_sid: str | None = None) -> None:
    """Tell the chat's other members that the caller types (nothing is stored)."""
    state = _member_state(chat_id, user.id)
    if state.kind == MAJOR and not user.can("chat.post_announcements"):
        raise Forbidden(_("Only teachers and admins post in announcement chats."))
    notify.typing(chat_id, user.id, is_typing, skip_sid=skip_sid)


def history(
    user: Principal,
    chat_id: int,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """A page of messages, ascending `seq`: the newest, those before `before` or after `after`.

    `next_cursor` continues in the same direction (older pages for `before`/newest, newer for `after`).
    """
    _require_member(chat_id, user.id)
    if cursor:
        direction, value = decode_cursor(cursor, 2)
        if direction not in ("before", "after") or not isinstance(value, int) or isinstance(value, bool):
            raise ValidationError(fields={"cursor": ["Not a valid cursor."]})
        before, after = (value, None) if direction == "before" else (None, value)
    query = select(*MESSAGE_COLUMNS).where(Message.chat_id == chat_id)
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
    return {"items": [message_payload(row) for row in rows], "next_cursor": next_cursor}


def private_history(user: Principal, other_id: int, **page: Any) -> dict[str, Any]:
    """The messages of the caller's private chat with `other_id` (empty when they never talked)."""
    if db.session.get(User, other_id) is None:
        raise NotFound(_("No such user."))
    chat_id = db.session.scalar(select(Chat.id).where(Chat.key == _private_key(user.id, other_id)))
    if chat_id is None:
        return {"items": [], "next_cursor": None}
    return history(user, chat_id, **page)


# --- sync ----------------------------------------------------------------------------------


def sync(user: Principal, cursors: dict[int, int]) -> list[dict[str, Any]]:
    """DESIGN.md §4 `sync`: per requested chat, what changed above the client's cursor.

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
    members = _members_of(changed) if changed else {}
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
            select(*MESSAGE_COLUMNS)
            .where(Message.chat_id == chat_id, Message.rev > cursor)
            .order_by(Message.rev)
            .limit(SYNC_MAX_MESSAGES + 1)
        ).all()
        if len(rows) > SYNC_MAX_MESSAGES:
            answer["reset"] = True
            continue
        rows.sort(key=lambda m: m.seq)
        answer["messages"] = [message_payload(row) for row in rows]
        if chat.changed_rev > cursor:
            answer["chat"] = _chat_schema.dump({**_chat_fields(chat), "members": members.get(chat_id, [])})
    return answers


# --- chats ---------------------------------------------------------------------------------


def _private_key(a: int, b: int) -> str:
    return f"private:{min(a, b)}:{max(a, b)}"


def _active_user(user_id: int) -> User:
    other = db.session.get(User, user_id)
    if other is None or not other.is_active:
        raise NotFound(_("No such user."))
    return other


def create_private_chat(user: Principal, other_id: int) -> tuple[dict[str, Any], bool]:
    """The one private chat of the pair (with oneself: Saved messages); `(chat, created)`."""
    key = _private_key(user.id, other_id)
    existing = db.session.scalar(select(Chat).where(Chat.key == key))
    if existing is not None:
        return describe_chat(existing), False
    if other_id != user.id:
        _active_user(other_id)
    now = utcnow()
    chat = Chat(
        type=PRIVATE,
        key=key,
        created_by_id=user.id,
        rev=1,
        changed_rev=1,
        created_at=now,
        updated_at=now,
        last_activity_at=now,
    )
    db.session.add(chat)
    try:
        db.session.flush()
        for member_id in sorted({user.id, other_id}):
            db.session.add(ChatMember(chat_id=chat.id, user_id=member_id, role=MEMBER, joined_rev=1))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = db.session.scalar(select(Chat).where(Chat.key == key))
        if existing is None:
            raise
        return describe_chat(existing), False
    described = describe_chat(chat)
    notify.chat_created(described)
    return described, True


def create_group_chat(user: Principal, title: str, member_ids: Iterable[int] = ()) -> dict[str, Any]:
    """A group owned by the caller, with `member_ids` as members."""
    others = sorted(set(member_ids) - {user.id})
    if others:
        found = set(db.session.scalars(select(User.id).where(User.id.in_(others), User.is_active)))
        missing = [i for i in others if i not in found]
        if missing:
            raise ValidationError(
                fields={"member_ids": [_("No such user: %(ids)s.", ids=", ".join(map(str, missing)))]}
            )
    now = utcnow()
    chat = Chat(
        type=GROUP,
        title=title,
        created_by_id=user.id,
        rev=1,
        changed_rev=1,
        created_at=now,
        updated_at=now,
        last_activity_at=now,
    )
    db.session.add(chat)
    db.session.flush()
    db.session.add(ChatMember(chat_id=chat.id, user_id=user.id, role=OWNER, joined_rev=1))
    for other in others:
        db.session.add(ChatMember(chat_id=chat.id, user_id=other, role=MEMBER, joined_rev=1))
    db.session.commit()
    described = describe_chat(chat)
    notify.chat_created(described)
    return described


def get_chat(user: Principal, chat_id: int) -> dict[str, Any]:
    chat, _member = _membership(chat_id, user.id)
    return describe_chat(chat)


def list_chats(user: Principal, *, limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    """The caller's chats, most recent activity first, each with `last_message` and `unread`."""
    query = (
        select(Chat, ChatMember.last_read_seq, Message)
        .join(ChatMember, and_(ChatMember.chat_id == Chat.id, ChatMember.user_id == user.id))
        .outerjoin(Message, and_(Message.chat_id == Chat.id, Message.seq == Chat.last_seq))
        .order_by(Chat.last_activity_at.desc(), Chat.id.desc())
        .limit(limit + 1)
    )
    after = decode_cursor(cursor, 2)
    if after is not None:
        try:
            last_activity, last_id = datetime.fromisoformat(after[0]), int(after[1])
        except (TypeError, ValueError):
            raise ValidationError(fields={"cursor": ["Not a valid cursor."]}) from None
        query = query.where(
            or_(Chat.last_activity_at < last_activity, and_(Chat.last_activity_at == last_activity, Chat.id < last_id))
        )
    rows = db.session.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    members = _members_of([chat.id for chat, _seq, _message in rows])
    items = []
    for chat, last_read_seq, last_message in rows:
        items.append(
            _chat_list_schema.dump(
                {
                    **_chat_fields(chat),
                    "members": members.get(chat.id, []),
                    "last_message": last_message,
                    "unread": max(chat.last_seq - last_read_seq, 0),
                    "last_read_seq": last_read_seq,
                }
            )
        )
    next_cursor = None
    if more:
        chat = rows[-1][0]
        next_cursor = encode_cursor([chat.last_activity_at.isoformat(), chat.id])
    return {"items": items, "next_cursor": next_cursor}


def _check_user_group(chat: Chat) -> None:
    if chat.type != GROUP:
        raise Forbidden(_("A private chat has no members to manage and no title."))
    if chat.kind is not None:
        raise Forbidden(_("Campus chats follow the directory; their members and titles are not edited by hand."))


def _retitle(chat_id: int, title: str) -> None:
    """A rename is a chat change: the chat's next rev, then the title (committed by the caller)."""
    _bump(chat_id, chat_change=True)
    db.session.execute(
        update(Chat).where(Chat.id == chat_id).values(title=title).execution_options(synchronize_session=False)
    )


def rename_chat(user: Principal, chat_id: int, title: str) -> dict[str, Any]:
    chat, member = _membership(chat_id, user.id)
    _check_user_group(chat)
    if member.role not in (OWNER, ADMIN):
        raise Forbidden(_("Only the group's owner and admins rename it."))
    if chat.title == title:
        return describe_chat(chat)
    _retitle(chat.id, title)
    db.session.commit()
    described = describe_chat(db.session.get(Chat, chat.id))
    notify.chat_renamed(described)
    return described


def add_member(user: Principal, chat_id: int, user_id: int) -> tuple[dict[str, Any], bool]:
    """Add `user_id` to a group (owners and admins), or a teacher joins a campus chat;
    `(chat, added)`."""
    if user_id == user.id and user.can("chat.join_campus"):
        chat = db.session.scalar(select(Chat).where(Chat.id == chat_id, Chat.kind.is_not(None)))
        if chat is not None:
            return _add(chat, user_id, MEMBER)
    chat, member = _membership(chat_id, user.id)
    _check_user_group(chat)
    if member.role not in (OWNER, ADMIN):
        raise Forbidden(_("Only the group's owner and admins add members."))
    _active_user(user_id)
    return _add(chat, user_id, MEMBER)


def _add(chat: Chat, user_id: int, role: str) -> tuple[dict[str, Any], bool]:
    if db.session.get(ChatMember, (chat.id, user_id)) is not None:
        return describe_chat(chat), False
    try:
        last_seq, rev = _bump(chat.id, chat_change=True)
        db.session.add(ChatMember(chat_id=chat.id, user_id=user_id, role=role, joined_rev=rev, last_read_seq=last_seq))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return describe_chat(db.session.get(Chat, chat.id)), False
    described = describe_chat(db.session.get(Chat, chat.id))
    notify.member_added(described, user_id)
    return described, True


def remove_member(user: Principal, chat_id: int, user_id: int) -> None:
    """Remove `user_id` from a group, or leave it (`user_id` is the caller).

    Owners remove anyone, admins remove members, moderators remove anyone from user-created
    groups; campus chats follow the directory (teachers who joined one may leave it).
    """
    chat, member = _membership(chat_id, user.id)
    if user_id == user.id:
        if chat.type != GROUP:
            raise Forbidden(_("A private chat can't be left."))
        if chat.kind is not None and not user.can("chat.join_campus"):
            raise Forbidden(_("Campus chats follow the directory; you can't leave this one."))
        target = member
    else:
        _check_user_group(chat)
        target = db.session.get(ChatMember, (chat.id, user_id))
        if target is None:
            raise NotFound(_("No such member."))
        allowed = member.role == OWNER or user.can("chat.moderate") or (member.role == ADMIN and target.role == MEMBER)
        if not allowed or (target.role == OWNER and member.role != OWNER and not user.can("chat.moderate")):
            raise Forbidden(_("You may not remove this member."))
    _remove(chat, target)


def _remove(chat: Chat, target: ChatMember) -> None:
    user_id = target.user_id
    notify.member_leaving(chat.id, user_id)
    _bump(chat.id, chat_change=True)
    was_owner = target.role == OWNER
    db.session.delete(target)
    db.session.flush()
    if (
        was_owner
        and db.session.scalar(
            select(ChatMember.user_id).where(ChatMember.chat_id == chat.id, ChatMember.role == OWNER).limit(1)
        )
        is None
    ):
        heir = db.session.scalar(
            select(ChatMember)
            .where(ChatMember.chat_id == chat.id)
            .order_by(ChatMember.role == MEMBER, ChatMember.joined_rev, ChatMember.user_id)
            .limit(1)
        )
        if heir is not None:
            heir.role = OWNER
    db.session.commit()
    notify.member_removed(describe_chat(db.session.get(Chat, chat.id)), user_id)


# --- presence ------------------------------------------------------------------------------


def went_offline(user_id: int) -> tuple[list[int], str]:
    """Record when the user was last seen; `(their chat ids, last_seen)` for the announcement."""
    now = utcnow()
    db.session.execute(
        update(User).where(User.id == user_id).values(last_seen_at=now).execution_options(synchronize_session=False)
    )
    db.session.commit()
    return member_chat_ids(user_id), dump_time(now)


def last_seen(user_id: int) -> str | None:
    return dump_time(db.session.scalar(select(User.last_seen_at).where(User.id == user_id)))


# --- campus chats --------------------------------------------------------------------------


def _campus_key(kind: str, major_id: int, year: int | None) -> str:
    return f"major:{major_id}" if kind == MAJOR else f"cohort:{major_id}:{year}"


def _campus_title(kind: str, major_name: str, year: int | None) -> str:
    """A major chat is titled by the major, a cohort chat by the major and enrollment year."""
    return (major_name if kind == MAJOR else f"{major_name}, {year}")[:100]


def _campus_chat(kind: str, major_id: int, year: int | None, title: str) -> Chat:
    """The major's or cohort's chat, created on first need."""
    key = _campus_key(kind, major_id, year)
    chat = db.session.scalar(select(Chat).where(Chat.key == key))
    if chat is not None:
        return chat
    now = utcnow()
    chat = Chat(
        type=GROUP,
        kind=kind,
        title=title,
        major_id=major_id,
        enrollment_year=year,
        key=key,
        rev=0,
        changed_rev=0,
        created_at=now,
        updated_at=now,
        last_activity_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(chat)
    except IntegrityError:  # created at the same moment for another student of the cohort
        chat = db.session.scalar(select(Chat).where(Chat.key == key))
    return chat


def sync_campus_memberships(user_ids: int | Iterable[int]) -> None:
    """Bring these users' campus chat memberships in step with their student records.

    Each is a member of the major chat and the cohort chat (major + enrollment year) of their
    linked student record, and out of those they no longer belong to; memberships a teacher took
    by hand are left alone. One unit of work for the batch (an import links many students at
    once); after the commit sockets move, and each touched chat is described and announced once.
    """
    from campus.majors.models import Major
    from campus.students.models import Student

    user_ids = sorted({user_ids} if isinstance(user_ids, int) else set(user_ids))
    records = {
        user_id: (major_id, year, name)
        for user_id, major_id, year, name in db.session.execute(
            select(Student.user_id, Student.major_id, Student.enrollment_year, Major.name)
            .join(Major, Major.id == Student.major_id)
            .where(Student.user_id.in_(user_ids))
        )
    }
    memberships: dict[int, dict[str, tuple[Chat, ChatMember]]] = {user_id: {} for user_id in user_ids}
    for chat, member in db.session.execute(
        select(Chat, ChatMember)
        .join(ChatMember, ChatMember.chat_id == Chat.id)
        .where(ChatMember.user_id.in_(user_ids), Chat.kind.is_not(None))
    ):
        memberships[member.user_id][chat.key] = (chat, member)
    added: dict[int, list[int]] = {}  # chat id → users added
    removed: dict[int, list[int]] = {}  # chat id → users removed
    for user_id in user_ids:
        wanted: dict[str, tuple[str, int, int | None, str]] = {}
        if user_id in records:
            major_id, year, name = records[user_id]
            wanted[_campus_key(MAJOR, major_id, None)] = (MAJOR, major_id, None, _campus_title(MAJOR, name, None))
            wanted[_campus_key(COHORT, major_id, year)] = (COHORT, major_id, year, _campus_title(COHORT, name, year))
        current = memberships[user_id]
        for key, (kind, major_id, year, title) in wanted.items():
            if key in current:
                current[key][1].directory = True
                continue
            chat = _campus_chat(kind, major_id, year, title)
            last_seq, rev = _bump(chat.id, chat_change=True)
            # A newcomer starts with the chat's history read, not hundreds of unread messages.
            db.session.add(
                ChatMember(
                    chat_id=chat.id,
                    user_id=user_id,
                    role=MEMBER,
                    joined_rev=rev,
                    last_read_seq=last_seq,
                    directory=True,
                )
            )
            added.setdefault(chat.id, []).append(user_id)
        for key, (chat, member) in current.items():
            if key not in wanted and member.directory:
                notify.member_leaving(chat.id, user_id)
                _bump(chat.id, chat_change=True)
                db.session.delete(member)
                removed.setdefault(chat.id, []).append(user_id)
    db.session.commit()
    for chat_id in sorted(set(added) | set(removed)):
        described = describe_chat(db.session.get(Chat, chat_id))
        if chat_id in added:
            notify.members_added(described, added[chat_id])
        if chat_id in removed:
            notify.members_removed(described, removed[chat_id])


def list_campus_chats(user: User) -> list[dict[str, Any]]:
    """Every major and cohort chat, for those who may join any (teachers, admins)."""
    if not user.can("chat.join_campus"):
        raise Forbidden(_("Only teachers and admins browse campus chats."))
    mine = set(member_chat_ids(user.id))
    chats = db.session.scalars(
        select(Chat)
        .where(Chat.kind.is_not(None))
        .order_by(Chat.major_id, Chat.enrollment_year.is_not(None), Chat.enrollment_year)
    )
    return [{**_chat_fields(chat), "member": chat.id in mine} for chat in chats]


def on_student_membership_changed(_sender, user_ids: list[int], **_extra) -> None:
    """Receiver of `campus.students.signals.student_membership_changed` (after its commit)."""
    sync_campus_memberships(user_ids)


def rename_campus_chats(major_id: int, name: str) -> list[int]:
    """The major's chat and its cohort chats take the major's new name, each as a rename (its
    next rev, `chat_updated` "renamed"); the ids of the chats renamed."""
    renamed = []
    for chat_id, kind, year, title in db.session.execute(
        select(Chat.id, Chat.kind, Chat.enrollment_year, Chat.title)
        .where(Chat.major_id == major_id, Chat.kind.is_not(None))
        .order_by(Chat.id)
    ).all():
        new_title = _campus_title(kind, name, year)
        if new_title != title:
            _retitle(chat_id, new_title)
            renamed.append(chat_id)
    db.session.commit()
    for chat_id in renamed:
        notify.chat_renamed(describe_chat(db.session.get(Chat, chat_id)))
    return renamed


def on_major_renamed(_sender, major_id: int, name: str, **_extra) -> None:
    """Receiver of `campus.majors.signals.major_renamed` (after its commit)."""
    rename_campus_chats(major_id, name)


def on_role_changed(_sender, user_id: int, **_extra) -> None:
    """Receiver of `campus.users.signals.role_changed` (after its commit): a user who may no
    longer chat (demoted to guest) stops hearing their chats at once; one who may again hears
    them without reconnecting. Their memberships are kept."""
    chat_ids = member_chat_ids(user_id)
    if not chat_ids:
        return
    try:
        load_actor(user_id)
    except Forbidden:
        notify.chat_access_changed(user_id, chat_ids, may_chat=False)
    else:
        notify.chat_access_changed(user_id, chat_ids, may_chat=True)


def on_sessions_ended(_sender, user_id: int, token_ids: list[str] | None = None, **_extra) -> None:
    """Receiver of `campus.users.signals.sessions_ended` (after its commit): logged out,
    password changed, deactivated — the sockets opened with those credentials are disconnected."""
    notify.sessions_ended(user_id, token_ids)


def sync_all_campus_memberships() -> int:
    """Every linked student's campus chats in step (after an import, or to backfill); how many."""
    from campus.students.models import Student

    user_ids = list(db.session.scalars(select(Student.user_id).where(Student.user_id.is_not(None))))
    for start in range(0, len(user_ids), 500):
        sync_campus_memberships(user_ids[start : start + 500])
    return len(user_ids)
