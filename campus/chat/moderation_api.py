"""Moderation endpoints (docs/protocol.md#moderation): pins, mutes and a campus chat's staff.

Deleting others' messages is `delete_message` / the socket; removing members is
`DELETE /chats/{id}/members/{user_id}` (campus.chat.api).
"""

from __future__ import annotations

from flask import g
from marshmallow import Schema, fields, validate

from campus.chat import moderation
from campus.chat.schemas import MessageSchema, TimeField
from campus.core.api import api_blueprint, list_schema
from campus.core.schemas import Int, StrictSchema, Text
from campus.core.security import permission_required

moderation_api = api_blueprint("chat_moderation_api", __name__, "/chats", "Pinned messages and mutes of a chat")

CHAT_USE = "chat.use"


class MuteBodySchema(StrictSchema):
    minutes = Int(required=True, validate=[validate.Range(min=1, max=moderation.MAX_MUTE_MINUTES)])
    reason = Text(required=True, validate=validate.Length(min=1, max=200))


class MuteSchema(Schema):
    chat_id = fields.Integer()
    user_id = fields.Integer()
    until = TimeField(metadata={"description": "the member may post again from this time"})
    reason = fields.String()
    muted_by = fields.Integer(allow_none=True)


class StaffSchema(Schema):
    user_id = fields.Integer()
    first_name = fields.String()
    last_name = fields.String()


StaffListSchema = list_schema(StaffSchema, "ChatStaffListSchema")
PinnedListSchema = list_schema(MessageSchema, "PinnedMessageListSchema")
MuteListSchema = list_schema(MuteSchema, "MuteListSchema")


@moderation_api.route("/<int:chat_id>/pins", methods=["GET"])
@permission_required(CHAT_USE)
@moderation_api.response(200, PinnedListSchema)
def list_pins(chat_id):
    """The chat's pinned messages, the latest pinned first (at most 50)."""
    return {"items": moderation.pinned_messages(g.current_user, chat_id), "next_cursor": None}


@moderation_api.route("/<int:chat_id>/pins/<int:message_id>", methods=["PUT"])
@permission_required(CHAT_USE)
@moderation_api.response(200, MessageSchema)
def pin(chat_id, message_id):
    """Pin a message (those who moderate a group; either member of a private chat)."""
    return moderation.set_pinned(g.current_user, chat_id, message_id, True)


@moderation_api.route("/<int:chat_id>/pins/<int:message_id>", methods=["DELETE"])
@permission_required(CHAT_USE)
@moderation_api.response(200, MessageSchema)
def unpin(chat_id, message_id):
    """Unpin a message."""
    return moderation.set_pinned(g.current_user, chat_id, message_id, False)


@moderation_api.route("/<int:chat_id>/staff", methods=["GET"])
@permission_required(CHAT_USE)
@moderation_api.response(200, StaffListSchema)
def list_staff(chat_id):
    """A campus chat's staff: the members who post announcements there (teachers, admins)."""
    return {"items": moderation.chat_staff(g.current_user, chat_id), "next_cursor": None}


@moderation_api.route("/<int:chat_id>/mutes", methods=["GET"])
@permission_required(CHAT_USE)
@moderation_api.response(200, MuteListSchema)
def list_mutes(chat_id):
    """The members muted now (for those who moderate the chat)."""
    return {"items": moderation.chat_mutes(g.current_user, chat_id), "next_cursor": None}


@moderation_api.route("/<int:chat_id>/mutes/<int:user_id>", methods=["PUT"])
@permission_required(CHAT_USE)
@moderation_api.arguments(MuteBodySchema)
@moderation_api.response(200, MuteSchema)
def mute(data, chat_id, user_id):
    """Make a member read-only for `minutes`, with a reason their refused sends show.

    Muting yourself is a 422 on `user_id`."""
    return moderation.mute_member(g.current_user, chat_id, user_id, **data)


@moderation_api.route("/<int:chat_id>/mutes/<int:user_id>", methods=["DELETE"])
@permission_required(CHAT_USE)
@moderation_api.response(204)
def unmute(chat_id, user_id):
    """End a member's mute (naming yourself is a 422 on `user_id`)."""
    moderation.unmute_member(g.current_user, chat_id, user_id)
