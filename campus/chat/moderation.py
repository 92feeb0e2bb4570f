"""Moderation in chats (docs/design.md#moderation): pins, mutes, and who may act.

Who moderates a group: its owner and admins, anyone with `chat.moderate`, and in campus chats
those who post announcements there (`chat.post_announcements`: teachers, admins). Members of a
private chat pin in it. Every action is in the audit log, in the action's own transaction.

A pin is a message-level change: it takes the chat's next `rev`, so `sync` replays it with the
message and `message_updated` announces it. A mute is a row the send path checks in the same
statement that takes the message's numbers (`campus.chat.messages`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from campus.audit.services import record
from campus.chat import notify
from campus.chat.access import membership, require_member
from campus.chat.models import ADMIN, GROUP, OWNER, PRIVATE, SYSTEM, Chat, ChatMember, ChatMute, Message
from campus.chat.payloads import MessagePayload, message_from_orm, message_from_row, select_messages
from campus.chat.revs import next_rev
from campus.core.errors import Conflict, Forbidden, NotFound, ValidationError
from campus.core.models import utcnow
from campus.core.schemas import dump_time
from campus.core.security import Principal
from campus.extensions import db
from campus.roles.models import Permission, Role, role_permissions
from campus.users.models import User

MAX_PINS = 50
MAX_MUTE_MINUTES = 366 * 24 * 60


class Muted(Forbidden):
    """A send refused because the sender is muted: `forbidden`, with the reason and the end."""

    def __init__(self, mute: ChatMute):
        until = dump_time(mute.until)
        super().__init__(_("You are muted in this chat until %(until)s: %(reason)s", until=until, reason=mute.reason))
        self.muted = {"until": until, "reason": mute.reason}

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "muted": self.muted}


def may_moderate(user: Principal, chat: Chat, member: ChatMember) -> bool:
    """Whether `user` (a member of `chat`) pins, mutes and deletes others' messages there."""
    if chat.type != GROUP:
        return False
    if user.can("chat.moderate") or member.role in (OWNER, ADMIN):
        return True
    return chat.kind is not None and user.can("chat.post_announcements")


def active_mute(chat_id: int, user_id: int, now: datetime | None = None) -> ChatMute | None:
    """The user's mute in the chat if it has not ended."""
    mute = db.session.get(ChatMute, (chat_id, user_id))
    return mute if mute is not None and mute.until > (now or utcnow()) else None


# --- pins -----------------------------------------------------------------------------------


def _message_in_chat(user: Principal, chat_id: int, message_id: int) -> tuple[Message, Chat, ChatMember]:
    chat, member = membership(chat_id, user.id)
    message = db.session.scalar(select(Message).where(Message.id == message_id, Message.chat_id == chat_id))
    if message is None:
        raise NotFound(_("Message not found."))
    return message, chat, member


def set_pinned(user: Principal, chat_id: int, message_id: int, pinned: bool) -> MessagePayload:
    """Pin or unpin a message of the chat; doing it again changes nothing."""
    message, chat, member = _message_in_chat(user, chat_id, message_id)
    if not (chat.type == PRIVATE or may_moderate(user, chat, member)):
        raise Forbidden(_("You may not pin messages here."))
    if pinned and message.deleted_at is not None:
        raise ValidationError(_("A deleted message can't be pinned."), fields={"message_id": [_("Deleted.")]})
    if message.kind == SYSTEM:  # "A added B" is no announcement (docs/design.md#conversations)
        raise ValidationError(_("A system line can't be changed."), fields={"message_id": [_("A system line.")]})
    if (message.pinned_at is not None) == pinned:
        return message_from_orm(message)
    if pinned and _pin_count(chat_id) >= MAX_PINS:
        raise Conflict(_("A chat has at most %(count)d pinned messages.", count=MAX_PINS))
    _seq, rev = next_rev(chat.id)
    db.session.refresh(message)  # under the chat's lock: deleted or pinned meanwhile?
    if message.deleted_at is not None or (message.pinned_at is not None) == pinned:
        payload = message_from_orm(message)
        db.session.rollback()
        return payload
    message.pinned_at, message.pinned_by_id, message.rev = (utcnow(), user.id, rev) if pinned else (None, None, rev)
    action = "chat.message_pinned" if pinned else "chat.message_unpinned"
    record(user.id, action, "message", message.id, None, {"chat_id": chat.id, "seq": message.seq})
    db.session.flush()
    payload = message_from_orm(message)
    db.session.commit()
    notify.message_updated(payload)
    return payload


def _pin_count(chat_id: int) -> int:
    return db.session.scalar(select(func.count()).where(Message.chat_id == chat_id, Message.pinned_at.is_not(None)))


