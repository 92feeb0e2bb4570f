"""Membership moves reach every worker: the client manager applies `MOVE_EVENT` to the local
sockets of a user's room, whether the move was made here or published by another worker."""

from __future__ import annotations

import uuid

import pytest
import socketio

from campus.chat.rooms import MOVE_EVENT, LocalManager, client_manager
from tests.support.sockets import NAMESPACE
from tests.support.waiting import eventually


def attach(manager) -> str:
    """A server on `manager` with one connected socket in the room `user:5`; its sid."""
    socketio.Server(client_manager=manager, async_mode="threading")
    sid = manager.connect("eio-" + uuid.uuid4().hex, NAMESPACE)
    manager.basic_enter_room(sid, NAMESPACE, "user:5")
    return sid


def rooms_of(manager, sid) -> set[str]:
    return {room for room in manager.get_rooms(sid, NAMESPACE) if room.startswith("chat:")}


def test_the_single_process_manager_moves_the_users_sockets():
    manager = client_manager(None)
    assert isinstance(manager, LocalManager)
    sid = attach(manager)
    manager.emit(MOVE_EVENT, {"join": ["chat:9", "chat:10"], "leave": []}, NAMESPACE, room="user:5")
    assert rooms_of(manager, sid) == {"chat:9", "chat:10"}
    manager.emit(MOVE_EVENT, {"join": [], "leave": ["chat:9"]}, NAMESPACE, room="user:5")
    assert rooms_of(manager, sid) == {"chat:10"}


def test_a_move_published_by_another_worker_is_applied_here():
    manager = client_manager("redis://127.0.0.1:6379/15", channel="unused")
    assert isinstance(manager, socketio.RedisManager)
    sid = attach(manager)
    # What the queue delivers when another host emitted the move.
    manager._handle_emit(
        {
            "method": "emit",
            "event": MOVE_EVENT,
            "data": [{"join": ["chat:3"], "leave": []}],
            "namespace": NAMESPACE,
            "room": "user:5",
            "host_id": "another-worker",
        }
    )
    assert rooms_of(manager, sid) == {"chat:3"}


@pytest.mark.redis
def test_two_workers_on_redis_move_each_others_sockets():
    from tests.support.services_available import require_redis

    url = require_redis()
    channel = f"campus-test-rooms-{uuid.uuid4().hex}"
    here, there = client_manager(url, channel=channel), client_manager(url, channel=channel)
    attach(here)
    remote_sid = attach(there)
    here.initialize()
    there.initialize()

    def move_until(data: dict, expected: set[str]) -> set[str]:
        # Moves are idempotent: repeat until the other worker's listener (subscribing in its
        # own thread) has applied one, within a bound.
        def moved() -> bool:
            here.emit(MOVE_EVENT, data, namespace=NAMESPACE, room="user:5")
            return rooms_of(there, remote_sid) == expected

        eventually(moved)
        return rooms_of(there, remote_sid)

    assert move_until({"join": ["chat:7"], "leave": []}, {"chat:7"}) == {"chat:7"}
    assert move_until({"join": [], "leave": ["chat:7"]}, set()) == set()


def test_ending_sessions_published_by_another_worker_disconnects_the_local_sockets():
    manager = client_manager("redis://127.0.0.1:6379/15", channel="unused")
    sid = attach(manager)
    other = manager.connect("eio-" + uuid.uuid4().hex, NAMESPACE)  # another user's socket
    manager._handle_emit(
        {
            "method": "emit",
            "event": MOVE_EVENT,
            "data": [{"end": True, "tokens": None}],
            "namespace": NAMESPACE,
            "room": "user:5",
            "host_id": "another-worker",
        }
    )
    assert not manager.is_connected(sid, NAMESPACE)
    assert manager.is_connected(other, NAMESPACE)
