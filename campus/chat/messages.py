"""Messages: send, edit, delete, read markers and typing (history pages: `campus.chat.history`).

Each call is one short unit of work; its events go out through `notify` only after the commit.
`send_message`, `mark_read` and `typing` are the frequent events: they run the prebuilt
statements below.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Boolean, and_, bindparam, exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from campus.audit.services import record
from campus.chat import mentions as chat_mentions
from campus.chat import notify
from campus.chat.access import membership
from campus.chat.message_parts import reply_from_values
from campus.chat.models import MAJOR, SYSTEM, Chat, ChatMember, ChatMute, Message
from campus.chat.moderation import Muted, active_mute, may_moderate
from campus.chat.payloads import (
    MessagePayload,
    MessageValues,
    message_from_orm,
    message_from_values,
)
from campus.chat.revs import next_rev
from campus.chat.schemas import MAX_BODY
from campus.chat.uploads import delete_files, release_deleted, take_for_message
from campus.core.errors import Forbidden, NotFound, TooLarge, ValidationError
from campus.core.models import utcnow
from campus.core.security import Principal
from campus.extensions import db

# --- prebuilt statements for the frequent events --------------------------------------------
# Built once with bindparam()s over table columns and run on the session's connection (in its
# transaction): building an ORM statement and its cache key on every call cost the send path
# ten times what the database spends running it (docs/performance.md, "Chat"). The fast path of
# the socket events (`campus.chat.fast_events`) runs the same statements, compiled once.

_chats, _members, _messages = Chat.__table__, ChatMember.__table__, Message.__table__
_mutes = ChatMute.__table__

# A message's numbers: the chat's next seq and rev, taken only while the sender is a member and
# may post there (announcement chats need `chat.post_announcements`; no mute that has not ended)
# — `next_rev` for one message.
TAKE_MESSAGE_NUMBERS = (
    update(_chats)
    .where(
        _chats.c.id == bindparam("chat"),
        exists().where(_members.c.chat_id == bindparam("chat"), _members.c.user_id == bindparam("user")),
        or_(_chats.c.kind.is_(None), _chats.c.kind != MAJOR, bindparam("may_announce", type_=Boolean)),
        ~exists().where(
            _mutes.c.chat_id == bindparam("chat"),
            _mutes.c.user_id == bindparam("user"),
            _mutes.c.until > bindparam("now", type_=_mutes.c.until.type),
        ),
    )
    .values(
        rev=_chats.c.rev + 1,
        last_seq=_chats.c.last_seq + 1,
        updated_at=bindparam("now", type_=_chats.c.updated_at.type),
        last_activity_at=bindparam("now", type_=_chats.c.last_activity_at.type),
    )
    .returning(_chats.c.last_seq, _chats.c.rev)
)

# The message a reply answers, in the same chat: its quote's columns (`REPLY_COLUMNS`).
MESSAGE_IN_CHAT = select(_messages.c.seq, _messages.c.sender_id, _messages.c.body, _messages.c.deleted_at).where(
    _messages.c.id == bindparam("message"), _messages.c.chat_id == bindparam("chat"), _messages.c.kind.is_(None)
)

INSERT_MESSAGE = insert(_messages).returning(_messages.c.id)

SET_READ_MARKER = (
    update(_members)
    .where(_members.c.chat_id == bindparam("chat"), _members.c.user_id == bindparam("user"))
    .values(last_read_seq=bindparam("seq"))
)

# Only forward: an older `read` arriving late changes nothing.
ADVANCE_READ_MARKER = SET_READ_MARKER.where(_members.c.last_read_seq < bindparam("seq"))

MEMBER_STATE = (
    select(_chats.c.kind, _chats.c.last_seq, _members.c.last_read_seq)
    .join(_members, _members.c.chat_id == _chats.c.id)
    .where(_chats.c.id == bindparam("chat"), _members.c.user_id == bindparam("user"))
)


def _member_state(chat_id: int, user_id: int):
    """`(kind, last_seq, last_read_seq)` of a chat the user is in — columns only, for the
    frequent events (read, typing); NotFound otherwise."""
    row = db.session.connection().execute(MEMBER_STATE, {"chat": chat_id, "user": user_id}).first()
    if row is None:
        raise NotFound(_("Chat not found."))
    return row


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


# --- send, edit, delete ----------------------------------------------------------------------


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
    mentions: list[int] | None = None,
) -> tuple[MessagePayload, bool]:
    """Store a message and broadcast it; `(message, created)`.

    Idempotent by `(sender, client_id)`: a resend — even with another body — returns the stored
    message and stores nothing. The happy path is one UPDATE … RETURNING (membership and the
    announcement rule in its WHERE), one INSERT, one UPDATE of the sender's read marker; with
    an attachment, one UPDATE more takes the upload (only the sender's, only once).
    """
    body = _clean_body(body, required=attachment_id is None)
    attachment = None
    try:
        connection = db.session.connection()
        now = utcnow()
        numbers = connection.execute(
            TAKE_MESSAGE_NUMBERS,
            {"chat": chat_id, "user": user.id, "may_announce": user.can("chat.post_announcements"), "now": now},
        ).first()
        if numbers is None:
            db.session.rollback()
            stored = _stored_message(user.id, client_id)
            if stored is not None:
                return message_from_orm(stored), False
            membership(chat_id, user.id)
            mute = active_mute(chat_id, user.id, now)
            if mute is not None:
                raise Muted(mute)
            raise Forbidden(_("Only teachers and admins post in announcement chats."))
        seq, rev = numbers
        reply = None
        if reply_to is not None:
            original = connection.execute(MESSAGE_IN_CHAT, {"message": reply_to, "chat": chat_id}).first()
            if original is None:
                raise ValidationError(fields={"reply_to": ["No such message in this chat."]})
            reply = reply_from_values(reply_to, *original)
        mentioned, everyone = chat_mentions.resolve(connection, user, chat_id, body, mentions or [])
        if attachment_id is not None:
            try:
                attachment = take_for_message(user.id, attachment_id, now)
            except (NotFound, ValidationError):
                # A resend of a message that took it already returns that message.
                db.session.rollback()
                stored = _stored_message(user.id, client_id)
                if stored is not None:
                    return message_from_orm(stored), False
                raise
        values: MessageValues = {
            "chat_id": chat_id,
            "seq": seq,
            "rev": rev,
            "sender_id": user.id,
            "client_id": client_id,
            "body": body,
            "attachment_id": attachment_id,
            "reply_to": reply_to,
            "created_at": now,
            "edited_at": None,
            "deleted_at": None,
            "kind": None,
            "data": None,
            "mentions": mentioned,
            "mentions_all": everyone,
            "reactions": None,
        }
        message_id = connection.execute(INSERT_MESSAGE, values).scalar_one()
        # Sending implies having read the chat up to one's own message.
        connection.execute(SET_READ_MARKER, {"chat": chat_id, "user": user.id, "seq": seq})
        payload = message_from_values(message_id, values, attachment, reply)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        stored = _stored_message(user.id, client_id)
        if stored is None:
            raise
        return message_from_orm(stored), False
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
    if row[0].kind == SYSTEM:
        raise ValidationError(_("A system line can't be changed."), fields={"message_id": [_("A system line.")]})
    return row[0], row[1], row[2]


def edit_message(user: Principal, message_id: int, body: str) -> MessagePayload:
    """Change the text of one's own message; it takes the chat's next rev."""
    body = _clean_body(body, required=True)
    message, chat, _member = _message_for_member(message_id, user.id)
    if message.sender_id != user.id:
        raise Forbidden(_("Only the sender edits a message."))
    if message.deleted_at is not None:
        raise ValidationError(_("A deleted message can't be edited."), fields={"message_id": [_("Deleted.")]})
    if message.body == body:
        return message_from_orm(message)
    _seq, rev = next_rev(chat.id)
    # Read the message again under the chat's lock: a deletion committed meanwhile wins.
    db.session.refresh(message)
    if message.deleted_at is not None:
        db.session.rollback()
        raise ValidationError(_("A deleted message can't be edited."), fields={"message_id": [_("Deleted.")]})
    message.body, message.rev, message.edited_at = body, rev, utcnow()
    db.session.flush()
    payload = message_from_orm(message)
    db.session.commit()
    notify.message_updated(payload)
    return payload


def delete_message(user: Principal, message_id: int) -> MessagePayload:
    """Delete one's own message, or (in groups) another's as one who moderates the chat.

    The message keeps its place with no body; its attachment's file is deleted with it. Deleting
    it again returns it unchanged.
    """
    message, chat, member = _message_for_member(message_id, user.id)
    if message.sender_id != user.id and not may_moderate(user, chat, member):
        raise Forbidden(_("You may delete only your own messages here."))
    if message.deleted_at is not None:
        return message_from_orm(message)
    _seq, rev = next_rev(chat.id)
    db.session.refresh(message)  # under the chat's lock: deleted meanwhile?
    if message.deleted_at is not None:
        payload = message_from_orm(message)
        db.session.rollback()
        return payload
    files = release_deleted(message.attachment) if message.attachment is not None else None
    message.body, message.attachment, message.rev, message.deleted_at = None, None, rev, utcnow()
    message.pinned_at = message.pinned_by_id = None
    if message.sender_id != user.id:
        # Shown as "deleted by a moderator"; the audit log says who (docs/design.md#moderation).
        message.deleted_by_id = user.id
        record(user.id, "chat.message_deleted", "message", message.id, {"chat_id": chat.id, "seq": message.seq}, None)
    db.session.flush()
    payload = message_from_orm(message)
    db.session.commit()
    if files is not None:
        delete_files(files)
    notify.message_deleted(payload)
    return payload


# --- read markers, typing -------------------------------------------------------------------


def mark_read(user: Principal, chat_id: int, seq: int) -> None:
    """Move the caller's read marker forward to `seq` (never back)."""
    state = _member_state(chat_id, user.id)
    if seq > state.last_seq:
        raise ValidationError(fields={"seq": [_("The chat's last message is %(seq)d.", seq=state.last_seq)]})
    if seq <= state.last_read_seq:
        return
    result = db.session.connection().execute(ADVANCE_READ_MARKER, {"chat": chat_id, "user": user.id, "seq": seq})
    db.session.commit()
    if result.rowcount:
        notify.read(chat_id, user.id, seq)


def typing(user: Principal, chat_id: int, is_typing: bool, skip_sid: str | None = None) -> None:
    """Tell the chat's other members that the caller types (nothing is stored)."""
    state = _member_state(chat_id, user.id)
    if state.kind == MAJOR and not user.can("chat.post_announcements"):
        raise Forbidden(_("Only teachers and admins post in announcement chats."))
    notify.typing(chat_id, user.id, is_typing, skip_sid=skip_sid)
