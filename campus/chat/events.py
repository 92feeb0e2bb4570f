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
from flask_socketio import ConnectionRefusedError, Namespace

from campus.chat import NAMESPACE, notify, rooms
from campus.chat.access import Actor, member_chat_ids, socket_actor
from campus.chat.connections import connections
from campus.chat.fast_events import FastEvents
from campus.chat.flood import charge_flood, check_flood
from campus.chat.messages import delete_message, edit_message, mark_read, send_message, typing
from campus.chat.packets import UNDECODABLE_EVENT
from campus.chat.presence import came_online, last_seen, presence, went_away
from campus.chat.reactions import react
from campus.chat.schemas import (
    EditMessageSchema,
    MessageIdSchema,
    ReactSchema,
    ReadSchema,
    ReauthenticateSchema,
    SendMessageSchema,
    SyncSchema,
    TypingSchema,
)
from campus.chat.sync import sync
from campus.core.errors import AuthError, Forbidden, ValidationError
from campus.core.schemas import load_or_raise
from campus.core.security import check_token
from campus.core.sockets import acked, authenticate_socket, chat_room, error_ack, user_room
from campus.extensions import db
from campus.users.tokens import revocation_keys

# The refusal code of a connect over SOCKETIO_MAX_PER_USER or SOCKETIO_MAX_PER_ADDRESS.
TOO_MANY_CONNECTIONS = "too_many_connections"

SEND, EDIT, DELETE, READ, TYPING, SYNC, REAUTHENTICATE, REACT = (
    SendMessageSchema(),
    EditMessageSchema(),
    MessageIdSchema(),
    ReadSchema(),
    TypingSchema(),
    SyncSchema(),
    ReauthenticateSchema(),
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
        if event in FastEvents.HANDLERS and len(args) >= 2:
            environ = self.server.get_environ(sid, namespace=self.namespace)
            if environ is not None:
                ack = FastEvents.of(environ["flask.app"]).handle(event, sid, args[1])
                if ack is not None:
                    return ack
        return super().trigger_event(event, *args)

    # --- connection ---------------------------------------------------------------------

    def on_connect(self, auth=None):
        """Authenticate, join the user's room and their chats' rooms; announce them online."""
        ended_before, actor_epoch = connections.sessions_ended, connections.actor_epoch
        self._check_address_cap()
        user, claims = authenticate_socket(auth)
        self._check_user_cap(user.id)
        sid, room = request.sid, user_room(user.id)
        enter_room = self.server.manager.enter_room
        # Rooms do not survive a reconnect: join the user's own room and every chat's, from the
        # database, under the user's move lock (see campus.chat.rooms).
        with rooms.user_lock(room):
            enter_room(sid, self.namespace, room)
            # Someone who may not chat (a guest) hears none of the chats they are still in.
            chat_ids = member_chat_ids(user.id) if user.can("chat.use") else []
            for chat_id in chat_ids:
                enter_room(sid, self.namespace, chat_room(chat_id))
        connections.opened(sid, user.id, self._session_tokens(auth, claims))
        # The token check read the permissions: the socket's first event need not.
        connections.keep_actor(Actor(user.id, user.permissions), actor_epoch)
        self._end_at_expiry(sid, claims)
        if connections.sessions_ended != ended_before:
            # A logout may have been applied here before this socket was in the user's room.
            self._check_still_signed_in(auth)
        if presence().connected(user.id) and came_online(user.id):
            notify.presence(chat_ids, user.id, True, last_seen(user))
        return True

    @staticmethod
    def _end_at_expiry(sid: str, claims: dict | None) -> None:
        """The socket ends when the access token it was opened (or re-authenticated) with expires."""
        guard = current_app.extensions.get("campus_socket_guard")
        expires = (claims or {}).get("exp")
        if guard is not None:
            guard.end_at(sid, float(expires) if isinstance(expires, (int, float)) else None)

    @staticmethod
    def _check_address_cap() -> None:
        """`SOCKETIO_MAX_PER_ADDRESS` connections from one client address on this worker (0: no
        cap); the connection over it is refused and, never authenticated, soon closed."""
        cap = current_app.config["SOCKETIO_MAX_PER_ADDRESS"]
        guard = current_app.extensions.get("campus_socket_guard")
        if cap and guard is not None and guard.connections_from(request.remote_addr) > cap:
            raise ConnectionRefusedError("unauthorized", {"code": TOO_MANY_CONNECTIONS})

    @staticmethod
    def _check_user_cap(user_id: int) -> None:
        """`SOCKETIO_MAX_PER_USER` sockets of one user on this worker (0: no cap)."""
        cap = current_app.config["SOCKETIO_MAX_PER_USER"]
        if cap and connections.count_of(user_id) >= cap:
            raise ConnectionRefusedError("unauthorized", {"code": TOO_MANY_CONNECTIONS})

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
                check_token(request.cookies[current_app.config["JWT_REFRESH_COOKIE_NAME"]], "refresh")
        except (ConnectionRefusedError, AuthError):
            connections.closed(sid)
            raise ConnectionRefusedError("unauthorized", {"code": "token_revoked"}) from None

    def on_disconnect(self, *_reason):
        """Forget the socket; announce the user offline when it was their last."""
        user_id = connections.closed(request.sid)
        self._end_at_expiry(request.sid, None)
        if user_id is not None and presence().disconnected(user_id):
            went_away(user_id)

    def _user(self):
        """The caller, after the flood check, with their permissions (`socket_actor`)."""
        user_id = connections.user_of(request.sid)
        if user_id is None:
            raise Forbidden(_("Not connected."))
        check_flood(user_id)
        return socket_actor(user_id)

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
    def on_reauthenticate(self, data=None, *_extra):
        """`reauthenticate`: a new access token of the same user, before the current one expires,
        keeps the socket open until the new one does."""
        user = self._user()
        payload = load_or_raise(REAUTHENTICATE, data)
        try:
            renewed, claims = check_token(payload["token"], "access")
        except AuthError as error:
            raise Forbidden(error.message) from None
        if renewed.id != user.id:
            raise Forbidden(_("The token is another user's."))
        sid = request.sid
        renewed_keys = set(revocation_keys(claims)) if claims.get("jti") else set()
        connections.opened(sid, user.id, connections.opened_with(sid) | renewed_keys)
        self._end_at_expiry(sid, claims)
        return {"ok": True, "expires_at": claims.get("exp")}

    @acked
    def on_sync(self, data=None, *_extra):
        """`sync`: acked with what changed above each cursor."""
        user = self._user()
        payload = load_or_raise(SYNC, data)
        cursors = {int(chat_id): rev for chat_id, rev in payload["cursors"].items()}
        chats, cost = sync(user, cursors)
        charge_flood(user.id, cost - 1)  # the call's own event was taken by `_user`
        return {"ok": True, "chats": chats}
