"""Clients of a live server for tests: accounts and REST calls, and a recording `/chat` socket.

    api = CampusApi(server.url)
    ann, bob = api.register("ann"), api.register("bob")          # Account(id, email, token)
    chat = api.call(ann, "POST", "/chats", json={"type": "private", "user_id": bob.id}).json()
    with ChatSocket(server.url, bob.token) as bob_socket:
        ack = ChatSocket(server.url, ann.token).connect().ack(
            "send_message", {"chat_id": chat["id"], "client_id": new_client_id(), "body": "hi"})
        bob_socket.wait_for(lambda event: event.name == "message")

Every wait is bounded in time (and raises with what was recorded, so a failure says what came).
python-socketio runs each received event in its own thread, so the recording order is not the
arrival order: assertions sort by `seq`/`rev`, as a real client must.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
import socketio

from tests.support.accounts import PASSWORD, bearer
from tests.support.sockets import NAMESPACE
from tests.support.waiting import WAIT

_accounts = itertools.count(1)


def new_client_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    token: str = field(repr=False)
    refresh_token: str = field(repr=False)


class CampusApi:
    """REST calls against a live server, as a given account."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()

    def register(
        self, name: str, *, last_name: str = "Live", email: str | None = None, password: str = PASSWORD
    ) -> Account:
        """A new account (role `user`, first name `name`) signed in through `/auth/token`."""
        email = email or f"{name.lower()}.{next(_accounts)}.{uuid.uuid4().hex[:6]}@example.test"
        created = self.http.post(
            f"{self.base_url}/api/v1/auth/register",
            timeout=WAIT,
            json={"email": email, "password": password, "first_name": name.title(), "last_name": last_name},
        )
        assert created.status_code == 201, created.text
        tokens = self.token_pair(email, password)
        return Account(created.json()["id"], email, tokens["access_token"], tokens["refresh_token"])

    def token_pair(self, email: str, password: str = PASSWORD) -> dict[str, str]:
        """A new sign-in of an existing account through `/auth/token`: its access and refresh token."""
        tokens = self.http.post(
            f"{self.base_url}/api/v1/auth/token", timeout=WAIT, json={"email": email, "password": password}
        )
        assert tokens.status_code == 200, tokens.text
        return tokens.json()

    def call(
        self, account: Account, method: str, path: str, *, base_url: str | None = None, **kwargs
    ) -> requests.Response:
        """`method /api/v1<path>` with the account's Bearer token (optionally on another worker)."""
        url = f"{(base_url or self.base_url).rstrip('/')}/api/v1{path}"
        headers = {**bearer(account.token), **kwargs.pop("headers", {})}
        return self.http.request(method, url, headers=headers, timeout=WAIT, **kwargs)

    def ok(self, account: Account, method: str, path: str, **kwargs) -> Any:
        """Like `call`, asserting a 2xx answer; returns the JSON body (None for 204)."""
        response = self.call(account, method, path, **kwargs)
        assert 200 <= response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def group(self, owner: Account, members: list[Account], title: str = "Group") -> dict:
        return self.ok(
            owner,
            "POST",
            "/chats",
            json={"type": "group", "title": title, "member_ids": [member.id for member in members]},
        )

    def history(
        self, account: Account, chat_id: int, *, limit: int = 100, max_pages: int = 50, base_url: str | None = None
    ) -> list[dict]:
        """Every message of a chat through REST, paging with `after` (bounded)."""
        messages: list[dict] = []
        after = 0
        for _ in range(max_pages):
            page = self.ok(
                account, "GET", f"/chats/{chat_id}/messages", params={"after": after, "limit": limit}, base_url=base_url
            )["items"]
            messages.extend(page)
            if len(page) < limit:
                return messages
            after = page[-1]["seq"]
        raise AssertionError(f"chat {chat_id} has more than {limit * max_pages} messages")


@dataclass
class Event:
    name: str
    data: Any
    at: float = field(default_factory=time.monotonic)


class NoAck(Exception):
    """The event was not acknowledged: the connection dropped or the bound ran out."""


