"""JSON log lines (`LOG_FORMAT=json`) name the request (`X-Request-ID`, echoed in the response)
or the socket (`sid`, `namespace`) they came from; a request id from outside is kept only when it
is a plain token."""

from __future__ import annotations

import json
import logging

import pytest
from flask import current_app

from campus.core.logs import JsonFormatter


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[dict] = []

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def json_lines():
    handler = Lines()
    logger = logging.getLogger("campus.test_logs")
    logger.addHandler(handler)
    yield logger, handler.lines
    logger.removeHandler(handler)


def test_a_request_line_carries_its_request_id(app, json_lines):
    logger, lines = json_lines

    @app.route("/test-log")
    def log_something():
        logger.warning("inside %s", "a request")
        return {"ok": True}

    response = app.test_client().get("/test-log", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    (line,) = lines
    assert line["message"] == "inside a request" and line["level"] == "WARNING"
    assert line["request_id"] == "abc-123" and line["logger"] == "campus.test_logs"


@pytest.mark.parametrize("sent", [None, "", "x" * 65, "bad id", "tab\there", '{"json": 1}'])
def test_an_unusable_request_id_is_replaced(client, sent):
    headers = {"X-Request-ID": sent} if sent is not None else {}
    echoed = client.get("/healthz", headers=headers).headers["X-Request-ID"]
    assert echoed != sent and len(echoed) == 32


def test_a_socket_event_line_carries_the_socket_id(app, json_lines, make_user, auth):
    from campus.extensions import socketio

    logger, lines = json_lines
    socket = socketio.test_client(app, namespace="/chat", auth={"token": auth.token(make_user())})
    original = socketio.server.namespace_handlers["/chat"].on_typing

    def logging_typing(data=None, *extra):
        logger.warning("typing from %s", current_app.name)
        return original(data, *extra)

    socketio.server.namespace_handlers["/chat"].on_typing = logging_typing
    try:
        socket.emit("typing", {"chat_id": 1}, namespace="/chat", callback=True)
    finally:
        del socketio.server.namespace_handlers["/chat"].on_typing
        socket.disconnect(namespace="/chat")
    (line,) = lines
    assert line["namespace"] == "/chat" and line["sid"] and "request_id" not in line
