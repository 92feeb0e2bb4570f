"""The frequent socket events — `send_message`, `read`, `typing`, `sync` — answered without
Flask's request context.

Flask-SocketIO runs every event in a request context built from the handshake's environ, with
the app context, the session and the URL adapter around it; the ORM session then begins a
transaction through SQLAlchemy's Connection. For a one-line message that was most of the server's
work (docs/performance.md, "Suite"). Here the common case of these events is answered directly:
the payload checked by hand with the schema's own rules, the actor's permissions from the
per-worker cache (`campus.chat.connections`), the statements of `campus.chat.messages` compiled
once (`campus.core.prepared`) and run on a pooled DBAPI connection, the ack sent after the commit.

Anything else returns `None` and the event takes the full path (`campus.chat.events`), which
answers it exactly as before — a payload the quick check does not take, a chat the sender is not
in or may not post in, a mute, a resend (the unique `(sender, client_id)` refuses the insert), an
attachment, a reply, a mention, a database error. Such a fallback happens before anything is
committed, and gives back the flood budget it took, so the full path charges the event once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from flask import Flask
from marshmallow import ValidationError as MarshmallowValidationError

from campus.chat import NAMESPACE, notify
from campus.chat.access import ACTOR_PERMISSIONS, Actor, kept_actor, socket_actor
from campus.chat.connections import connections
from campus.chat.flood import budget_of
from campus.chat.messages import (
    ADVANCE_READ_MARKER,
    INSERT_MESSAGE,
    MEMBER_STATE,
    SET_READ_MARKER,
    TAKE_MESSAGE_NUMBERS,
)
from campus.chat.models import MAJOR
from campus.chat.payloads import MessageValues, message_from_values
from campus.chat.schemas import CLIENT_ID_MAX, MAX_BODY, SyncSchema
from campus.chat.sync import sync
from campus.core import metrics
from campus.core.errors import CampusError
from campus.core.models import utcnow
from campus.core.prepared import Prepared
from campus.core.schemas import MAX_SAFE_INTEGER
from campus.core.sockets import error_ack, in_flight
from campus.extensions import db

log = logging.getLogger(__name__)

SYNC = SyncSchema()


class FullPath(Exception):
    """The event is handed to the full path (nothing was committed)."""


SEND_FIELDS = frozenset({"chat_id", "client_id", "body", "attachment_id", "reply_to", "mentions"})
READ_FIELDS = frozenset({"chat_id", "seq"})
TYPING_FIELDS = frozenset({"chat_id", "typing"})
# The columns of a MEMBER_STATE row (a DBAPI tuple).
MEMBER_KIND, MEMBER_LAST_SEQ, MEMBER_LAST_READ_SEQ = range(3)
# Connections kept checked out for the fast path; more at once go back to the pool.
IDLE_CONNECTIONS = 4


def _id(value: Any) -> int | None:
    """A positive id as `Id` takes it (an int, not a bool, within JavaScript's safe range)."""
    return value if type(value) is int and 0 < value <= MAX_SAFE_INTEGER else None


def _text(value: Any) -> str | None:
    """A string as `Text` takes it: no NUL, no lone surrogate."""
    if type(value) is not str or "\x00" in value:
        return None
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return None
    return value


def quick_send(data: Any) -> tuple[int, str, str] | None:
    """`(chat_id, client_id, body)` of a plain text message the schema and the service would take
    as they are; None for anything else (the full path decides)."""
    if type(data) is not dict or not data.keys() <= SEND_FIELDS:
        return None
    chat_id = _id(data.get("chat_id"))
    client_id = _text(data.get("client_id"))
    body = _text(data.get("body"))
    if chat_id is None or client_id is None or body is None:
        return None
    client_id = client_id.strip()  # `Text` strips it
    if not 0 < len(client_id) <= CLIENT_ID_MAX or not body.strip() or len(body) > MAX_BODY:
        return None
    if data.get("attachment_id") is not None or data.get("reply_to") is not None or data.get("mentions"):
        return None
    if "@" in body:  # a mention: resolved by the full path
        return None
    return chat_id, client_id, body


class FastEvents:
    """One app's fast path: its engine, prepared statements, flood budget and settings."""

    def __init__(self, app: Flask):
        with app.app_context():
            engine = db.engine
        self.app, self.engine = app, engine
        self.dbapi_error = engine.dialect.dbapi.Error
        self.budget = budget_of(app)
        self.config = app.config
        self.take_numbers = Prepared(engine, TAKE_MESSAGE_NUMBERS)
        self.insert_message = Prepared(engine, INSERT_MESSAGE, column_keys=list(MessageValues.__annotations__))
        self.set_read_marker = Prepared(engine, SET_READ_MARKER)
        self.advance_read_marker = Prepared(engine, ADVANCE_READ_MARKER)
        self.member_state = Prepared(engine, MEMBER_STATE)
        self.actor_permissions = Prepared(engine, ACTOR_PERMISSIONS)
        self._idle: list[Any] = []  # DBAPI connections (pool proxies) between events

    @classmethod
    def of(cls, app: Flask) -> FastEvents:
        fast = app.extensions.get("campus_fast_events")
        if fast is None:
            fast = app.extensions["campus_fast_events"] = cls(app)
        return fast

    # --- the event -------------------------------------------------------------------------

    def handle(self, event: str, sid: str, data: Any) -> dict | None:
        """The ack of `event` answered here, or None for the full path."""
        handler = self.HANDLERS.get(event)
        if handler is None:
            return None
        user_id = connections.user_of(sid)
        if user_id is None:
            return None
        start = time.perf_counter()
        in_flight.add(1)
        try:
            ack = handler(self, sid, user_id, data)
        except Exception:
            # As `campus.core.sockets.acked` answers a surprise: nothing was committed before it
            # (a failure after the commit is the broadcast's, and the message is stored).
            log.exception("socket event %s failed", event)
            ack = error_ack(CampusError("Something went wrong on our side.", code="internal_error"))
        finally:
            in_flight.add(-1)
        if ack is not None:
            outcome = "ok" if ack["ok"] else ack["error"]["code"]
            metrics.record_event(NAMESPACE, event, outcome, time.perf_counter() - start)
        return ack

    def _actor(self, cursor, user_id: int) -> Actor:
        """The kept actor (`access.kept_actor`), read on this event's cursor if there is none."""

        def read_permissions() -> list[str]:
            return [name for (name,) in self.actor_permissions.run(cursor, {"user": user_id}).fetchall()]

        return kept_actor(user_id, read_permissions)

    def _take(self, user_id: int, events: float = 1) -> bool:
        """Take from the user's flood budget (`campus.chat.flood`), as `check_flood` does."""
        return self.budget.take(user_id, self.config["CHAT_EVENT_RATE"], self.config["CHAT_EVENT_BURST"], cost=events)

    def _give_back(self, user_id: int) -> None:
        self.budget.give_back(user_id, self.config["CHAT_EVENT_BURST"])

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        """A DBAPI connection of the engine's pool, kept checked out between events (a checkout
        and its ping cost more than the statements). A database error drops the connection and
        hands the event to the full path; anything else rolls back and propagates."""
        connection = self._idle.pop() if self._idle else self.engine.raw_connection()
        try:
            yield connection
        except self.dbapi_error:
            connection.invalidate()
            raise FullPath from None
        except FullPath:
            connection.rollback()
            self._keep(connection)
            raise
        except BaseException:
            connection.rollback()
            connection.close()
            raise
        try:
            connection.rollback()  # a read leaves a transaction open on PostgreSQL
        except self.dbapi_error:  # the work is done (and committed): only the connection is lost
            connection.invalidate()
            return
        self._keep(connection)

    def _keep(self, connection) -> None:
        if len(self._idle) < IDLE_CONNECTIONS:
            self._idle.append(connection)
        else:
            connection.close()

    def release_connections(self) -> None:
        """Give the kept connections back to the pool (the next event checks one out again)."""
        while self._idle:
            self._idle.pop().close()

    def send_message(self, sid: str, user_id: int, data: Any) -> dict | None:
        fields = quick_send(data)
        if fields is None or not self._take(user_id):
            return None
        chat_id, client_id, body = fields
        try:
            with self._connection() as connection:
                cursor = connection.cursor()
                actor = self._actor(cursor, user_id)
                if not actor.can("chat.use"):
                    raise FullPath
                now = utcnow()
                may_announce = actor.can("chat.post_announcements")
                numbers = self.take_numbers.run(
                    cursor, {"chat": chat_id, "user": user_id, "may_announce": may_announce, "now": now}
                ).fetchone()
                if numbers is None:  # not a member, may not post here, muted: the full path says which
                    raise FullPath
                seq, rev = numbers
                values: MessageValues = {
                    "chat_id": chat_id,
                    "seq": seq,
                    "rev": rev,
                    "sender_id": user_id,
                    "client_id": client_id,
                    "body": body,
                    "attachment_id": None,
                    "reply_to": None,
                    "created_at": now,
                    "edited_at": None,
                    "deleted_at": None,
                    "kind": None,
                    "data": None,
                    "mentions": None,
                    "mentions_all": False,
                    "reactions": None,
                }
                # A resend fails here on the unique (sender, client_id): the full path answers
                # with the stored message.
                (message_id,) = self.insert_message.run(cursor, values).fetchone()
                # Sending implies having read the chat up to one's own message.
                self.set_read_marker.run(cursor, {"chat": chat_id, "user": user_id, "seq": seq})
                connection.commit()
        except FullPath:
            self._give_back(user_id)
            return None
        payload = message_from_values(message_id, values)
        notify.message_created(payload)
        return {"ok": True, "message": payload}

    def read(self, sid: str, user_id: int, data: Any) -> dict | None:
        if type(data) is not dict or data.keys() != READ_FIELDS:
            return None
        chat_id, seq = _id(data["chat_id"]), data["seq"]
        if chat_id is None or type(seq) is not int or seq < 0 or not self._take(user_id):
            return None
        try:
            with self._connection() as connection:
                cursor = connection.cursor()
                if not self._actor(cursor, user_id).can("chat.use"):
                    raise FullPath
                state = self.member_state.run(cursor, {"chat": chat_id, "user": user_id}).fetchone()
                if state is None or seq > state[MEMBER_LAST_SEQ]:  # not a member, past the last message
                    raise FullPath
                moved = False
                if seq > state[MEMBER_LAST_READ_SEQ]:
                    values = {"chat": chat_id, "user": user_id, "seq": seq}
                    moved = self.advance_read_marker.run(cursor, values).rowcount > 0
                    connection.commit()
        except FullPath:
            self._give_back(user_id)
            return None
        if moved:
            notify.read(chat_id, user_id, seq)
        return {"ok": True}

    def typing(self, sid: str, user_id: int, data: Any) -> dict | None:
        if type(data) is not dict or data.keys() != TYPING_FIELDS:
            return None
        chat_id, is_typing = _id(data["chat_id"]), data["typing"]
        if chat_id is None or type(is_typing) is not bool or not self._take(user_id):
            return None
        try:
            with self._connection() as connection:
                cursor = connection.cursor()
                actor = self._actor(cursor, user_id)
                state = self.member_state.run(cursor, {"chat": chat_id, "user": user_id}).fetchone()
                if not actor.can("chat.use") or state is None:
                    raise FullPath
                if state[MEMBER_KIND] == MAJOR and not actor.can("chat.post_announcements"):
                    raise FullPath
        except FullPath:
            self._give_back(user_id)
            return None
        notify.typing(chat_id, user_id, is_typing, skip_sid=sid)
        return {"ok": True}

    def sync(self, sid: str, user_id: int, data: Any) -> dict | None:
        """`sync` in an app context only (no request context): the schema and the service of the
        full path; any error is left to the full path to answer (nothing is written)."""
        try:
            payload = SYNC.load(data)
        except (MarshmallowValidationError, TypeError, ValueError):
            return None
        if not self._take(user_id):
            return None
        with self.app.app_context():
            try:
                actor = socket_actor(user_id)
                chats, cost = sync(actor, {int(chat_id): rev for chat_id, rev in payload["cursors"].items()})
            except CampusError:  # the session is rolled back when the app context ends
                self._give_back(user_id)
                return None
        if cost > 1:  # a large answer costs more than the event itself (`campus.chat.flood`)
            self._take(user_id, cost - 1)
        return {"ok": True, "chats": chats}

    HANDLERS: ClassVar[dict[str, Callable]] = {
        "send_message": send_message,
        "read": read,
        "typing": typing,
        "sync": sync,
    }
