"""Chat test helpers: socket clients on `/chat` with acks, chats made through the services."""

from __future__ import annotations

import itertools

import pytest

from campus.extensions import db, socketio

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
    sockets: list[Socket] = []

    def make(user_id: int, headers: dict | None = None) -> Socket:
        sock = Socket(app, auth.token(user_id), headers)
        sockets.append(sock)
        return sock

    yield make
    for sock in sockets:
        sock.disconnect()


@pytest.fixture
def chats(app):
    """Make chats through the services: `chats.group(owner, [members], title=...)`, `chats.private(a, b)`."""
    from campus.chat.chats import create_group_chat, create_private_chat
    from campus.users.models import User

    class Chats:
        def group(self, owner_id: int, member_ids=(), title: str = "Group") -> int:
            with app.app_context():
                return create_group_chat(db.session.get(User, owner_id), title, member_ids)["id"]

        def private(self, a: int, b: int) -> int:
            with app.app_context():
                return create_private_chat(db.session.get(User, a), b)[0]["id"]

    return Chats()


_client_ids = itertools.count(1)


@pytest.fixture
def client_id():
    return lambda: f"c-{next(_client_ids)}"


# The directory's fixtures, for campus chats.
from tests.students.conftest import make_major, make_student  # noqa: E402,F401
