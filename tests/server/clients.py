"""A client of a real Campus server's `/chat` that keeps how a connection was refused (accounts
come from `tests.support.chat_client.CampusApi`)."""

from __future__ import annotations

import socketio


class ChatClient:
    """python-socketio's client on `/chat`, websocket transport only, keeping what it receives.

    `refusal` is the data of a refused connect, as the client's `connect_error` handler gets it:
    `{"message": "unauthorized", "data": {"code": ...}}`.
    """

    def __init__(self, origin: str | None = "own"):
        # websocket-client sends the server's own origin unless told otherwise; an Origin in
        # `headers` would be a second header, so the origin is a websocket option.
        if origin == "own":
            options = {}
        elif origin is None:
            options = {"suppress_origin": True}
        else:
            options = {"origin": origin}
        self.sio = socketio.Client(reconnection=False, websocket_extra_options=options)
        self.refusal = None
        self.received: list[tuple[str, object]] = []
        self.sio.on("connect_error", self._on_connect_error, namespace="/chat")
        self.sio.on("*", self._on_event, namespace="/chat")

    def _on_connect_error(self, data):
        self.refusal = data

    def _on_event(self, event, *args):
        self.received.append((event, args[0] if len(args) == 1 else args))

    def connect(self, base_url: str, *, auth=None, headers=None) -> ChatClient:
        """Connect, or record the refusal (`socketio.exceptions.ConnectionError` is swallowed)."""
        try:
            self.sio.connect(
                base_url,
                namespaces=["/chat"],
                transports=["websocket"],
                auth=auth,
                headers=headers or {},
                wait_timeout=20,
            )
        except socketio.exceptions.ConnectionError:
            pass
        return self

    @property
    def connected(self) -> bool:
        return self.sio.connected and "/chat" in self.sio.namespaces

    def refused_with(self) -> str:
        assert not self.connected
        assert self.refusal is not None, "connect_error was not called"
        assert self.refusal["message"] == "unauthorized"
        return self.refusal["data"]["code"]

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()
