"""Moving every socket of a user into or out of a chat room, on every worker.

python-socketio can put a *sid* in a room across processes (`PubSubManager.enter_room` publishes
it), but a membership change knows a user, not their sids, and those live on whichever workers
the user's tabs reached. Every socket of a user is in the room `user:<id>` (joined on connect),
so a move is addressed to that room like any emit: an emit of the internal event `MOVE_EVENT`
travels through the message queue in the same channel and order as the chat's events, and each
worker, instead of sending it to clients, applies it to the local sockets found in the user's
room. The client managers below intercept that event: `Manager.emit` in a single process,
`PubSubManager._handle_emit` (the local and the remote delivery path) with a message queue.

Ordering is what keeps a removed member from hearing the chat again: the removal publishes its
"leave" *before* its transaction commits (and once more after, for a socket that connected
in between), so any message committed after the removal is published after the leave, and
every worker applies the leave first. Losing an event the other way (a commit that fails after
the leave) costs the member nothing that `sync` does not restore.

The same event ends sessions: when a user's credentials stop working (logout, password change,
deactivation) each worker disconnects the user's local sockets — all of them, or those opened
with one of the revoked tokens (`end_sessions`), as `campus.chat.connections` records them.
"""

from __future__ import annotations

import threading
import time

import socketio
from socketio.base_manager import BaseManager

from campus.chat import NAMESPACE
from campus.chat.connections import connections
from campus.chat.room_index import IndexedRooms
from campus.core.metrics import QUEUE_LAG_SECONDS
from campus.core.sockets import USER_ROOM_PREFIX, chat_room, user_room
from campus.extensions import socketio as flask_socketio

MOVE_EVENT = "campus:rooms"

# A connecting socket reads its chats from the database and joins them; a move must not slip in
# between (a leave applied before the join would be undone by it). One lock per user stripe
# orders the two on this worker.
_LOCKS = [threading.Lock() for _ in range(64)]


def user_lock(user_room_name: str) -> threading.Lock:
    """The lock that orders a user's connect-time joins against moves of their sockets."""
    return _LOCKS[hash(user_room_name) % len(_LOCKS)]


def _apply_move(manager: BaseManager, namespace: str, room: str, data: dict) -> None:
    """Put the local sockets of one user's room into `join` and out of `leave` rooms, or end them.

    Any move says that what the user may do or hear has changed: their cached actor is forgotten."""
    if isinstance(room, str) and room.startswith(USER_ROOM_PREFIX):
        connections.forget_actor(int(room[len(USER_ROOM_PREFIX) :]))
    with user_lock(room):
        if data.get("end"):
            _end_local_sockets(manager, namespace, room, data.get("tokens"))
            return
        for sid, eio_sid in list(manager.get_participants(namespace, room)):
            for joined in data.get("join", ()):
                manager.basic_enter_room(sid, namespace, joined, eio_sid=eio_sid)
            for left in data.get("leave", ()):
                manager.basic_leave_room(sid, namespace, left)


def _end_local_sockets(manager: BaseManager, namespace: str, room: str, tokens: list[str] | None) -> None:
    """Disconnect this worker's sockets of one user's room: all, or those opened with `tokens`."""
    connections.ending_sessions()
    revoked = None if tokens is None else set(tokens)
    for sid, _eio_sid in list(manager.get_participants(namespace, room)):
        if revoked is not None and not connections.opened_with(sid) & revoked:
            continue
        if manager.is_connected(sid, namespace):
            manager.server.disconnect(sid, namespace=namespace, ignore_queue=True)


class LocalManager(IndexedRooms, socketio.Manager):
    """The single-process manager, aware of user moves."""

    def emit(self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None, **kwargs):
        """Apply a user move here; send anything else as `socketio.Manager` does."""
        if event == MOVE_EVENT:
            _apply_move(self, namespace, to or room, data)
            return None
        return super().emit(event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to, **kwargs)


def _queue_manager_class(base: type) -> type:
    class QueueManager(IndexedRooms, base):
        """A message-queue manager whose workers apply user moves to their own sockets."""

        def _publish(self, data):
            # Stamped after this worker handled it: only the other workers see the stamp.
            if isinstance(data, dict) and data.get("method") == "emit":
                data["sent_at"] = time.time()
            return super()._publish(data)

        def _handle_emit(self, message):
            sent_at = message.get("sent_at")
            if isinstance(sent_at, float):
                # Wall clocks of two machines: NTP's skew is well below the buckets that matter.
                QUEUE_LAG_SECONDS.observe(max(0.0, time.time() - sent_at))
            if message.get("event") == MOVE_EVENT:
                data = message.get("data")
                data = data[0] if isinstance(data, list) and data else data
                _apply_move(self, message.get("namespace") or NAMESPACE, message.get("room"), data or {})
                return None
            return super()._handle_emit(message)

    QueueManager.__name__ = f"Campus{base.__name__}"
    return QueueManager


def client_manager(message_queue: str | None, channel: str = "flask-socketio") -> BaseManager:
    """The client manager for `SocketIO.init_app(client_manager=...)`, as Flask-SocketIO would
    pick it from the message-queue URL, plus user moves."""
    if not message_queue:
        return LocalManager()
    if message_queue.startswith(("redis://", "rediss://")):
        base = socketio.RedisManager
    elif message_queue.startswith("kafka://"):
        base = socketio.KafkaManager
    elif message_queue.startswith("zmq"):
        base = socketio.ZmqManager
    else:
        base = socketio.KombuManager
    return _queue_manager_class(base)(message_queue, channel=channel)


def move_user(user_id: int, *, join: list[int] = (), leave: list[int] = ()) -> None:
    """Every socket of `user_id`, on every worker, joins the chat rooms `join` and leaves `leave`."""
    flask_socketio.emit(
        MOVE_EVENT,
        {"join": [chat_room(c) for c in join], "leave": [chat_room(c) for c in leave]},
        namespace=NAMESPACE,
        to=user_room(user_id),
    )


def end_sessions(user_id: int, token_ids: list[str] | None = None) -> None:
    """Every socket of `user_id`, on every worker, is disconnected — or only those opened with
    one of `token_ids` (the `jti` of revoked tokens)."""
    flask_socketio.emit(MOVE_EVENT, {"end": True, "tokens": token_ids}, namespace=NAMESPACE, to=user_room(user_id))
