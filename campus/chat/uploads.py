"""Chat attachments: who uploads, who reads, what a message may take (docs/design.md#uploads).

The bytes are `campus.media`'s business (type by content, images re-encoded, audio and video
probed and re-muxed, storage backends); the rules are the chat's:

- an upload belongs to its uploader until a message takes it — only theirs, one message only;
- it is read by its uploader and by the current members of the chat where it was sent (others,
  removed members included, get 404: its existence is not revealed);
- a per-user quota of stored bytes (413 `quota_exceeded`) and limits per kind (413);
- deleting the message deletes the file; uploads never attached are removed after
  `UPLOAD_UNATTACHED_HOURS` by `flask media cleanup`.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, exists, select, update

from campus.chat.models import ChatMember, Message, Upload
from campus.chat.payloads import AttachmentPayload, attachment_from_orm, attachment_from_values
from campus.chat.upload_limits import check_quota, limit_for, too_large
from campus.core.concurrency import offload_in_request
from campus.core.errors import NotFound, ValidationError
from campus.core.models import utcnow
from campus.core.security import Principal
from campus.extensions import db
from campus.media import images, storage
from campus.media.images import GIF_TYPE, IMAGE_TYPES, THUMB, mime_of_key
from campus.media.names import display_name
from campus.media.probe import probe_media
from campus.media.serving import send_stored
from campus.media.sniff import AUDIO, FILE, IMAGE, MEDIA, VIDEO, FileType, check_not_polyglot, sniff_attachment

log = logging.getLogger(__name__)

AREA = "uploads"
IMAGE_MAX_SIDE, THUMB_SIDE = 2560, 320
CHAT_IMAGE_TYPES = {**IMAGE_TYPES, **GIF_TYPE}
# What browsers show in the page without risk; everything else is downloaded (`attachment`).
INLINE_MIMES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/gif",
        "audio/ogg",
        "audio/webm",
        "audio/mpeg",
        "audio/mp4",
        "audio/wav",
        "video/webm",
        "video/mp4",
    }
)
HEAD_BYTES = 8192


@dataclass
class _Stored:
    """What was written for an upload (removed again if the commit fails)."""

    kind: str
    mime: str
    ext: str
    key: str
    size: int
    thumb_key: str | None = None
    duration: float | None = None
    width: int | None = None
    height: int | None = None


def _in_thread(fn, *args):
    """CPU-heavy work (decoding a 40 Mpx photo) off the event loop — never storage writes."""
    return offload_in_request(fn, *args)


def _store_image(source: Path, filename: str) -> _Stored:
    data = source.read_bytes()
    cleaned = _in_thread(
        lambda: images.clean_image(
            data,
            filename,
            types=CHAT_IMAGE_TYPES,
            max_bytes=limit_for(IMAGE),
            max_side=IMAGE_MAX_SIDE,
            thumb_side=THUMB_SIDE,
        )
    )
    stored = images.write_image(cleaned, area=AREA)
    return _Stored(
        kind=IMAGE,
        mime=stored.mime,
        ext=CHAT_IMAGE_TYPES[stored.mime][0],
        key=stored.key,
        size=stored.size,
        thumb_key=storage.variant_key(stored.key, THUMB),
        width=stored.width,
        height=stored.height,
    )


def _store_media(source: Path, found: FileType, workdir: Path) -> _Stored:
    info = probe_media(source, found, workdir)
    size = info.path.stat().st_size
    if size > limit_for(info.kind):
        raise too_large(info.kind)
    key = storage.new_key(info.ext)
    storage.write_file(AREA, key, info.path, info.mime)
    thumb_key = None
    if info.poster is not None:
        thumb_key = storage.new_key("jpg")
        try:
            storage.write_file(AREA, thumb_key, info.poster, "image/jpeg")
        except Exception:
            storage.delete(AREA, key)
            raise
    return _Stored(
        kind=info.kind,
        mime=info.mime,
        ext=info.ext,
        key=key,
        size=size,
        thumb_key=thumb_key,
        duration=info.duration,
        width=info.width,
        height=info.height,
    )


def _store_file(source: Path, found: FileType, size: int) -> _Stored:
    key = storage.new_key(found.ext)
    storage.write_file(AREA, key, source, found.mime)
    return _Stored(kind=FILE, mime=found.mime, ext=found.ext, key=key, size=size)


def _remove(stored: _Stored) -> None:
    for key in (stored.key, stored.thumb_key):
        if key:
            try:
                storage.delete(AREA, key)
            except Exception:  # the row is gone; a stray object is only space
                log.exception("could not delete %s/%s", AREA, key)


def create_upload(user: Principal, source: Path, filename: str | None, *, note: bool = False) -> AttachmentPayload:
    """Check, clean and store a file the user sends for a chat; `POST /uploads`'s answer.

    `source` is the received file on disk (the caller removes it). 415 for a type not accepted
    (by content, extension, or codec; a polyglot), 413 over the kind's limit or the quota, 422
    for a misleading name, an empty, damaged or truncated file. Nothing is stored unless it all
    passes.
    """
    name = display_name(filename)
    size = source.stat().st_size
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty_file", fields={"file": [_("The file is empty.")]})
    with open(source, "rb") as file:
        head = file.read(HEAD_BYTES)
        found = sniff_attachment(head, filename, complete=size <= HEAD_BYTES)
        check_not_polyglot(file, found)
    if size > limit_for(found.kind):
        raise too_large(found.kind)
    check_quota(user.id, size)
    with tempfile.TemporaryDirectory(prefix="campus-upload-") as workdir:
        if found.kind == IMAGE:
            stored = _store_image(source, filename or "")
        elif found.kind in (AUDIO, MEDIA):
            stored = _store_media(source, found, Path(workdir))
        else:
            stored = _store_file(source, found, size)
    upload = Upload(
        owner_id=user.id,
        kind=stored.kind,
        mime=stored.mime,
        size=stored.size,
        name=name,
        key=stored.key,
        thumb_key=stored.thumb_key,
        duration=stored.duration,
        width=stored.width,
        height=stored.height,
        note=note and stored.kind in (AUDIO, VIDEO),
    )
    db.session.add(upload)
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        _remove(stored)
        raise
    return attachment_from_orm(upload)


# --- attaching --------------------------------------------------------------------------------

_uploads = Upload.__table__

# Prebuilt (see `campus.chat.messages`): take an upload for a message — only the owner's, only
# one not taken yet. The row lock orders it against `cleanup` removing it.
_TAKE_UPLOAD = (
    update(_uploads)
    .where(
        _uploads.c.id == bindparam("upload"),
        _uploads.c.owner_id == bindparam("user"),
        _uploads.c.attached_at.is_(None),
    )
    .values(attached_at=bindparam("now", type_=_uploads.c.attached_at.type))
    .returning(
        _uploads.c.id,
        _uploads.c.kind,
        _uploads.c.mime,
        _uploads.c.size,
        _uploads.c.name,
        _uploads.c.duration,
        _uploads.c.width,
        _uploads.c.height,
        _uploads.c.thumb_key,
        _uploads.c.note,
    )
)


def take_for_message(user_id: int, upload_id: int, now) -> AttachmentPayload:
    """Mark the user's upload as taken by the message being sent (same transaction); 404 for
    none of theirs, 422 for one already attached."""
    row = db.session.connection().execute(_TAKE_UPLOAD, {"upload": upload_id, "user": user_id, "now": now}).first()
    if row is None:
        owner = db.session.scalar(select(Upload.owner_id).where(Upload.id == upload_id))
        if owner != user_id:
            raise NotFound(_("No such upload."))
        raise ValidationError(
            _("This file is already attached to a message; upload it again."),
            fields={"attachment_id": [_("Already attached to a message.")]},
        )
    return attachment_from_values(*row)


def release_deleted(upload: Upload) -> tuple[str, str | None]:
    """Drop a deleted message's upload row (in the caller's transaction); its keys, to delete
    from storage after the commit."""
    keys = (upload.key, upload.thumb_key)
    db.session.delete(upload)
    return keys


def delete_files(keys: tuple[str, str | None]) -> None:
    """Remove stored files after the commit that dropped their rows."""
    for key in keys:
        if key:
            try:
                storage.delete(AREA, key)
            except Exception:
                log.exception("could not delete %s/%s", AREA, key)


# --- reading ----------------------------------------------------------------------------------


def readable_upload(user: Principal, upload_id: int) -> Upload:
    """The upload if the caller sent it or is now a member of the chat where it was sent;
    404 otherwise (strangers and removed members learn nothing)."""
    in_members_chat = exists().where(
        Message.attachment_id == Upload.id,
        Message.deleted_at.is_(None),
        ChatMember.chat_id == Message.chat_id,
        ChatMember.user_id == user.id,
    )
    upload = db.session.scalar(
        select(Upload).where(Upload.id == upload_id, (Upload.owner_id == user.id) | in_members_chat)
    )
    if upload is None:
        raise NotFound(_("No such upload."))
    return upload


def send_upload(user: Principal, upload_id: int, *, thumbnail: bool = False):
    """The file (or its thumbnail) as a response, after the access check."""
    upload = readable_upload(user, upload_id)
    if thumbnail:
        if not upload.thumb_key:
            raise NotFound(_("This file has no thumbnail."))
        return send_stored(AREA, upload.thumb_key, mime_of_key(upload.thumb_key), inline=True)
    return send_stored(
        AREA,
        upload.key,
        upload.mime,
        inline=upload.mime in INLINE_MIMES,
        download_name=upload.name,
    )


# --- cleanup ----------------------------------------------------------------------------------


def cleanup_unattached(older_than: timedelta | None = None, *, batch: int = 500) -> int:
    """Remove uploads no message took within `older_than` (UPLOAD_UNATTACHED_HOURS); how many.

    The DELETE re-checks `attached_at` under each row's lock, so an upload a message takes at
    the same moment stays.
    """
    if older_than is None:
        older_than = timedelta(hours=current_app.config["UPLOAD_UNATTACHED_HOURS"])
    cutoff = utcnow() - older_than
    removed = 0
    while True:
        ids = list(
            db.session.scalars(
                select(Upload.id)
                .where(Upload.attached_at.is_(None), Upload.created_at < cutoff)
                .order_by(Upload.id)
                .limit(batch)
            )
        )
        if not ids:
            return removed
        rows = db.session.execute(
            delete(Upload)
            .where(Upload.id.in_(ids), Upload.attached_at.is_(None))
            .returning(Upload.key, Upload.thumb_key)
        ).all()
        db.session.commit()
        for key, thumb_key in rows:
            delete_files((key, thumb_key))
        removed += len(rows)
        if len(ids) < batch:
            return removed


def move_into_place(source, target: Path) -> None:
    """Copy a received file object to `target` on disk (for sniffing and probing)."""
    with open(target, "wb") as out:
        shutil.copyfileobj(source, out, 1024 * 1024)
