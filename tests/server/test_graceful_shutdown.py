"""SIGTERM on one worker: it stops accepting, drops its sockets so that clients reconnect, lets
the event in flight finish and commit, and exits 0 — before SHUTDOWN_TIMEOUT; a client that
resends its unacknowledged message with the same client_id gets the stored one, exactly once."""

from __future__ import annotations

import threading

import pytest
import requests

from tests.support.chat_client import CampusApi, ChatSocket, NoAck, new_client_id
from tests.support.server import LIFTED_LOGIN_LIMIT, LiveServer
from tests.support.waiting import wait_until

pytestmark = pytest.mark.server

SHUTDOWN_TIMEOUT = 30  # a bound for the test, far above the event's two seconds
TOKEN = "shutdown-metrics-token"


def events_in_flight(server: LiveServer) -> float:
    """The worker's `campus_socket_events_in_flight` gauge."""
    text = requests.get(server.url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10).text
    return next(
        float(line.split()[-1]) for line in text.splitlines() if line.startswith("campus_socket_events_in_flight ")
    )


@pytest.fixture(params=["eventlet", "gevent"])
def slow_server(request, tmp_path):
    server = LiveServer(
        tmp_path,
        mode=request.param,
        env={
            **LIFTED_LOGIN_LIMIT,
            "SHUTDOWN_TIMEOUT": str(SHUTDOWN_TIMEOUT),
            "SLOW_SEND_SECONDS": "2",
            "METRICS_TOKEN": TOKEN,
        },
        entry=("-m", "tests.server.slow_events"),
    ).start()
    yield server
    server.stop()


def test_sigterm_finishes_the_event_in_flight_and_exits(slow_server):
    api = CampusApi(slow_server.url)
    ann, bob = api.register("ann"), api.register("bob")
    chat_id = api.ok(ann, "POST", "/chats", json={"type": "private", "user_id": bob.id})["id"]
    socket = ChatSocket(slow_server.url, ann.token).connect()
    payload = {"chat_id": chat_id, "client_id": new_client_id(), "body": "slow: in flight at SIGTERM"}
    answers: list = []

    def send() -> None:
        try:
            answers.append(socket.ack("send_message", payload))
        except NoAck as lost:
            answers.append(lost)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    # The handler sleeps before the store: SIGTERM once the worker counts it in flight.
    wait_until(lambda: events_in_flight(slow_server) == 1, "the slow send in flight")
    slow_server.process.terminate()
    assert slow_server.process.wait(SHUTDOWN_TIMEOUT + 10) == 0
    sender.join(30)
    socket.wait_disconnected()
    socket.close()
    log = slow_server.log_text()
    assert "1 socket(s) told to reconnect, every event finished" in log, log
    with pytest.raises(requests.ConnectionError):
        requests.get(slow_server.url + "/healthz", timeout=5)

    slow_server.start()
    history = api.history(ann, chat_id)
    assert [m["body"] for m in history] == [payload["body"]]  # committed before the exit
    again = ChatSocket(slow_server.url, ann.token).connect()
    try:
        resent = again.ok("send_message", payload)["message"]
    finally:
        again.close()
    assert resent["id"] == history[0]["id"]
    assert len(api.history(ann, chat_id)) == 1


def test_an_event_slower_than_the_shutdown_timeout_does_not_hold_the_exit(tmp_path):
    """SHUTDOWN_TIMEOUT bounds the drain: the worker exits 0 and says what it left running; the
    client's resend, after the restart, stores the message once."""
    server = LiveServer(
        tmp_path,
        env={**LIFTED_LOGIN_LIMIT, "SHUTDOWN_TIMEOUT": "1", "SLOW_SEND_SECONDS": "600", "METRICS_TOKEN": TOKEN},
        entry=("-m", "tests.server.slow_events"),
    ).start()
    try:
        api = CampusApi(server.url)
        ann, bob = api.register("ann"), api.register("bob")
        chat_id = api.ok(ann, "POST", "/chats", json={"type": "private", "user_id": bob.id})["id"]
        socket = ChatSocket(server.url, ann.token).connect()
        payload = {"chat_id": chat_id, "client_id": new_client_id(), "body": "slow: never finishes"}
        socket.emit("send_message", payload, lambda *_: None)
        wait_until(lambda: events_in_flight(server) == 1, "the slow send in flight")
        server.process.terminate()
        assert server.process.wait(60) == 0
        socket.wait_disconnected()
        socket.close()
        assert "1 event(s) still running at the deadline" in server.log_text()

        server.extra_env["SLOW_SEND_SECONDS"] = "0"
        server.start()
        assert api.history(ann, chat_id) == []  # it never reached the store
        with ChatSocket(server.url, ann.token) as again:
            stored = again.ok("send_message", payload)["message"]
        assert [m["id"] for m in api.history(ann, chat_id)] == [stored["id"]]
    finally:
        server.stop()
