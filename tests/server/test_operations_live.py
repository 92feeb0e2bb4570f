"""The production entry point as an operator meets it: a fresh database with only `flask db
upgrade` serves registration, sign-in and chat; an unmigrated one is refused at start-up with
what to run; `/metrics` shows the series after a chat session; `/readyz` follows Redis down and
up again (a Redis of the test's own, never the shared one)."""

from __future__ import annotations

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.support.chat_client import CampusApi, ChatSocket
from tests.support.redis_server import RedisServer
from tests.support.server import LIFTED_LOGIN_LIMIT, LiveServer
from tests.support.waiting import eventually

pytestmark = pytest.mark.server

TOKEN = "live-metrics-token"


def series(server: LiveServer) -> dict[tuple[str, tuple], float]:
    response = requests.get(server.url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert response.status_code == 200, response.text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_a_fresh_database_with_only_upgrade_registers_signs_in_and_chats(tmp_path):
    server = LiveServer(tmp_path, prepare=False, env={**LIFTED_LOGIN_LIMIT, "METRICS_TOKEN": TOKEN})
    server.flask("db", "upgrade")
    with server:
        api = CampusApi(server.url)
        ann, bob = api.register("ann"), api.register("bob")  # registration and /auth/token sign-in
        chat_id = api.ok(ann, "POST", "/chats", json={"type": "private", "user_id": bob.id})["id"]
        with ChatSocket(server.url, bob.token) as bob_socket, ChatSocket(server.url, ann.token) as ann_socket:
            sent = ann_socket.send(chat_id, "hello from a fresh install")
            assert bob_socket.wait_for_message(chat_id, body="hello from a fresh install")["id"] == sent["id"]
            during = series(server)
        assert requests.get(server.url + "/metrics", timeout=10).status_code == 401
    # Neither eventlet's nor dnspython's deprecation notice at start: they are nothing an operator can act on.
    assert "Warning" not in server.log_text(), server.log_text()
    assert during[("campus_sockets", (("namespace", "/chat"),))] == 2
    assert (
        during[("campus_socket_events_total", (("event", "send_message"), ("namespace", "/chat"), ("outcome", "ok")))]
        == 1
    )
    assert during[("campus_socket_ack_seconds_count", (("event", "send_message"), ("namespace", "/chat")))] == 1
    created = (
        "campus_http_request_seconds_count",
        (("endpoint", "chats_api.create_chat"), ("method", "POST"), ("status", "2xx")),
    )
    assert during[created] == 1
    assert during[("campus_db_pool_connections", (("state", "size"),))] >= 1


def test_an_unmigrated_database_is_refused_at_start_up(tmp_path):
    server = LiveServer(tmp_path, prepare=False)
    with pytest.raises(RuntimeError) as refused:
        server.start()
    assert "Campus cannot start: migrations:" in str(refused.value)
    assert "run `flask db upgrade`" in str(refused.value)


def test_readyz_follows_redis_down_and_up(tmp_path):
    with RedisServer(tmp_path) as redis:
        env = {"SOCKETIO_MESSAGE_QUEUE": redis.url, "SOCKETIO_CHANNEL": f"campus-ready-{redis.port}"}
        with LiveServer(tmp_path, env=env) as server:

            def ready() -> int:
                return requests.get(server.url + "/readyz", timeout=10).status_code

            assert ready() == 200
            redis.stop()
            assert eventually(lambda: ready() == 503)
            answer = requests.get(server.url + "/readyz", timeout=10).json()
            assert answer == {"status": "unready", "problems": {"redis": "unreachable (ConnectionError)"}}
            assert requests.get(server.url + "/healthz", timeout=10).status_code == 200
            redis.start()
            assert eventually(lambda: ready() == 200)
