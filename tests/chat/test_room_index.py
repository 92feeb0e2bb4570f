"""The client manager's index of each socket's rooms agrees with python-socketio's own table, so
a disconnect leaves exactly that socket's rooms without scanning everyone's."""

from __future__ import annotations

import uuid

import socketio

from campus.chat.rooms import client_manager
from tests.support.sockets import NAMESPACE


def connected(manager, *rooms: str) -> str:
    sid = manager.connect("eio-" + uuid.uuid4().hex, NAMESPACE)
    for room in rooms:
        manager.basic_enter_room(sid, NAMESPACE, room)
    return sid


def members(manager, room: str) -> set[str]:
    return {sid for sid, _eio_sid in manager.get_participants(NAMESPACE, room)}


def test_a_disconnect_leaves_exactly_the_sockets_rooms():
    manager = client_manager(None)
    socketio.Server(client_manager=manager, async_mode="threading")
    ann = connected(manager, "user:1", "chat:7", "chat:8")
    bob = connected(manager, "user:2", "chat:7")
    manager.basic_leave_room(ann, NAMESPACE, "chat:8")
    assert set(manager.get_rooms(ann, NAMESPACE)) == {ann, "user:1", "chat:7"}

    manager.pre_disconnect(ann, NAMESPACE)
    assert not manager.is_connected(ann, NAMESPACE)
    manager.disconnect(ann, NAMESPACE)

    assert members(manager, "chat:7") == {bob}
    assert "user:1" not in manager.rooms[NAMESPACE] and ann not in manager.rooms[NAMESPACE]
    assert manager.get_rooms(ann, NAMESPACE) == []
    assert manager.is_connected(bob, NAMESPACE) and NAMESPACE not in manager.pending_disconnect


def test_a_socket_refused_while_connecting_is_forgotten():
    manager = client_manager(None)
    socketio.Server(client_manager=manager, async_mode="threading")
    sid = manager.pre_connect("eio-" + uuid.uuid4().hex, NAMESPACE)
    assert manager.is_pre_connected(sid, NAMESPACE) and not manager.is_connected(sid, NAMESPACE)
    manager.disconnect(sid, NAMESPACE)
    assert NAMESPACE not in manager.pending_connect and NAMESPACE not in manager.rooms
