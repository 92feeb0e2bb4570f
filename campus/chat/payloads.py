"""The chat's payloads as clients receive them (docs/protocol.md): `<message>` and `<chat>`.

A `<message>` is built by hand, by one named builder per source — an ORM `Message`
(`message_from_orm`), a row of `MESSAGE_COLUMNS` (`message_from_row`), the values just inserted
(`message_from_values`). Sends, history pages and sync answers are the hot paths of docs/design.md#hot-paths
and marshmallow costs ~70 µs a message; `MessageSchema` documents the same shape (OpenAPI) and a
test keeps every builder equal to it. `<chat>` is built in `campus.chat.chat_payloads`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import Row, Select, select
from sqlalchemy.orm import aliased

from campus.chat.message_parts import ReactionPayload, ReplyPayload, reactions_list, reply_from_values
from campus.chat.models import Message, Upload
from campus.core.schemas import dump_time


class AttachmentPayload(TypedDict):
    """A message's `attachment`, and the answer to an upload (docs/protocol.md#attachments)."""

    id: int
    kind: str
    mime: str
    size: int
    name: str
    url: str
    duration: float | None
    width: int | None
    height: int | None
    thumb_url: str | None
    note: bool


class MessagePayload(TypedDict):
    """`<message>` (docs/protocol.md): times ISO 8601 UTC; a deleted message keeps its place with no body."""

    id: int
    chat_id: int
    seq: int
    rev: int
    sender_id: int | None
    client_id: str
    body: str | None
    attachment: AttachmentPayload | None
    reply_to: int | None
    created_at: str
    edited_at: str | None
    deleted_at: str | None
    kind: str
    data: dict[str, Any] | None
    mentions: list[int]
    mentions_all: bool
    reactions: list[ReactionPayload]
    reply: ReplyPayload | None
    pinned_at: str | None
    deleted_by_moderator: bool


class MessageValues(TypedDict):
    """The columns of a new message as the send path inserts them (its id comes back apart)."""

    chat_id: int
    seq: int
    rev: int
    sender_id: int
    client_id: str
    body: str | None
    attachment_id: int | None
    reply_to: int | None
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    kind: str | None
    data: dict[str, Any] | None
    mentions: list[int] | None
    mentions_all: bool
    reactions: dict[str, list[int]] | None


# The columns of `<message>`, in `_message`'s order, then its attachment's (`select_messages`):
# history and sync read rows, not ORM objects (docs/design.md#hot-paths).
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
    Message.kind,
    Message.data,
    Message.mentions,
    Message.mentions_all,
    Message.reactions,
    Message.pinned_at,
    Message.deleted_by_id,
)
ATTACHMENT_COLUMNS = (
    Upload.kind,
    Upload.mime,
    Upload.size,
    Upload.name,
    Upload.duration,
    Upload.width,
    Upload.height,
    Upload.thumb_key,
    Upload.note,
)
_ATTACHMENT_AT = MESSAGE_COLUMNS.index(Message.attachment_id)
# The message a reply answers, joined in the same statement (its quote: `reply`).
Original = aliased(Message, name="original")
REPLY_COLUMNS = (
    Original.seq.label("reply_seq"),
    Original.sender_id.label("reply_sender_id"),
    Original.body.label("reply_body"),
    Original.deleted_at.label("reply_deleted_at"),
)


def select_messages() -> Select:
    """`SELECT` of `MESSAGE_COLUMNS`, `ATTACHMENT_COLUMNS` and `REPLY_COLUMNS`: messages joined to
    their uploads and to the messages they reply to; add the WHERE and ORDER BY."""
    return (
        select(*MESSAGE_COLUMNS, *ATTACHMENT_COLUMNS, *REPLY_COLUMNS)
        .outerjoin(Upload, Upload.id == Message.attachment_id)
        .outerjoin(Original, Original.id == Message.reply_to)
    )


def upload_url(upload_id: int) -> str:
    """Where an upload is fetched (relative to the server; as `Upload.url`)."""
    return f"/api/v1/uploads/{upload_id}"


def attachment_from_values(
    upload_id: int,
    kind: str,
    mime: str,
    size: int,
    name: str,
    duration: float | None,
    width: int | None,
    height: int | None,
    thumb_key: str | None,
    note: bool,
) -> AttachmentPayload:
    """`attachment` from an upload's columns (in `ATTACHMENT_COLUMNS`' order)."""
    return {
        "id": upload_id,
        "kind": kind,
        "mime": mime,
        "size": size,
        "name": name,
        "url": upload_url(upload_id),
        "duration": duration,
        "width": width,
        "height": height,
        "thumb_url": upload_url(upload_id) + "/thumbnail" if thumb_key else None,
        "note": bool(note),
    }


