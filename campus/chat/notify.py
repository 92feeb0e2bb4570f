"""The one place that sends chat events to sockets (zulip's `send_event`, STYLE.md habit 4).

Called by the services *after* their commit (a leave before it too, see `campus.chat.rooms`),
addressed to rooms — `chat:<id>` for a chat's members, `user:<id>` for one person's sockets —
never to socket ids. Each payload is built once and handed to one emit, which encodes it once
for every recipient (and once for the message queue).
"""

from __future__ import annotations

from typing import Any

from campus.chat import NAMESPACE, rooms
from campus.core.sockets import chat_room, user_room
from campus.extensions import socketio


def _emit(event: str, payload: Any, room: str, skip_sid: str | None = None) -> None:
    socketio.emit(event, payload, namespace=NAMESPACE, to=room, skip_sid=skip_sid)


def message_created(message: dict) -> None:
    """`message` to the chat's members."""
    _emit("message", message, chat_room(message["chat_id"]))


def message_updated(message: dict) -> None:
    """`message_updated` (an edit) to the chat's members."""
    _emit("message_updated", message, chat_room(message["chat_id"]))


def message_deleted(message: dict) -> None:
    """`message_deleted` to the chat's members."""
    _emit("message_deleted", message, chat_room(message["chat_id"]))


def message_reacted(message: dict) -> None:
    """`message_reacted` (its reactions changed) to the chat's members."""
    _emit("message_reacted", message, chat_room(message["chat_id"]))


def read(chat_id: int, user_id: int, seq: int) -> None:
    """A member's new read marker, to the chat's members."""
    _emit("read", {"chat_id": chat_id, "user_id": user_id, "seq": seq}, chat_room(chat_id))


def typing(chat_id: int, user_id: int, is_typing: bool, skip_sid: str | None = None) -> None:
    """A member types (or stopped), to the chat's other sockets."""
    _emit(
        "typing", {"chat_id": chat_id, "user_id": user_id, "typing": is_typing}, chat_room(chat_id), skip_sid=skip_sid
    )


def presence(chat_ids: list[int], user_id: int, online: bool, last_seen: str | None) -> None:
    """To everyone who shares a chat with `user_id` (one emit for all the rooms)."""
    if chat_ids:
        _emit(
            "presence",
            {"user_id": user_id, "online": online, "last_seen": last_seen},
            [chat_room(chat_id) for chat_id in chat_ids],
        )


def chat_created(chat: dict) -> None:
    """Each member's sockets join the new chat's room, then hear of it."""
    for member in chat["members"]:
        rooms.move_user(member["user_id"], join=[chat["id"]])
    _emit("chat_updated", {"change": "created", "chat": chat}, chat_room(chat["id"]))


def member_added(chat: dict, user_id: int) -> None:
    """One user joined the chat (see `members_added`)."""
    members_added(chat, [user_id])


def members_added(chat: dict, user_ids: list[int]) -> None:
    """The users' sockets join the chat, then the chat (newcomers included) hears of it once."""
    for user_id in user_ids:
        rooms.move_user(user_id, join=[chat["id"]])
    _emit("chat_updated", {"change": "member_added", "chat": chat}, chat_room(chat["id"]))


def member_leaving(chat_id: int, user_id: int) -> None:
    """Before the removal commits: the user's sockets stop hearing the chat (see `rooms`)."""
    rooms.move_user(user_id, leave=[chat_id])


def member_removed(chat: dict, user_id: int) -> None:
    """One user left the chat (see `members_removed`)."""
    members_removed(chat, [user_id])


def members_removed(chat: dict, user_ids: list[int]) -> None:
    """After the commit: the users' sockets leave again (see `member_leaving`); the chat and the
    removed users hear of it once."""
    for user_id in user_ids:
        rooms.move_user(user_id, leave=[chat["id"]])
    payload = {"change": "member_removed", "chat": chat}
    _emit("chat_updated", payload, [chat_room(chat["id"]), *(user_room(user_id) for user_id in user_ids)])


def chat_renamed(chat: dict) -> None:
    """`chat_updated` "renamed", to the chat's members."""
    _emit("chat_updated", {"change": "renamed", "chat": chat}, chat_room(chat["id"]))


def sessions_ended(user_id: int, token_ids: list[str] | None) -> None:
    """The user's sockets opened with `token_ids` (None: all of them) are disconnected, on every
    worker, so revoked credentials stop hearing anything at once."""
    rooms.end_sessions(user_id, token_ids)


def chat_access_changed(user_id: int, chat_ids: list[int], *, may_chat: bool) -> None:
    """The user's sockets, on every worker, join (may chat again) or leave (may not, e.g.
    demoted to guest) the rooms of their chats."""
    if may_chat:
        rooms.move_user(user_id, join=chat_ids)
    else:
        rooms.move_user(user_id, leave=chat_ids)
