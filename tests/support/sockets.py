"""Sockets on `/chat` through Flask-SocketIO's test client: `connect(user_id)` → a `Socket` with
`ack(event, data)` and what it received."""

from __future__ import annotations

import pytest

from campus.extensions import socketio

NAMESPACE = "/chat"


class Socket:
    """A Flask-SocketIO test client on `/chat` for one user: `ack(event, data)`, `events(name)`."""

    def __init__(self, app, token: str, headers: dict | None = None):
        self.client = socketio.test_client(app, namespace=NAMESPACE, auth={"token": token}, headers=headers)
        assert self.client.is_connected(NAMESPACE)
        self._received: list[dict] = []

    def ack(self, event: str, *args):
        return self.client.emit(event, *args, namespace=NAMESPACE, callback=True)

    def received(self) -> list[tuple[str, object]]:
        """Every event received so far (kept across calls)."""
        self._received.extend(self.client.get_received(NAMESPACE))
        return [(event["name"], _first_arg(event)) for event in self._received]

    def events(self, name: str) -> list:
        return [payload for event, payload in self.received() if event == name]

    def clear(self) -> None:
        self.received()
        self._received.clear()

    def disconnect(self) -> None:
        if self.client.is_connected(NAMESPACE):
            self.client.disconnect(namespace=NAMESPACE)


def _first_arg(event: dict):
    # The test client keeps the argument of an event named "message" bare, others in a list.
    if event["name"] in ("message", "json"):
        return event["args"]
    return event["args"][0] if event["args"] else None


@pytest.fixture
def connect(app, auth):
    """`connect(user_id, headers=None)` → a connected `Socket` (disconnected after the test)."""
    sockets: list[Socket] = []

    def make(user_id: int, headers: dict | None = None) -> Socket:
        sock = Socket(app, auth.token(user_id), headers)
        sockets.append(sock)
        return sock

    yield make
    for sock in sockets:
        sock.disconnect()
