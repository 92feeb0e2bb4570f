"""JSON endpoints of chat attachments (docs/protocol.md#attachments): /api/v1/uploads.

`POST /uploads` takes one file (multipart field `file`) and answers the attachment a message can
then take with `attachment_id`; `GET /uploads/{id}` (and `/thumbnail`) sends it to its uploader
and to the members of the chat where it was sent.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from campus.chat import upload_limits, uploads
from campus.chat.schemas import AttachmentSchema
from campus.core.api import api_blueprint, multipart
from campus.core.errors import TooLarge, UnsupportedMediaType, ValidationError
from campus.core.security import permission_required
from campus.extensions import limiter

uploads_api = api_blueprint("uploads_api", __name__, "/uploads", "Chat attachments: upload a file, fetch it")

# Room for the multipart framing around the file (boundaries, part headers, the `note` field).
MULTIPART_OVERHEAD = 64 * 1024
NOTE_VALUES = {"true": True, "false": False}  # as the document says: anything else is a 422

UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "an image (JPEG, PNG, WebP, GIF), audio (Ogg/WebM Opus, MP3, M4A/AAC, "
                        "WAV), video (WebM, MP4) or a document (PDF, office, text, archives); the type is "
                        "decided by the content and must agree with the name's extension",
                    },
                    "note": {
                        "type": "string",
                        "enum": list(NOTE_VALUES),
                        "description": "true for a voice or video note recorded in the client",
                    },
                },
            }
        }
    },
}
FILE_RESPONSE = {"type": "string", "format": "binary"}


def upload_rate() -> str:
    return current_app.config["UPLOAD_RATE_LIMIT"]


def uploader_key() -> str:
    """Uploads are counted per user (the limiter runs after authentication)."""
    user = g.get("current_user")
    return f"uploads:user:{user.id}" if user is not None else f"uploads:ip:{get_remote_address()}"


@uploads_api.route("", methods=["POST"])
@multipart
@permission_required("chat.use")
@limiter.limit(upload_rate, key_func=uploader_key)
@uploads_api.doc(requestBody=UPLOAD_BODY)
@uploads_api.response(201, AttachmentSchema)
@uploads_api.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
@uploads_api.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE")
@uploads_api.alt_response(422, response="UNPROCESSABLE_ENTITY")
@uploads_api.alt_response(429, response="TOO_MANY_REQUESTS")
def create_upload():
    """Upload a file for a chat message; send it with `attachment_id` within a day.

    413 over the kind's limit or your storage quota (`quota_exceeded`), 415 for a type not
    accepted, 422 for an empty, damaged or truncated file, 429 for too many uploads.
    """
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType(_("Send the file as multipart/form-data, in the field 'file'."))
    limit = upload_limits.largest_upload() + MULTIPART_OVERHEAD
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        # eventlet and gevent de-chunk the body but don't say so; werkzeug would read it as empty.
        request.environ["wsgi.input_terminated"] = True
    # Read no further than the largest file allows, whatever Content-Length claims (or if absent).
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise TooLarge(_("The file is too large."))
    user = g.current_user
    if request.content_length:
        upload_limits.check_quota(user.id, max(0, request.content_length - MULTIPART_OVERHEAD))
    note = NOTE_VALUES.get(request.form.get("note", "false"))
    if note is None:
        raise ValidationError(fields={"note": [_("Give true or false.")]})
    received = request.files.get("file")
    if received is None:
        raise ValidationError(fields={"file": [_("Send the file in the multipart field 'file'.")]})
    with tempfile.TemporaryDirectory(prefix="campus-received-") as folder:
        path = Path(folder) / "received"
        uploads.move_into_place(received.stream, path)
        return uploads.create_upload(user, path, received.filename, note=note), 201


@uploads_api.route("/<int:upload_id>", methods=["GET"])
@permission_required("chat.use")
@uploads_api.alt_response(200, success=True, description="The file", content_type="*/*", schema=FILE_RESPONSE)
@uploads_api.alt_response(206, success=True, description="A byte range", content_type="*/*", schema=FILE_RESPONSE)
@uploads_api.alt_response(302, success=True, description="To a short-lived URL of the object store (S3)")
@uploads_api.alt_response(304, success=True, description="Not modified since the ETag in If-None-Match")
@uploads_api.alt_response(404, response="NOT_FOUND")
@uploads_api.alt_response(416, success=True, description="Range not satisfiable (malformed, overlapping, past the end)")
def get_upload(upload_id):
    """The file, to its uploader and the current members of the chat where it was sent.

    Byte ranges (`Range`, `If-Range`), `ETag` / 304; images, audio and video inline, everything
    else as a download.
    """
    return uploads.send_upload(g.current_user, upload_id)


@uploads_api.route("/<int:upload_id>/thumbnail", methods=["GET"])
@permission_required("chat.use")
@uploads_api.alt_response(200, success=True, description="The thumbnail", content_type="image/*", schema=FILE_RESPONSE)
@uploads_api.alt_response(302, success=True, description="To a short-lived URL of the object store (S3)")
@uploads_api.alt_response(304, success=True, description="Not modified since the ETag in If-None-Match")
@uploads_api.alt_response(404, response="NOT_FOUND")
def get_thumbnail(upload_id):
    """A small picture of an image or video (its first frame), to the same readers as the file."""
    return uploads.send_upload(g.current_user, upload_id, thumbnail=True)
