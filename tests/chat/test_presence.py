"""Presence across workers: each worker's users mirrored to Redis with a heartbeat, so closing a
tab on one worker does not announce "offline" while another tab is open on another, and a dead
worker's users go offline when its heartbeat is old."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import select

from campus.chat.presence import PresenceCounter, SharedPresence
from tests.support.waiting import wait_until

pytestmark = pytest.mark.redis


@pytest.fixture
def workers():
    from tests.support.services_available import require_redis

    url = require_redis()
    prefix = f"campus-test-presence-{uuid.uuid4().hex}"
    made = []

    def make() -> SharedPresence:
        worker = SharedPresence(url, prefix)
        worker._beating = True  # beats by hand in these tests
        made.append(worker)
        return worker

    yield make
    for worker in made:
        keys = list(worker.redis.scan_iter(f"{prefix}:*"))
        if keys:
            worker.redis.delete(*keys)


def test_a_user_with_tabs_on_two_workers_is_online_until_the_last_closes(workers):
    one, two = workers(), workers()
    assert one.connected(5) is True  # came online
    assert two.connected(5) is False  # already online (on the other worker)
    assert one.disconnected(5) is False  # still open on worker two
    assert one.is_online(5) and one.online_among([5, 6]) == {5}
    assert two.disconnected(5) is True  # now offline everywhere
    assert not one.is_online(5)


def test_a_dead_workers_users_go_offline_when_its_heartbeat_is_old(workers):
    alive, dead = workers(), workers()
    dead.connected(7)
    assert alive.is_online(7)
    dead.redis.zadd(dead.hosts_key, {dead.host: time.time() - 2 * SharedPresence.TTL})
    assert not alive.is_online(7)
    assert alive.connected(7) is True


def test_without_redis_the_local_count_answers():
    broken = SharedPresence("redis://127.0.0.1:1/0", "campus-test-nowhere")
    broken._beating = True
    assert broken.connected(3) is True and broken.is_online(3)
    assert broken.disconnected(3) is True and not broken.is_online(3)


def test_one_worker_counts_sockets():
    counter = PresenceCounter()
    assert [counter.connected(1), counter.connected(1)] == [True, False]
    assert [counter.disconnected(1), counter.disconnected(1)] == [False, True]


def presence_changes(sock, user_id):
    return [event["online"] for event in sock.events("presence") if event["user_id"] == user_id]


def last_seen_at(app, user_id):
    from campus.extensions import db
    from campus.users.models import User

    with app.app_context():
        return db.session.scalar(select(User.last_seen_at).where(User.id == user_id))


def test_a_reconnect_within_the_grace_announces_nothing(app, make_user, connect, chats):
    app.config.update(PRESENCE_OFFLINE_GRACE=60, PRESENCE_FLUSH_INTERVAL=0.01)
    ann, bob = make_user(), make_user()
    chats.private(ann, bob)
    bob_socket = connect(bob)
    for _ in range(3):  # a page reloaded, a token expired, a network blip
        connect(ann).disconnect()
    ann_socket = connect(ann)
    assert presence_changes(bob_socket, ann) == [True]
    assert ann_socket.ack("sync", {"cursors": {}})["ok"] is True
    assert last_seen_at(app, ann) is None  # never announced offline: nothing written


def test_going_offline_is_announced_once_after_the_grace_with_last_seen_written(app, make_user, connect, chats):
    app.config.update(PRESENCE_OFFLINE_GRACE=0.01, PRESENCE_FLUSH_INTERVAL=0.01)
    ann, bob = make_user(), make_user()
    chats.private(ann, bob)
    bob_socket = connect(bob)
    connect(ann).disconnect()
    wait_until(lambda: presence_changes(bob_socket, ann) == [True, False], "ann announced offline")
    offline = [event for event in bob_socket.events("presence") if event["user_id"] == ann][-1]
    seen = last_seen_at(app, ann)
    assert seen is not None and offline["last_seen"] == seen.isoformat().replace("+00:00", "Z")
    connect(ann)
    wait_until(lambda: presence_changes(bob_socket, ann) == [True, False, True], "ann announced online again")
    assert [event["last_seen"] for event in bob_socket.events("presence") if event["user_id"] == ann][-1] == (
        offline["last_seen"]
    )


def test_departures_are_written_together_and_a_user_back_meanwhile_is_not_announced(app, make_user, connect, chats):
    from campus.chat.presence import announce_offline
    from campus.core.models import utcnow
    from campus.extensions import db
    from tests.support.statements import statements_run

    gone = [make_user() for _ in range(5)]
    back, watcher = make_user(), make_user()
    chats.group(watcher, [*gone, back])
    watcher_socket, _back_socket = connect(watcher), connect(back)
    watcher_socket.clear()
    left = utcnow()
    with app.app_context(), statements_run(db.engine) as statements:
        announce_offline([(user_id, left) for user_id in [*gone, back]])
    updates = [sql for sql in statements if sql.lstrip().upper().startswith("UPDATE")]
    assert len(updates) == 1 and len(statements) == 2  # one UPDATE, one read of their chats
    assert sorted(e["user_id"] for e in watcher_socket.events("presence") if not e["online"]) == sorted(gone)
    assert all(last_seen_at(app, user_id) == left.replace(microsecond=0) for user_id in gone)
    assert last_seen_at(app, back) is None
