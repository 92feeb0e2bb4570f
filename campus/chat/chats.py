"""Chats: create (private, group), read (one, the caller's list), rename, members (add, remove,
leave).

Each call is one short unit of work; its events go out through `notify` only after the commit
(a removal's "leave" also before it, see `campus.chat.rooms`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from campus.audit.services import record
from campus.chat import notify, system_lines
from campus.chat.access import membership
from campus.chat.chat_payloads import chat_fields, describe_chat, members_of
from campus.chat.models import ADMIN, GROUP, MEMBER, OWNER, PRIVATE, Chat, ChatMember, Message
from campus.chat.revs import next_rev
from campus.chat.schemas import ChatListItemSchema
from campus.core.api import decode_cursor, encode_cursor
from campus.core.errors import Forbidden, NotFound, ValidationError
from campus.core.models import utcnow
from campus.core.security import Principal
from campus.extensions import db
from campus.users.models import User

_chat_list_schema = ChatListItemSchema()


# --- create ---------------------------------------------------------------------------------


def private_key(a: int, b: int) -> str:
    """The `Chat.key` of the private chat of users `a` and `b` (one per pair)."""
    return f"private:{min(a, b)}:{max(a, b)}"


def _active_user(user_id: int) -> User:
    other = db.session.get(User, user_id)
    if other is None or not other.is_active:
        raise NotFound(_("No such user."))
    return other


def _new_chat(user: Principal, **columns: Any) -> Chat:
    """A chat created by `user` now, at rev 1, added to the session (not yet flushed)."""
    now = utcnow()
    chat = Chat(
        created_by_id=user.id, rev=1, changed_rev=1, created_at=now, updated_at=now, last_activity_at=now, **columns
    )
    db.session.add(chat)
    return chat


def create_private_chat(user: Principal, other_id: int) -> tuple[dict[str, Any], bool]:
    """The one private chat of the pair (with oneself: Saved messages); `(chat, created)`."""
    key = private_key(user.id, other_id)
    existing = db.session.scalar(select(Chat).where(Chat.key == key))
    if existing is not None:
        return describe_chat(existing), False
    if other_id != user.id:
        _active_user(other_id)
    chat = _new_chat(user, type=PRIVATE, key=key)
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
    chat = _new_chat(user, type=GROUP, title=title)
    db.session.flush()
    db.session.add(ChatMember(chat_id=chat.id, user_id=user.id, role=OWNER, joined_rev=1))
    for other in others:
        db.session.add(ChatMember(chat_id=chat.id, user_id=other, role=MEMBER, joined_rev=1))
    db.session.commit()
    described = describe_chat(chat)
    notify.chat_created(described)
    return described


# --- read -----------------------------------------------------------------------------------


def get_chat(user: Principal, chat_id: int) -> dict[str, Any]:
    """`<chat>`, for its members only (`NotFound` for anyone else)."""
    chat, member = membership(chat_id, user.id)
    return {**describe_chat(chat), "muted": member.muted}


def set_muted(user: Principal, chat_id: int, muted: bool) -> dict[str, Any]:
    """Mute or unmute the chat's notifications for the caller; `<chat>` with `muted`.

    Private to the member: no rev and no broadcast (other members do not learn of it).
    """
    chat, member = membership(chat_id, user.id)
    member.muted = muted
    db.session.commit()
    return {**describe_chat(chat), "muted": muted}


def list_chats(user: Principal, *, limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    """The caller's chats, most recent activity first, each with `last_message` and `unread`."""
    query = (
        select(Chat, ChatMember.last_read_seq, ChatMember.muted, Message)
        .join(ChatMember, and_(ChatMember.chat_id == Chat.id, ChatMember.user_id == user.id))
        .outerjoin(Message, and_(Message.chat_id == Chat.id, Message.seq == Chat.last_seq))
        .order_by(Chat.last_activity_at.desc(), Chat.id.desc())
        .limit(limit + 1)
    )
    after = decode_cursor(cursor, (datetime, int))
    if after is not None:
        last_activity, last_id = after
        query = query.where(
            or_(Chat.last_activity_at < last_activity, and_(Chat.last_activity_at == last_activity, Chat.id < last_id))
        )
    rows = db.session.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    members = members_of([chat.id for chat, _seq, _muted, _message in rows])
    items = []
    for chat, last_read_seq, muted, last_message in rows:
        items.append(
            _chat_list_schema.dump(
                {
                    **chat_fields(chat),
                    "members": members.get(chat.id, []),
                    "last_message": last_message,
                    "unread": max(chat.last_seq - last_read_seq, 0),
                    "last_read_seq": last_read_seq,
                    "muted": muted,
                }
            )
        )
    next_cursor = None
    if more:
        chat = rows[-1][0]
        next_cursor = encode_cursor([chat.last_activity_at.isoformat(), chat.id])
    return {"items": items, "next_cursor": next_cursor}


