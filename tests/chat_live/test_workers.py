"""Two Campus processes on one PostgreSQL database with Redis as the Socket.IO message queue.

A message sent through worker 1 reaches a member connected to worker 2, and membership changes
made on worker 1 move the sockets on worker 2: the removed member stops receiving, the added one
starts receiving without reconnecting; revoked credentials end sockets on both workers.
"""

from __future__ import annotations

import uuid

import pytest

from tests.support.chat_client import Account, CampusApi, ChatSocket
from tests.support.server import LIFTED_LOGIN_LIMIT, LiveServer
from tests.support.services_available import require_redis

pytestmark = [pytest.mark.server, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def workers(tmp_path, postgres_database):
    """Two servers sharing the database and a Redis channel of their own."""
    queue = {"SOCKETIO_MESSAGE_QUEUE": require_redis(), "SOCKETIO_CHANNEL": f"campus-test-{uuid.uuid4().hex}"}
    first = LiveServer(tmp_path, database_url=postgres_database, env={**LIFTED_LOGIN_LIMIT, **queue})
    second = LiveServer(tmp_path, database_url=postgres_database, env={**LIFTED_LOGIN_LIMIT, **queue}, prepare=False)
    try:
        yield first.start(), second.start()
    finally:
        first.stop()
        second.stop()


def test_messages_and_membership_changes_cross_workers(workers):
    worker1, worker2 = workers
    api = CampusApi(worker1.url)
    ann, bob, cid = api.register("ann"), api.register("bob"), api.register("cid")
    chat_id = api.group(ann, [bob], title="Across")["id"]
    ann_socket = ChatSocket(worker1.url, ann.token).connect()
    bob_socket = ChatSocket(worker2.url, bob.token).connect()
    cid_socket = ChatSocket(worker2.url, cid.token).connect()
    try:
        sent = ann_socket.send(chat_id, "from worker 1")
        assert bob_socket.wait_for_message(chat_id, body="from worker 1") == sent

        # Over REST on worker 1: cid's socket on worker 2 joins the chat room without reconnecting.
        api.ok(ann, "POST", f"/chats/{chat_id}/members", json={"user_id": cid.id})
        cid_socket.wait_for(
            lambda e: (
                e.name == "chat_updated" and e.data["change"] == "member_added" and e.data["chat"]["id"] == chat_id
            ),
            what="member_added on worker 2",
        )
        welcome = ann_socket.send(chat_id, "welcome, cid")
        assert cid_socket.wait_for_message(chat_id, body="welcome, cid") == welcome

        # bob is removed on worker 1: his socket on worker 2 leaves the room and hears nothing more.
        api.ok(ann, "DELETE", f"/chats/{chat_id}/members/{bob.id}")
        bob_socket.wait_for(
            lambda e: e.name == "chat_updated" and e.data["change"] == "member_removed",
            what="member_removed on worker 2",
        )
        secret = ann_socket.send(chat_id, "after bob left")
        assert cid_socket.wait_for_message(chat_id, body="after bob left") == secret
        # A round trip on bob's socket after cid (same worker, same room broadcast) got it.
        bob_socket.ok("sync", {"cursors": {}})
        assert "after bob left" not in [m["body"] for m in bob_socket.messages(chat_id)]
        assert (
            bob_socket.ack("send_message", {"chat_id": chat_id, "client_id": "late", "body": "x"})["error"]["code"]
            == "not_found"
        )

        # A message sent over HTTP on worker 2 reaches the socket on worker 1 too.
        over_http = api.ok(
            cid,
            "POST",
            f"/chats/{chat_id}/messages",
            base_url=worker2.url,
            json={"client_id": "http-1", "body": "over HTTP on worker 2"},
        )
        assert ann_socket.wait_for_message(chat_id, body="over HTTP on worker 2") == over_http
    finally:
        for socket in (ann_socket, bob_socket, cid_socket):
            socket.close()


def test_revoked_credentials_end_sockets_on_both_workers(workers):
    """A logout through worker 1 disconnects the sockets opened with that token on worker 2;
    logging out everywhere disconnects the user's sockets on both."""
    worker1, worker2 = workers
    api = CampusApi(worker1.url)
    phone = api.register("ann")
    second = api.token_pair(phone.email)
    laptop = Account(phone.id, phone.email, second["access_token"], second["refresh_token"])
    phone_socket = ChatSocket(worker2.url, phone.token).connect()
    laptop_sockets = [ChatSocket(worker1.url, laptop.token).connect(), ChatSocket(worker2.url, laptop.token).connect()]
    try:
        assert api.call(phone, "POST", "/auth/logout").status_code == 204
        phone_socket.wait_disconnected()
        for socket in laptop_sockets:
            assert socket.ok("sync", {"cursors": {}})["chats"] == []  # still connected and answered

        assert api.call(laptop, "POST", "/auth/logout", json={"everywhere": True}).status_code == 204
        for socket in laptop_sockets:
            socket.wait_disconnected()
    finally:
        for socket in (phone_socket, *laptop_sockets):
            socket.close()