def pinned_messages(user: Principal, chat_id: int) -> list[MessagePayload]:
    """The chat's pinned messages, the latest pinned first."""
    require_member(chat_id, user.id)
    rows = db.session.execute(
        select_messages()
        .where(Message.chat_id == chat_id, Message.pinned_at.is_not(None))
        .order_by(Message.pinned_at.desc(), Message.id.desc())
        .limit(MAX_PINS)
    ).all()
    return [message_from_row(row) for row in rows]


# --- staff --------------------------------------------------------------------------------


def chat_staff(user: Principal, chat_id: int) -> list[dict[str, Any]]:
    """The members who post announcements in a campus chat (its teachers and admins), by name;
    an empty list for other chats."""
    chat, _member = membership(chat_id, user.id)
    if chat.kind is None:
        return []
    rows = db.session.execute(
        select(User.id, User.first_name, User.last_name)
        .join(ChatMember, and_(ChatMember.user_id == User.id, ChatMember.chat_id == chat_id))
        .join(Role, Role.id == User.role_id)
        .join(role_permissions, role_permissions.c.role_id == Role.id)
        .join(Permission, Permission.id == role_permissions.c.permission_id)
        .where(Permission.name == "chat.post_announcements", User.is_active)
        .order_by(User.last_name, User.first_name, User.id)
    )
    return [{"user_id": row.id, "first_name": row.first_name, "last_name": row.last_name} for row in rows]


# --- mutes ----------------------------------------------------------------------------------


def _mute_payload(mute: ChatMute) -> dict[str, Any]:
    return {
        "chat_id": mute.chat_id,
        "user_id": mute.user_id,
        "until": dump_time(mute.until),
        "reason": mute.reason,
        "muted_by": mute.muted_by_id,
    }


def _moderated_member(user: Principal, chat_id: int, user_id: int) -> ChatMember:
    """The member `user` acts on; Forbidden unless `user` moderates the chat and outranks them."""
    chat, member = membership(chat_id, user.id)
    if not may_moderate(user, chat, member):
        raise Forbidden(_("You may not mute members here."))
    target = db.session.get(ChatMember, (chat_id, user_id))
    if target is None:
        raise NotFound(_("No such member."))
    if user_id == user.id:
        raise ValidationError(_("You can't mute yourself."), fields={"user_id": [_("That is you.")]})
    if not user.can("chat.moderate"):
        target_user = db.session.get(User, user_id)
        if target.role == OWNER or (target_user is not None and target_user.can("chat.moderate")):
            raise Forbidden(_("You may not mute this member."))
    return target


def mute_member(user: Principal, chat_id: int, user_id: int, *, minutes: int, reason: str) -> dict[str, Any]:
    """Make a member read-only in the chat for `minutes` (replacing an earlier mute)."""
    _moderated_member(user, chat_id, user_id)
    if not 1 <= minutes <= MAX_MUTE_MINUTES:
        raise ValidationError(fields={"minutes": [_("From 1 minute to a year.")]})
    until = utcnow() + timedelta(minutes=minutes)
    mute = db.session.get(ChatMute, (chat_id, user_id))
    old = _mute_payload(mute) if mute is not None else None
    if mute is None:
        mute = ChatMute(chat_id=chat_id, user_id=user_id)
        db.session.add(mute)
    mute.until, mute.reason, mute.muted_by_id, mute.created_at = until, reason, user.id, utcnow()
    db.session.flush()
    payload = _mute_payload(mute)
    record(user.id, "chat.member_muted", "user", user_id, old, payload)
    db.session.commit()
    return payload


def unmute_member(user: Principal, chat_id: int, user_id: int) -> None:
    """End a member's mute (nothing to do when there is none)."""
    _moderated_member(user, chat_id, user_id)
    mute = db.session.get(ChatMute, (chat_id, user_id))
    if mute is None:
        return
    record(user.id, "chat.member_unmuted", "user", user_id, _mute_payload(mute), None)
    db.session.delete(mute)
    db.session.commit()


def chat_mutes(user: Principal, chat_id: int) -> list[dict[str, Any]]:
    """The chat's mutes that have not ended (for those who moderate it)."""
    chat, member = membership(chat_id, user.id)
    if not may_moderate(user, chat, member):
        raise Forbidden(_("You may not mute members here."))
    mutes = db.session.scalars(
        select(ChatMute)
        .join(ChatMember, and_(ChatMember.chat_id == ChatMute.chat_id, ChatMember.user_id == ChatMute.user_id))
        .where(ChatMute.chat_id == chat_id, ChatMute.until > utcnow())
        .order_by(ChatMute.until)
    )
    return [_mute_payload(mute) for mute in mutes]
