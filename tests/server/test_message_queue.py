"""An emit from another process reaches a socket through the Redis message queue.

Any process can talk to Campus's sockets through the queue, as Flask-SocketIO documents for
external processes: `SocketIO(message_queue=SOCKETIO_MESSAGE_QUEUE, channel=SOCKETIO_CHANNEL)`
with no app is a write-only emitter. (tests/chat_live/test_workers.py covers two Campus workers.)
"""

from __future__ import annotations

import uuid

import pytest
import redis
from flask_socketio import SocketIO

from tests.server.clients import ChatClient
from tests.support.chat_client import CampusApi
from tests.support.server import LiveServer
from tests.support.services_available import require_redis
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.server, pytest.mark.redis]


@pytest.fixture
def queue():
    return {"SOCKETIO_MESSAGE_QUEUE": require_redis(), "SOCKETIO_CHANNEL": f"campus-test-{uuid.uuid4().hex}"}


@pytest.fixture
def server(tmp_path, queue):
    server = LiveServer(tmp_path, env=queue).start()
    yield server
    server.stop()


def test_an_external_emit_reaches_the_addressed_socket_only(server, queue):
    api = CampusApi(server.url)
    ann_account, bob_account = api.register("ann"), api.register("bob")
    ann = ChatClient().connect(server.url, auth={"token": ann_account.token})
    bob = ChatClient().connect(server.url, auth={"token": bob_account.token})
    listener = redis.Redis.from_url(queue["SOCKETIO_MESSAGE_QUEUE"])
    try:
        assert ann.connected and bob.connected
        # Redis pub/sub keeps nothing for late subscribers: wait for the server's subscription.
        wait_until(
            lambda: (
                dict(listener.pubsub_numsub(queue["SOCKETIO_CHANNEL"])).get(queue["SOCKETIO_CHANNEL"].encode(), 0) >= 1
            ),
            "the server to subscribe",
            timeout=20,
        )

        emitter = SocketIO(
            message_queue=queue["SOCKETIO_MESSAGE_QUEUE"], channel=queue["SOCKETIO_CHANNEL"], async_mode="threading"
        )  # a plain script, whatever is installed
        emitter.emit("notice", {"text": "for ann"}, namespace="/chat", to=f"user:{ann_account.id}")
        emitter.emit("notice", {"text": "for everyone"}, namespace="/chat")

        wait_until(
            lambda: (
                ("notice", {"text": "for everyone"}) in ann.received
                and ("notice", {"text": "for everyone"}) in bob.received
            ),
            "the broadcast",
            timeout=20,
        )
        notices = [data for event, data in ann.received if event == "notice"]
        assert notices == [{"text": "for ann"}, {"text": "for everyone"}]
        # The queue keeps the order: bob got the later broadcast, so he was skipped for ann's.
        assert [data for event, data in bob.received if event == "notice"] == [{"text": "for everyone"}]
    finally:
        ann.close()
        bob.close()
        listener.close()
