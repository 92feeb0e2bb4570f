"""JSON shapes of the chat (docs/protocol.md): socket payloads, REST bodies and query strings."""

from __future__ import annotations

from typing import ClassVar

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from campus.core.api import cursor_field, list_schema
from campus.core.schemas import MAX_SAFE_INTEGER, NO_NUL, NOT_BLANK, Bool, Id, Int, StrictSchema, Text, UTCDateTimeField

MAX_BODY = 4000  # code points (docs/design.md#chats-and-messages); longer is `too_large`, checked by the service
CLIENT_ID_MAX = 64
CLIENT_ID = validate.Length(min=1, max=CLIENT_ID_MAX)
TITLE = validate.Length(min=1, max=100)
SEQ = validate.Range(min=0)
MAX_SYNC_CHATS = 500
MAX_GROUP_MEMBERS = 500
# The reactions a message may get (the page's picker, in this order; docs/protocol.md#reactions).
REACTIONS = ("👍", "❤️", "😂", "😮", "😢", "🎉", "🙏", "👀")
REPLY_QUOTE = 200  # code points of the original that a reply's `reply` quotes
MAX_MENTIONS = 50


class TimeField(UTCDateTimeField):
    """ISO 8601 UTC; a value already dumped (a payload built before the commit) passes through."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            return value
        return super()._serialize(value, attr, obj, **kwargs)


# --- what the server sends ------------------------------------------------------------------


class AttachmentSchema(Schema):
    """A message's `attachment`, and the answer to `POST /uploads` (docs/protocol.md#attachments)."""

    id = fields.Integer()
    kind = fields.String(metadata={"enum": ["image", "audio", "video", "file"]})
    mime = fields.String()
    size = fields.Integer(metadata={"description": "bytes, as stored"})
    name = fields.String(metadata={"description": "the original file name, cleaned; for display only"})
    url = fields.String(metadata={"description": "GET it with the same credentials"})
    duration = fields.Float(allow_none=True, metadata={"description": "seconds (audio, video)"})
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    thumb_url = fields.String(allow_none=True, metadata={"description": "a small JPEG/PNG/WebP/GIF (images, videos)"})
    note = fields.Boolean(metadata={"description": "recorded as a voice or video note"})


def _deleted_by_moderator(message) -> bool:
    """From a payload built by hand (passed through) or from a `Message`."""
    if isinstance(message, dict):
        return message["deleted_by_moderator"]
    return message.deleted_by_id is not None


class ReplySchema(Schema):
    """A reply's quote of the message it answers."""

    id = fields.Integer()
    seq = fields.Integer(metadata={"description": "load history around it with `around=<seq>`"})
    sender_id = fields.Integer(allow_none=True)
    body = fields.String(allow_none=True, metadata={"description": f"its first {REPLY_QUOTE} characters"})
    deleted = fields.Boolean()


class ReactionSchema(Schema):
    emoji = fields.String(metadata={"enum": list(REACTIONS)})
    count = fields.Integer()
    user_ids = fields.List(fields.Integer())


class MessageSchema(Schema):
    """`<message>`: a deleted message keeps its place with no body. Services build it by hand
    (`campus.chat.payloads`); this documents it (OpenAPI), and a test keeps the two equal."""

    id = fields.Integer()
    chat_id = fields.Integer()
    seq = fields.Integer()
    rev = fields.Integer()
    sender_id = fields.Integer(allow_none=True)
    client_id = fields.String()
    body = fields.String(allow_none=True)
    attachment = fields.Nested(AttachmentSchema, allow_none=True)
    reply_to = fields.Integer(allow_none=True)
    created_at = TimeField()
    edited_at = TimeField(allow_none=True)
    deleted_at = TimeField(allow_none=True)
    pinned_at = TimeField(
        allow_none=True, metadata={"description": "pinned in its chat since (docs/protocol.md#moderation)"}
    )
    deleted_by_moderator = fields.Function(
        _deleted_by_moderator,
        metadata={"type": "boolean", "description": "deleted by someone other than its sender"},
    )
    kind = fields.String(
        metadata={"enum": ["message", "system"], "description": "`system`: a line such as “A added B”"}
    )
    data = fields.Dict(allow_none=True, metadata={"description": "a system line's structured data"})
    mentions = fields.List(fields.Integer(), metadata={"description": "the ids of the members it mentions"})
    mentions_all = fields.Boolean(metadata={"description": "`@all`: it mentions every member"})
    reactions = fields.List(fields.Nested(ReactionSchema))
    reply = fields.Nested(ReplySchema, allow_none=True, metadata={"description": "the quote of `reply_to`"})


class MemberSchema(Schema):
    user_id = fields.Integer()
    role = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    last_read_seq = fields.Integer()
    online = fields.Boolean()
    last_seen = TimeField(allow_none=True)


class ChatSchema(Schema):
    """`<chat>`; members carry names, read markers (for "seen") and presence."""

    id = fields.Integer()
    type = fields.String()
    title = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    major_id = fields.Integer(allow_none=True)
    enrollment_year = fields.Integer(allow_none=True)
    members = fields.List(fields.Nested(MemberSchema))
    last_seq = fields.Integer()
    rev = fields.Integer()
    muted = fields.Boolean(
        metadata={"description": "You muted the chat's notifications (in answers to you only, not broadcasts)"}
    )


class CampusChatSchema(Schema):
    """A major or cohort chat as teachers browse them (no members: they may not be one yet)."""

    id = fields.Integer()
    title = fields.String(allow_none=True)
    kind = fields.String()
    major_id = fields.Integer(allow_none=True)
    enrollment_year = fields.Integer(allow_none=True)
    last_seq = fields.Integer()
    member = fields.Boolean()


