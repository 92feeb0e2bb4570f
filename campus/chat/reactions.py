"""Reactions (docs/protocol.md#reactions): a member adds or takes back an emoji on a message.

A change takes the chat's next `rev` and becomes the message's rev, so `sync` replays it like an
edit; the message's reactions are kept on its row (`Message.reactions`, `{emoji: [user_id, …]}`),
changed under the chat's lock that `next_rev` takes.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import and_, select

from campus.chat import notify
from campus.chat.models import SYSTEM, Chat, ChatMember, Message
from campus.chat.payloads import MessagePayload, message_from_orm
from campus.chat.revs import next_rev
from campus.chat.schemas import REACTIONS
from campus.core.errors import NotFound, ValidationError
from campus.core.security import Principal
from campus.extensions import db


def _deleted() -> ValidationError:
    return ValidationError(_("A deleted message can't get reactions."), fields={"message_id": [_("Deleted.")]})


def _member_message(message_id: int, user_id: int, chat_id: int | None) -> Message:
    query = (
        select(Message)
        .join(Chat, Chat.id == Message.chat_id)
        .join(ChatMember, and_(ChatMember.chat_id == Chat.id, ChatMember.user_id == user_id))
        .where(Message.id == message_id)
    )
    if chat_id is not None:
        query = query.where(Message.chat_id == chat_id)
    message = db.session.scalar(query)
    if message is None:
        raise NotFound(_("Message not found."))
    return message


def _with(reactions: dict | None, emoji: str, user_id: int, on: bool) -> dict[str, list[int]]:
    changed = {key: list(users) for key, users in (reactions or {}).items()}
    users = [other for other in changed.get(emoji, []) if other != user_id]
    if on:
        users.append(user_id)
    if users:
        changed[emoji] = users
    else:
        changed.pop(emoji, None)
    return changed


def react(user: Principal, message_id: int, emoji: str, on: bool, *, chat_id: int | None = None) -> MessagePayload:
    """Add (`on`) or take back the caller's `emoji` on a message of a chat they are in.

    Saying the same twice changes nothing (no new rev, no broadcast). A message of another chat —
    or, over HTTP, of another chat than `chat_id` — is NotFound.
    """
    if emoji not in REACTIONS:
        raise ValidationError(fields={"emoji": [_("Not one of the reactions.")]})
    message = _member_message(message_id, user.id, chat_id)
    if message.deleted_at is not None:
        raise _deleted()
    if message.kind == SYSTEM:
        raise ValidationError(_("A system line can't get reactions."), fields={"message_id": [_("A system line.")]})
    if (user.id in (message.reactions or {}).get(emoji, [])) == on:
        return message_from_orm(message)
    _seq, rev = next_rev(message.chat_id)
    db.session.refresh(message)  # under the chat's lock: another reaction or a deletion meanwhile
    if message.deleted_at is not None:
        db.session.rollback()
        raise _deleted()
    message.reactions, message.rev = _with(message.reactions, emoji, user.id, on), rev
    db.session.flush()
    payload = message_from_orm(message)
    db.session.commit()
    notify.message_reacted(payload)
    return payload
