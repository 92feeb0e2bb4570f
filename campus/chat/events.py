"""The `/chat` Socket.IO namespace (docs/protocol.md).

Thin edge over the chat's services (`campus.chat.messages`, `campus.chat.sync`): each event is
rate limited, its payload loaded by a strict schema, the user read again from the database (a
demotion or deactivation acts on the next event), and the answer is an ack — `{"ok": true, ...}`
or `{"ok": false, "error": ...}` through `acked`, never an unhandled exception. Broadcasts go out
from `notify`, after the commit.
"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _
from flask_jwt_extended import decode_token
from flask_socketio import ConnectionRefusedError, Namespace, join_room

from campus.chat import NAMESPACE, notify, rooms
from campus.chat.access import load_actor, member_chat_ids
from campus.chat.connections import connections
from campus.chat.flood import check_flood
from campus.chat.messages import delete_message, edit_message, mark_read, send_message, typing
from campus.chat.packets import UNDECODABLE_EVENT
from campus.chat.presence import last_seen, presence, went_offline
from campus.chat.reactions import react
from campus.chat.schemas import (
    EditMessageSchema,
    MessageIdSchema,
    ReactSchema,
    ReadSchema,
    SendMessageSchema,
    SyncSchema,
    TypingSchema,
)
from campus.chat.sync import sync
from campus.core.errors import AuthError, Forbidden, ValidationError
from campus.core.schemas import load_or_raise
from campus.core.security import resolve_token
from campus.core.sockets import acked, authenticate_socket, chat_room, error_ack, user_room
from campus.extensions import db
from campus.users.tokens import revocation_keys

SEND, EDIT, DELETE, READ, TYPING, SYNC, REACT = (
    SendMessageSchema(),
    EditMessageSchema(),
    MessageIdSchema(),
    ReadSchema(),
    TypingSchema(),
    SyncSchema(),
    ReactSchema(),
)


class ChatNamespace(Namespace):
    """Authenticated on connect; every event answers with an ack. Its sockets are recorded in
    `campus.chat.connections`."""

    def __init__(self, namespace: str = NAMESPACE):
        super().__init__(namespace)

    # --- dispatch -------------------------------------------------------------------------

    CONNECTION_EVENTS = ("connect", "disconnect")

    def trigger_event(self, event, *args):
        """Route to `on_<event>`; anything §4 does not define gets an error ack.

        python-socketio runs the real connect and disconnect while the socket is pending (not
        connected), but an *event* packet named "connect" or "disconnect" reaches the same
        handlers from an open socket — a hand-made client could re-join rooms or announce itself
        offline while connected. Those, and unknown events, are refused here.
        """
        sid = args[0] if args else None
        if event == UNDECODABLE_EVENT:
            return error_ack(ValidationError("The payload is not valid JSON or is nested too deeply."))
        forged = event in self.CONNECTION_EVENTS and self.server.manager.is_connected(sid, self.namespace)
        if forged or not (isinstance(event, str) and event.isidentifier() and hasattr(self, "on_" + event)):
            return error_ack(ValidationError("Unknown event."))
        return super().trigger_event(event, *args)

    # --- connection ---------------------------------------------------------------------

    def on_connect(self, auth=None):
        """Authenticate, join the user's room and their chats' rooms; announce them online."""
        ended_before = connections.sessions_ended
        user, claims = authenticate_socket(auth)
        room = user_room(user.id)
        # Rooms do not survive a reconnect: join the user's own room and every chat's, from the
        # database, under the user's move lock (see campus.chat.rooms).
        with rooms.user_lock(room):
            join_room(room)
            # Someone who may not chat (a guest) hears none of the chats they are still in.
            chat_ids = member_chat_ids(user.id) if user.can("chat.use") else []
            for chat_id in chat_ids:
                join_room(chat_room(chat_id))
        connections.opened(request.sid, user.id, self._session_tokens(auth, claims))
        if connections.sessions_ended != ended_before:
            # A logout may have been applied here before this socket was in the user's room.
            self._check_still_signed_in(auth)
        if presence().connected(user.id):
            notify.presence(chat_ids, user.id, True, last_seen(user.id))
        return True

    @staticmethod
    def _session_tokens(auth, claims: dict) -> frozenset[str]:
        """The access token's revocation keys (its `jti` and its sign-in session's) and, for the
        page (cookie auth), the refresh cookie's: the page renews its access token from it, so a
        logout that revokes the refresh token ends the sockets opened with any access token of
        that browser session."""
        tokens = set(revocation_keys(claims)) if claims.get("jti") else set()
        refresh = (
            None
            if isinstance(auth, dict) and auth.get("token") is not None
            else request.cookies.get(current_app.config["JWT_REFRESH_COOKIE_NAME"])
        )
        if refresh:
            try:
                refresh_claims = decode_token(refresh)
            except Exception:  # an unusable refresh cookie ends nothing
                refresh_claims = {}
            if refresh_claims.get("type") == "refresh" and refresh_claims.get("sub") == claims.get("sub"):
                tokens.update(revocation_keys(refresh_claims))
        return frozenset(tokens)

    def _check_still_signed_in(self, auth) -> None:
        """Authenticate again (and the page's refresh cookie); refuse the connection if revoked."""
        sid = request.sid
        db.session.rollback()  # read the revocation: a fresh transaction, no cached user
        try:
            _user, claims = authenticate_socket(auth)
            if connections.opened_with(sid) - set(revocation_keys(claims)):  # the refresh cookie counts too
                resolve_token(request.cookies[current_app.config["JWT_REFRESH_COOKIE_NAME"]], "refresh")
        except (ConnectionRefusedError, AuthError):
            connections.closed(sid)
            raise ConnectionRefusedError("unauthorized", {"code": "token_revoked"}) from None

    def on_disconnect(self, *_reason):
        """Forget the socket; announce the user offline when it was their last."""
        user_id = connections.closed(request.sid)
        if user_id is not None and presence().disconnected(user_id):
            chat_ids, seen = went_offline(user_id)
            notify.presence(chat_ids, user_id, False, seen)

    def _user(self):
        """The caller, read from the database, after the flood check."""
        user_id = connections.user_of(request.sid)
        if user_id is None:
            raise Forbidden(_("Not connected."))
        check_flood(user_id)
        return load_actor(user_id)

    # --- events -------------------------------------------------------------------------

    @acked
    def on_send_message(self, data=None, *_extra):
        """`send_message`: acked with the stored message (a resend's too)."""
        user = self._user()
        payload = load_or_raise(SEND, data)
        message, _created = send_message(user, payload.pop("chat_id"), **payload)
        return {"ok": True, "message": message}

    @acked
    def on_edit_message(self, data=None, *_extra):
        """`edit_message`: acked with the edited message."""
        user = self._user()
        payload = load_or_raise(EDIT, data)
        return {"ok": True, "message": edit_message(user, payload["message_id"], payload["body"])}

    @acked
    def on_delete_message(self, data=None, *_extra):
        """`delete_message`: acked with the deleted message."""
        user = self._user()
        payload = load_or_raise(DELETE, data)
        return {"ok": True, "message": delete_message(user, payload["message_id"])}

    @acked
    def on_react(self, data=None, *_extra):
        """`react`: add or take back a reaction; acked with the message."""
        user = self._user()
        payload = load_or_raise(REACT, data)
        return {"ok": True, "message": react(user, payload["message_id"], payload["emoji"], payload["on"])}

    @acked
    def on_read(self, data=None, *_extra):
        """`read`: move the caller's read marker forward."""
        user = self._user()
        payload = load_or_raise(READ, data)
        mark_read(user, payload["chat_id"], payload["seq"])
        return {"ok": True}

    @acked
    def on_typing(self, data=None, *_extra):
        """`typing`: tell the chat's other sockets (this one skipped)."""
        user = self._user()
        payload = load_or_raise(TYPING, data)
        typing(user, payload["chat_id"], payload["typing"], skip_sid=request.sid)
        return {"ok": True}

    @acked
    def on_sync(self, data=None, *_extra):
        """`sync`: acked with what changed above each cursor."""
        user = self._user()
        payload = load_or_raise(SYNC, data)
        cursors = {int(chat_id): rev for chat_id, rev in payload["cursors"].items()}
        return {"ok": True, "chats": sync(user, cursors)}