CampusChatListSchema = list_schema(CampusChatSchema, "CampusChatListSchema")


class ChatListItemSchema(ChatSchema):
    last_message = fields.Nested(MessageSchema, allow_none=True)
    unread = fields.Integer()
    last_read_seq = fields.Integer()


ChatListSchema = list_schema(ChatListItemSchema, "ChatListSchema")
MessageListSchema = list_schema(MessageSchema, "MessageListSchema")


# --- what clients send ----------------------------------------------------------------------


class MessageBodyFields(StrictSchema):
    """A body (not stripped: leading spaces may matter) and/or an attachment, optional reply."""

    # A body of only whitespace counts as none (checked by the service).
    OPENAPI: ClassVar[dict] = {
        "anyOf": [
            {
                "title": "with a body",
                "required": ["body"],
                "properties": {"body": {"type": "string", "pattern": NOT_BLANK}},
            },
            {
                "title": "with an attachment",
                "required": ["attachment_id"],
                "properties": {"attachment_id": {"type": "integer"}},
            },
        ]
    }

    client_id = Text(required=True, validate=CLIENT_ID)
    body = Text(
        load_default=None,
        allow_none=True,
        strip=False,
        metadata={
            "openapi": {"maxLength": MAX_BODY, "pattern": NO_NUL},
            "description": f"At most {MAX_BODY} code points (longer is a 413 `too_large`).",
        },
    )
    attachment_id = Id(load_default=None, allow_none=True)
    reply_to = Id(load_default=None, allow_none=True)
    mentions = fields.List(Id(), load_default=list, validate=validate.Length(max=MAX_MENTIONS))


class SendMessageSchema(MessageBodyFields):
    chat_id = Id(required=True)


class EditMessageSchema(StrictSchema):
    message_id = Id(required=True)
    body = Text(required=True, strip=False)


class MessageIdSchema(StrictSchema):
    message_id = Id(required=True)


class ReactBodySchema(StrictSchema):
    emoji = fields.String(required=True, validate=validate.OneOf(REACTIONS, error="Not one of the reactions."))
    on = Bool(required=True)


class ReactSchema(ReactBodySchema):
    message_id = Id(required=True)


class ReadSchema(StrictSchema):
    chat_id = Id(required=True)
    seq = Int(required=True, validate=[SEQ])


class ReadBodySchema(StrictSchema):
    seq = Int(
        required=True,
        validate=[SEQ],
        metadata={"description": "At most the chat's `last_seq` (above it is a 422); a marker never moves back."},
    )


class TypingSchema(StrictSchema):
    chat_id = Id(required=True)
    typing = Bool(required=True)


class SyncSchema(StrictSchema):
    cursors = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^[1-9][0-9]{0,15}$")),
        values=Int(validate=[SEQ]),
        required=True,
        validate=validate.Length(max=MAX_SYNC_CHATS),
    )


class ReauthenticateSchema(StrictSchema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=8192))


class CreateChatSchema(StrictSchema):
    OPENAPI: ClassVar[dict] = {
        "oneOf": [
            {
                "title": "private",
                "required": ["type", "user_id"],
                "properties": {
                    "type": {"enum": ["private"]},
                    "user_id": {"type": "integer"},
                    "title": {"enum": [None]},
                    "member_ids": {"maxItems": 0},
                },
            },
            {
                "title": "group",
                "required": ["type", "title"],
                "properties": {"type": {"enum": ["group"]}, "user_id": {"enum": [None]}, "title": {"type": "string"}},
            },
        ]
    }

    type = fields.String(required=True, validate=validate.OneOf(["private", "group"]))
    user_id = Id(load_default=None)
    title = Text(load_default=None, validate=TITLE)
    member_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=MAX_GROUP_MEMBERS))

    @validates_schema
    def check_type_fields(self, data, **kwargs):
        """A private chat takes `user_id` only; a group a title and `member_ids`."""
        if data["type"] == "private":
            if data.get("user_id") is None:
                raise ValidationError("Required for a private chat.", "user_id")
            for name in ("title", "member_ids"):
                if data.get(name):
                    raise ValidationError("Not allowed for a private chat.", name)
        else:
            if not data.get("title"):
                raise ValidationError("Required for a group chat.", "title")
            if data.get("user_id") is not None:
                raise ValidationError("Not allowed for a group chat; use member_ids.", "user_id")


class NotificationsBodySchema(StrictSchema):
    muted = Bool(
        required=True, metadata={"description": "`true` mutes the chat's notifications for you, `false` unmutes"}
    )


class RenameChatSchema(StrictSchema):
    title = Text(required=True, validate=TITLE)


class AddMemberSchema(StrictSchema):
    user_id = Id(required=True)


def query_int(**kwargs) -> fields.Integer:
    """A query-string integer ("12" is fine there) within JavaScript's safe range."""
    low = kwargs.pop("min", 0)
    high = kwargs.pop("max", MAX_SAFE_INTEGER)
    return fields.Integer(validate=validate.Range(min=low, max=high), **kwargs)


class HistoryArgsSchema(StrictSchema):
    before = query_int(load_default=None, min=1)
    after = query_int(load_default=None)
    around = query_int(load_default=None, min=1)
    limit = query_int(load_default=50, min=1, max=100)
    cursor = cursor_field(200)

    @validates_schema
    def one_direction(self, data, **kwargs):
        given = [name for name in ("before", "after", "around") if data.get(name) is not None]
        if len(given) > 1:
            raise ValidationError("Give one of before, after and around.", "_schema")


class ChatListArgsSchema(StrictSchema):
    limit = query_int(load_default=50, min=1, max=100)
    cursor = cursor_field(200)
