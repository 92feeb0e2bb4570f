"""What one upload and one user may store: limits per kind and the per-user quota
(docs/design.md#uploads)."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from campus.chat.models import Upload
from campus.core.errors import TooLarge
from campus.extensions import db
from campus.media.sniff import AUDIO, FILE, IMAGE, MEDIA, VIDEO


def limit_for(kind: str) -> int:
    """The largest upload of a kind, in bytes (`media`: audio or video, not known yet)."""
    config = current_app.config
    names = {
        IMAGE: "UPLOAD_MAX_IMAGE_BYTES",
        AUDIO: "UPLOAD_MAX_AUDIO_BYTES",
        VIDEO: "UPLOAD_MAX_VIDEO_BYTES",
        MEDIA: "UPLOAD_MAX_VIDEO_BYTES",
        FILE: "UPLOAD_MAX_FILE_BYTES",
    }
    return int(config[names[kind]])


def largest_upload() -> int:
    """The largest file any kind allows (what a request may carry)."""
    return max(limit_for(kind) for kind in (IMAGE, AUDIO, VIDEO, FILE))


def too_large(kind: str) -> TooLarge:
    """413 naming the limit of `kind`."""
    megabytes = "%g" % (limit_for(kind) / (1024 * 1024))
    return TooLarge(_("The file is too large: at most %(size)s MB for this kind.", size=megabytes))


def stored_bytes(user_id: int) -> int:
    """What the user keeps stored now (attached or not)."""
    return int(db.session.scalar(select(func.coalesce(func.sum(Upload.size), 0)).where(Upload.owner_id == user_id)))


def check_quota(user_id: int, incoming: int) -> None:
    """413 `quota_exceeded` when `incoming` more bytes would pass UPLOAD_QUOTA_BYTES."""
    if stored_bytes(user_id) + incoming > current_app.config["UPLOAD_QUOTA_BYTES"]:
        raise TooLarge(
            _("Your storage for attachments is full; delete some messages with files first."),
            code="quota_exceeded",
        )
