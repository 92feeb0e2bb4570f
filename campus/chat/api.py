"""JSON endpoints of the chat (docs/protocol.md): /api/v1/chats… and /api/v1/messages/{user_id}.

The same services as the `/chat` events, so a message sent here is broadcast to sockets too.
Chats the caller is not a member of answer 404.
"""

from __future__ import annotations

from flask import g

from campus.chat import campus_chats, chats, history, messages, reactions
from campus.chat.flood import check_flood
from campus.chat.schemas import (
    AddMemberSchema,
    CampusChatListSchema,
    ChatListArgsSchema,
    ChatListSchema,
    ChatSchema,
    CreateChatSchema,
    HistoryArgsSchema,
    MessageBodyFields,
    MessageListSchema,
    MessageSchema,
    NotificationsBodySchema,
    ReactBodySchema,
    ReadBodySchema,
    RenameChatSchema,
)
from campus.core.api import ErrorSchema, api_blueprint, json_response
from campus.core.security import permission_required

chats_api = api_blueprint("chats_api", __name__, "/chats", "Private and group chats, members, messages")
messages_api = api_blueprint("messages_api", __name__, "/messages", "A private chat's messages by the other user")

CHAT_USE = "chat.use"


def _history_args(args: dict) -> dict:
    return {key: args[key] for key in ("before", "after", "around", "limit", "cursor")}


# History pages are already in their JSON shape (`MessageListSchema`, built by hand for speed,
# docs/design.md#hot-paths): a Response goes out as is instead of being dumped a second time, and
# the caller is checked as a `Caller` (id and permissions), never loaded as an ORM object. Their
# query string is loaded by one schema instance (webargs would build one from a class per request).
HISTORY_ARGS = HistoryArgsSchema()


@chats_api.route("", methods=["POST"])
@permission_required(CHAT_USE)
@chats_api.arguments(CreateChatSchema)
@chats_api.response(201, ChatSchema)
@chats_api.alt_response(200, schema=ChatSchema, description="The existing private chat of this pair")
@chats_api.alt_response(429, schema=ErrorSchema, description="Flood limit: the same per-user budget as socket events")
def create_chat(data):
    """A private chat with `user_id` (201 new, 200 existing), or a group you own (201).

    A private chat names `user_id` and no `title` or `member_ids`; a group a `title` and no
    `user_id` (the body's `oneOf`). A user that does not exist is a 404.
    """
    check_flood(g.current_user.id)
    if data["type"] == "private":
        chat, created = chats.create_private_chat(g.current_user, data["user_id"])
        return chat, 201 if created else 200
    return chats.create_group_chat(g.current_user, data["title"], data["member_ids"])


@chats_api.route("", methods=["GET"])
@permission_required(CHAT_USE)
@chats_api.arguments(ChatListArgsSchema, location="query")
@chats_api.response(200, ChatListSchema)
def list_chats(args):
    """My chats, most recent activity first, each with `last_message` and `unread`."""
    return chats.list_chats(g.current_user, limit=args["limit"], cursor=args["cursor"])


@chats_api.route("/campus", methods=["GET"])
@permission_required("chat.join_campus")
@chats_api.response(200, CampusChatListSchema)
def list_campus_chats():
    """Every major and cohort chat (teachers and admins, who may join any with POST …/members)."""
    return {"items": campus_chats.list_campus_chats(g.current_user), "next_cursor": None}


@chats_api.route("/<int:chat_id>", methods=["GET"])
@permission_required(CHAT_USE)
@chats_api.response(200, ChatSchema)
def get_chat(chat_id):
    return chats.get_chat(g.current_user, chat_id)


@chats_api.route("/<int:chat_id>", methods=["PATCH"])
@permission_required(CHAT_USE)
@chats_api.arguments(RenameChatSchema)
@chats_api.response(200, ChatSchema)
@chats_api.alt_response(429, schema=ErrorSchema, description="Flood limit: the same per-user budget as socket events")
def rename_chat(data, chat_id):
    """Rename a group (its owner and admins)."""
    check_flood(g.current_user.id)
    return chats.rename_chat(g.current_user, chat_id, data["title"])


@chats_api.route("/<int:chat_id>/notifications", methods=["PATCH"])
@permission_required(CHAT_USE)
@chats_api.arguments(NotificationsBodySchema)
@chats_api.response(200, ChatSchema)
def set_notifications(data, chat_id):
    """Mute (`muted: true`) or unmute the chat's notifications for me; other members are not told.

    A muted chat still counts unread messages; clients still notify for messages that mention
    me or `@all` (docs/protocol.md#muting-a-chat).
    """
    return chats.set_muted(g.current_user, chat_id, data["muted"])