def attachment_from_orm(upload: Upload | None) -> AttachmentPayload | None:
    """`attachment` from a loaded `Upload` (None for none)."""
    if upload is None:
        return None
    return attachment_from_values(
        upload.id,
        upload.kind,
        upload.mime,
        upload.size,
        upload.name,
        upload.duration,
        upload.width,
        upload.height,
        upload.thumb_key,
        upload.note,
    )


def _message(
    message_id: int,
    chat_id: int,
    seq: int,
    rev: int,
    sender_id: int | None,
    client_id: str,
    body: str | None,
    attachment: AttachmentPayload | None,
    reply_to: int | None,
    created_at: datetime,
    edited_at: datetime | None,
    deleted_at: datetime | None,
    kind: str | None,
    data: dict[str, Any] | None,
    mentions: list[int] | None,
    mentions_all: bool,
    reactions: dict[str, list[int]] | None,
    pinned_at: datetime | None,
    deleted_by_id: int | None,
    reply: ReplyPayload | None,
) -> MessagePayload:
    deleted = deleted_at is not None
    return {
        "id": message_id,
        "chat_id": chat_id,
        "seq": seq,
        "rev": rev,
        "sender_id": sender_id,
        "client_id": client_id,
        "body": None if deleted_at is not None else body,
        "attachment": None if deleted_at is not None else attachment,
        "reply_to": reply_to,
        "created_at": dump_time(created_at),
        "edited_at": dump_time(edited_at),
        "deleted_at": dump_time(deleted_at),
        "kind": kind or "message",
        "data": data,
        "mentions": [] if deleted else list(mentions or ()),
        "mentions_all": bool(mentions_all) and not deleted,
        "reactions": [] if deleted else reactions_list(reactions),
        "reply": reply,
        "pinned_at": dump_time(pinned_at),
        # Set only when someone other than the sender deleted it (docs/design.md#moderation).
        "deleted_by_moderator": deleted_by_id is not None,
    }


def message_from_orm(message: Message) -> MessagePayload:
    """`<message>` from a loaded `Message` (edits, deletions, a resend's stored message)."""
    return _message(
        message.id,
        message.chat_id,
        message.seq,
        message.rev,
        message.sender_id,
        message.client_id,
        message.body,
        attachment_from_orm(message.attachment),
        message.reply_to,
        message.created_at,
        message.edited_at,
        message.deleted_at,
        message.kind,
        message.data,
        message.mentions,
        message.mentions_all,
        message.reactions,
        message.pinned_at,
        message.deleted_by_id,
        _reply_of(message),
    )


def _reply_of(message: Message) -> ReplyPayload | None:
    original = message.original if message.reply_to is not None else None
    if original is None:
        return None
    return reply_from_values(original.id, original.seq, original.sender_id, original.body, original.deleted_at)


def message_from_row(row: Row) -> MessagePayload:
    """`<message>` from a row of `select_messages()` (history pages, sync answers)."""
    values = tuple(row)
    end = len(MESSAGE_COLUMNS)
    uploads_end = end + len(ATTACHMENT_COLUMNS)
    upload_id = values[_ATTACHMENT_AT]
    attachment = None if upload_id is None else attachment_from_values(upload_id, *values[end:uploads_end])
    # Callers may add columns after these (search's score).
    reply = reply_from_values(row.reply_to, *values[uploads_end : uploads_end + len(REPLY_COLUMNS)])
    return _message(*values[:_ATTACHMENT_AT], attachment, *values[_ATTACHMENT_AT + 1 : end], reply)


def message_from_values(
    message_id: int,
    values: MessageValues,
    attachment: AttachmentPayload | None = None,
    reply: ReplyPayload | None = None,
) -> MessagePayload:
    """`<message>` from the values the send path has just inserted, the id they got, the
    attachment it took and the quote of the message it answers."""
    return _message(
        message_id,
        values["chat_id"],
        values["seq"],
        values["rev"],
        values["sender_id"],
        values["client_id"],
        values["body"],
        attachment,
        values["reply_to"],
        values["created_at"],
        values["edited_at"],
        values["deleted_at"],
        values["kind"],
        values["data"],
        values["mentions"],
        values["mentions_all"],
        values["reactions"],
        None,
        None,
        reply,
    )
