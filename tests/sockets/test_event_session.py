"""Socket.IO events and the Flask session (docs/design.md#hot-paths).

Flask-SocketIO takes `flask.session` in the request context of every event, built from the
handshake's environ. The page's session cookie (the forms' CSRF token) is not opened for it —
sockets authenticate with the JWT — while pages keep their session. The socket here goes through
engine.io's real HTTP handshake (polling, through the middleware), so its environ is the one a
browser's socket has: under `/socket.io/`, with the page's cookies.
"""

from __future__ import annotations

import json

import flask
import pytest

from campus.core.sockets import SocketEventSession
from campus.extensions import socketio
from tests.support.pages import post_form, sign_in

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


def signed_in_browser(app, make_user):
    """A test client signed in through the login form: session cookie and JWT cookies."""
    make_user(email="ann@example.test")
    client = app.test_client()
    response = sign_in(client, "ann@example.test")
    assert response.status_code == 302
    assert client.get_cookie("session") and client.get_cookie("access_token_cookie")
    return client


class PollingSocket:
    """A socket on `/chat` over engine.io's polling transport, with the client's cookies."""

    def __init__(self, client):
        self.client = client
        opened = client.get(HANDSHAKE)
        assert opened.status_code == 200, opened.data
        self.eio_sid = json.loads(opened.get_data(as_text=True)[1:])["sid"]
        self.url = f"{HANDSHAKE}&sid={self.eio_sid}"

    def send(self, packet: str) -> None:
        assert self.client.post(self.url, data=packet).status_code == 200

    def receive(self) -> str:
        return self.client.get(self.url).get_data(as_text=True)

    @property
    def environ(self) -> dict:
        """What Flask-SocketIO builds every event's request context from."""
        return socketio.server.environ[self.eio_sid]


def test_a_cookie_authenticated_socket_event_does_not_open_the_page_session(app, make_user):
    client = signed_in_browser(app, make_user)
    sock = PollingSocket(client)
    sock.send("40/chat," + json.dumps({"csrf": client.get_cookie("csrf_access_token").value}))
    assert sock.receive().startswith('40/chat,{"sid"')  # connected, by the JWT cookie
    sock.send('42/chat,1["sync",{"cursors":{}}]')
    assert sock.receive() == '43/chat,1[{"ok":true,"chats":[]}]'

    environ = sock.environ
    assert environ["PATH_INFO"].startswith("/socket.io/") and "session=" in environ["HTTP_COOKIE"]
    with app.request_context(environ):  # as Flask-SocketIO's _handle_event does, per event
        event_session = flask.session._get_current_object()
    assert isinstance(event_session, SocketEventSession)
    assert dict(event_session) == {} and not event_session.modified  # never saved
    with pytest.raises(RuntimeError, match="no Flask session"):
        event_session["x"] = 1

    # The same cookies on a page: its session, with the CSRF token the forms post back.
    with app.request_context({**environ, "PATH_INFO": "/"}):
        assert "csrf_token" in flask.session
    response = post_form(client, "/language", {"language": "ru"}, token_from="/")
    assert response.status_code == 302 and client.get_cookie("lang").value == "ru"
    sock.send("41/chat,")


def test_a_page_under_a_lookalike_path_keeps_its_session(app, make_user):
    """Only the Socket.IO path is spared: `/socket.io` itself is an ordinary (404) page."""
    client = signed_in_browser(app, make_user)
    with app.test_request_context("/socket.io", headers={"Cookie": f"session={client.get_cookie('session').value}"}):
        assert "csrf_token" in flask.session