@chats_api.route("/<int:chat_id>/members", methods=["POST"])
@permission_required(CHAT_USE)
@chats_api.arguments(AddMemberSchema)
@chats_api.response(201, ChatSchema)
@chats_api.alt_response(200, schema=ChatSchema, description="Already a member")
@chats_api.alt_response(429, schema=ErrorSchema, description="Flood limit: the same per-user budget as socket events")
def add_member(data, chat_id):
    """Add a member (group owners and admins); a teacher adds themselves to a campus chat."""
    check_flood(g.current_user.id)
    chat, added = chats.add_member(g.current_user, chat_id, data["user_id"])
    return chat, 201 if added else 200


@chats_api.route("/<int:chat_id>/members/<int:user_id>", methods=["DELETE"])
@permission_required(CHAT_USE)
@chats_api.response(204)
@chats_api.alt_response(429, schema=ErrorSchema, description="Flood limit: the same per-user budget as socket events")
def remove_member(chat_id, user_id):
    """Remove a member; removing yourself is leaving."""
    check_flood(g.current_user.id)
    chats.remove_member(g.current_user, chat_id, user_id)


@chats_api.route("/<int:chat_id>/messages", methods=["GET"])
@permission_required(CHAT_USE, load_user=False)
@chats_api.arguments(HISTORY_ARGS, location="query")
@chats_api.response(200, MessageListSchema)
def list_messages(args, chat_id):
    """A page of messages in ascending `seq`: the newest, or `before` / `after` / `around` a `seq`.

    Give `before` or `after`, not both, or `around` alone (a 422 on `_schema`). `cursor` is the
    previous page's `next_cursor`, unchanged; one the server did not make is a 422.
    """
    return json_response(history.history(g.current_user, chat_id, **_history_args(args)))


@chats_api.route("/<int:chat_id>/messages", methods=["POST"])
@permission_required(CHAT_USE)
@chats_api.arguments(MessageBodyFields)
@chats_api.response(201, MessageSchema)
@chats_api.alt_response(200, schema=MessageSchema, description="The stored message for a repeated client_id")
@chats_api.alt_response(429, schema=ErrorSchema, description="Flood limit: the same per-user budget as socket events")
def send_message(data, chat_id):
    """Send a message (as `send_message` on the socket; members' sockets receive it).

    A body, an attachment or both (the body's `anyOf`); a body of only whitespace counts as none.
    `reply_to` must be a message of the same chat and `attachment_id` an upload of yours that no
    message has taken yet (else a 422 on that field; someone else's upload, or none, is a 404).
    """
    check_flood(g.current_user.id)
    message, created = messages.send_message(g.current_user, chat_id, **data)
    return message, 201 if created else 200


@chats_api.route("/<int:chat_id>/messages/<int:message_id>/reactions", methods=["POST"])
@permission_required(CHAT_USE)
@chats_api.arguments(ReactBodySchema)
@chats_api.response(200, MessageSchema)
@chats_api.alt_response(429, schema=ErrorSchema, description="Flood limit: the same per-user budget as socket events")
def react(data, chat_id, message_id):
    """Add (`on: true`) or take back a reaction (as `react` on the socket)."""
    check_flood(g.current_user.id)
    return reactions.react(g.current_user, message_id, data["emoji"], data["on"], chat_id=chat_id)


@chats_api.route("/<int:chat_id>/read", methods=["POST"])
@permission_required(CHAT_USE)
@chats_api.arguments(ReadBodySchema)
@chats_api.response(200)
def mark_read(data, chat_id):
    """Move my read marker forward to `seq`.

    `seq` may not exceed the chat's `last_seq` (a 422); a lower one than the marker changes nothing.
    """
    messages.mark_read(g.current_user, chat_id, data["seq"])
    return {"ok": True}


@messages_api.route("/<int:user_id>", methods=["GET"])
@permission_required(CHAT_USE, load_user=False)
@messages_api.arguments(HISTORY_ARGS, location="query")
@messages_api.response(200, MessageListSchema)
def private_messages(args, user_id):
    """The messages of my private chat with `user_id` (empty when we never talked).

    Paged as `GET /chats/{chat_id}/messages`: `before` or `after`, not both; cursors unchanged.
    """
    return json_response(history.private_history(g.current_user, user_id, **_history_args(args)))