class ChatSocket:
    """A python-socketio client on `/chat` that records every server event.

    It never reconnects by itself: tests decide when a connection goes and comes back, and
    `connect()` again opens a new Socket.IO session while keeping what was recorded.
    """

    def __init__(self, base_url: str, token: str | Callable[[], str]):
        self.base_url = base_url
        self.token = token
        self.events: list[Event] = []
        self.client: socketio.Client | None = None
        self._changed = threading.Condition()
        self._connected = False

    # -- connection ---------------------------------------------------------------------------

    def connect(self, *, auth: dict | None = None, url: str | None = None) -> ChatSocket:
        """Connect (websocket transport); raises `socketio.exceptions.ConnectionError` if refused."""
        self._close_lost_transport()
        client = socketio.Client(reconnection=False)
        client.on("*", self._record, namespace=NAMESPACE)
        client.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        client.on("connect", self._on_connect, namespace=NAMESPACE)
        token = self.token() if callable(self.token) else self.token
        self.client = client
        if url:
            self.base_url = url
        client.connect(
            self.base_url,
            namespaces=[NAMESPACE],
            transports=["websocket"],
            auth=auth if auth is not None else {"token": token},
            wait_timeout=WAIT,
        )
        return self

    def disconnect(self) -> None:
        if self.client is not None:
            self.client.disconnect()
        self._wait_until(lambda: not self._connected, WAIT, "disconnect")

    @property
    def connected(self) -> bool:
        return self._connected

    def wait_disconnected(self, timeout: float = WAIT) -> None:
        """Wait until the server side is gone (e.g. after the server was killed)."""
        self._wait_until(lambda: not self._connected, timeout, "the connection to drop")

    def _on_connect(self) -> None:
        with self._changed:
            self._connected = True
            self._changed.notify_all()

    def _on_disconnect(self, *reason) -> None:
        with self._changed:
            self._connected = False
            self._changed.notify_all()

    def _record(self, name: str, data: Any = None) -> None:
        with self._changed:
            self.events.append(Event(name, data))
            self._changed.notify_all()

    # -- acks -----------------------------------------------------------------------------------

    def emit(self, event: str, payload: Any, on_ack: Callable[[Any], None]) -> None:
        """Emit without waiting; `on_ack` runs when (if ever) the ack arrives."""
        assert self.client is not None, "connect() first"
        self.client.emit(event, payload, namespace=NAMESPACE, callback=on_ack)

    def ack(self, event: str, payload: Any, timeout: float = WAIT) -> dict:
        """Emit and return the server's ack; `NoAck` if the connection drops or time runs out."""
        answers: list[Any] = []

        def on_ack(*args):
            with self._changed:
                answers.append(args[0] if len(args) == 1 else args)
                self._changed.notify_all()

        try:
            self.emit(event, payload, on_ack)
        except socketio.exceptions.SocketIOError as error:
            raise NoAck(f"{event}: {error}") from None
        deadline = time.monotonic() + timeout
        with self._changed:
            while not answers:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._connected:
                    # A lost connection means no ack will come on this session.
                    if answers:
                        break
                    raise NoAck(f"{event}: {'disconnected' if not self._connected else 'timed out'}")
                self._changed.wait(min(remaining, 0.25))
        return answers[0]

    def ok(self, event: str, payload: Any) -> dict:
        """`ack`, asserting `{"ok": true}`."""
        answer = self.ack(event, payload)
        assert isinstance(answer, dict) and answer.get("ok") is True, f"{event} {payload!r} → {answer!r}"
        return answer

    def send(self, chat_id: int, body: str, client_id: str | None = None) -> dict:
        """`send_message`, asserting success; returns the acked `<message>`."""
        return self.ok("send_message", {"chat_id": chat_id, "client_id": client_id or new_client_id(), "body": body})[
            "message"
        ]

    def sync(self, cursors: dict[int, int]) -> dict[int, dict]:
        """`sync` with the given cursors; the answer's chats by id."""
        answer = self.ok("sync", {"cursors": {str(chat_id): rev for chat_id, rev in cursors.items()}})
        return {entry["chat_id"]: entry for entry in answer["chats"]}

    # -- what was received ------------------------------------------------------------------------

    def received(self, name: str | None = None, chat_id: int | None = None) -> list[Any]:
        """Payloads of recorded events, optionally of one name and one chat."""
        with self._changed:
            events = list(self.events)
        return [
            event.data
            for event in events
            if (name is None or event.name == name) and (chat_id is None or _chat_id(event.data) == chat_id)
        ]

    def messages(self, chat_id: int) -> list[dict]:
        """The chat as this socket saw it: message events upserted by id (highest rev wins), by seq."""
        latest: dict[int, dict] = {}
        for name in ("message", "message_updated", "message_deleted"):
            for message in self.received(name, chat_id):
                if message["id"] not in latest or message["rev"] > latest[message["id"]]["rev"]:
                    latest[message["id"]] = message
        return sorted(latest.values(), key=lambda message: message["seq"])

    def wait_for(self, predicate: Callable[[Event], bool], timeout: float = WAIT, what: str = "an event") -> Event:
        """The first recorded event matching `predicate`, waiting for it if need be."""
        found: list[Event] = []

        def match() -> bool:
            found[:] = [event for event in self.events if predicate(event)][:1]
            return bool(found)

        self._wait_until(match, timeout, what)
        return found[0]

    def wait_for_message(
        self, chat_id: int, *, body: str | None = None, seq: int | None = None, timeout: float = WAIT
    ) -> dict:
        return self.wait_for(
            lambda e: (
                e.name == "message"
                and e.data.get("chat_id") == chat_id
                and (body is None or e.data.get("body") == body)
                and (seq is None or e.data.get("seq") == seq)
            ),
            timeout,
            f"message {body or seq!r} in chat {chat_id}",
        ).data

    def _wait_until(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    names = [(event.name, _chat_id(event.data)) for event in self.events[-20:]]
                    raise AssertionError(f"waited {timeout}s for {what}; last events: {names}")
                self._changed.wait(min(remaining, 0.25))

    def __enter__(self) -> ChatSocket:
        return self.connect()

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Disconnect if connected; never raises (for clean-up)."""
        if self.client is not None and self._connected:
            try:
                self.client.disconnect()
            except Exception:
                pass
        self._close_lost_transport()

    def _close_lost_transport(self) -> None:
        """Close the websocket of a connection that was lost rather than closed: python-engineio's
        client leaves it open when its read loop ends on a transport error (a killed server), and
        the garbage collector would find it later, in another test (a ResourceWarning)."""
        websocket = getattr(getattr(self.client, "eio", None), "ws", None)
        if websocket is not None and not self._connected:
            websocket.shutdown()


def _chat_id(data: Any) -> Any:
    if not isinstance(data, dict):
        return None
    if "chat_id" in data:
        return data["chat_id"]
    chat = data.get("chat")
    return chat.get("id") if isinstance(chat, dict) else None