# --- rename, members -------------------------------------------------------------------------


def _check_user_group(chat: Chat) -> None:
    if chat.type != GROUP:
        raise Forbidden(_("A private chat has no members to manage and no title."))
    if chat.kind is not None:
        raise Forbidden(_("Campus chats follow the directory; their members and titles are not edited by hand."))


def retitle(chat_id: int, title: str) -> None:
    """A rename is a chat change: the chat's next rev, then the title (committed by the caller)."""
    next_rev(chat_id, chat_change=True)
    db.session.execute(
        update(Chat).where(Chat.id == chat_id).values(title=title).execution_options(synchronize_session=False)
    )


def rename_chat(user: Principal, chat_id: int, title: str) -> dict[str, Any]:
    """Rename a group (its owner and admins); the chat's members hear `chat_updated` "renamed"."""
    chat, member = membership(chat_id, user.id)
    _check_user_group(chat)
    if member.role not in (OWNER, ADMIN):
        raise Forbidden(_("Only the group's owner and admins rename it."))
    if chat.title == title:
        return describe_chat(chat)
    retitle(chat.id, title)
    line = system_lines.add_line(chat.id, user.id, system_lines.RENAMED, title=title)
    db.session.commit()
    described = describe_chat(db.session.get(Chat, chat.id))
    notify.chat_renamed(described)
    notify.message_created(line)
    return described


def add_member(user: Principal, chat_id: int, user_id: int) -> tuple[dict[str, Any], bool]:
    """Add `user_id` to a group (owners and admins), or a teacher joins a campus chat;
    `(chat, added)`."""
    if user_id == user.id and user.can("chat.join_campus"):
        chat = db.session.scalar(select(Chat).where(Chat.id == chat_id, Chat.kind.is_not(None)))
        if chat is not None:
            return _add(chat, user_id, MEMBER)
    chat, member = membership(chat_id, user.id)
    _check_user_group(chat)
    if member.role not in (OWNER, ADMIN):
        raise Forbidden(_("Only the group's owner and admins add members."))
    _active_user(user_id)
    return _add(chat, user_id, MEMBER, actor_id=user.id)


def _add(chat: Chat, user_id: int, role: str, actor_id: int | None = None) -> tuple[dict[str, Any], bool]:
    if db.session.get(ChatMember, (chat.id, user_id)) is not None:
        return describe_chat(chat), False
    line = None
    try:
        last_seq, rev = next_rev(chat.id, chat_change=True)
        db.session.add(ChatMember(chat_id=chat.id, user_id=user_id, role=role, joined_rev=rev, last_read_seq=last_seq))
        if actor_id is not None and system_lines.wanted(chat):
            db.session.flush()
            line = system_lines.add_line(chat.id, actor_id, system_lines.MEMBER_ADDED, user_id=user_id)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return describe_chat(db.session.get(Chat, chat.id)), False
    described = describe_chat(db.session.get(Chat, chat.id))
    notify.member_added(described, user_id)
    if line is not None:
        notify.message_created(line)
    return described, True


def remove_member(user: Principal, chat_id: int, user_id: int) -> None:
    """Remove `user_id` from a group, or leave it (`user_id` is the caller).

    Owners remove anyone, admins remove members, moderators remove anyone from user-created
    groups; campus chats follow the directory (teachers who joined one may leave it).
    """
    chat, member = membership(chat_id, user.id)
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
        record(user.id, "chat.member_removed", "user", user_id, {"chat_id": chat.id, "role": target.role}, None)
    _remove(chat, target, actor_id=user.id)


def _remove(chat: Chat, target: ChatMember, actor_id: int | None = None) -> None:
    user_id = target.user_id
    notify.member_leaving(chat.id, user_id)
    next_rev(chat.id, chat_change=True)
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
    line = None
    if actor_id is not None and system_lines.wanted(chat):
        if actor_id == user_id:
            line = system_lines.add_line(chat.id, actor_id, system_lines.MEMBER_LEFT)
        else:
            line = system_lines.add_line(chat.id, actor_id, system_lines.MEMBER_REMOVED, user_id=user_id)
    db.session.commit()
    notify.member_removed(describe_chat(db.session.get(Chat, chat.id)), user_id)
    if line is not None:
        notify.message_created(line)
