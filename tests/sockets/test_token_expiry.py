"""A socket ends when the access token it was opened with expires, unless the client sent a new
one with `reauthenticate` (docs/protocol.md#connecting). The guard's sweeper is called here by the
test (the Flask-SocketIO test client bypasses engine.io, where the real server starts it)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.sockets import NAMESPACE, Socket
from tests.support.waiting import wait_until


@pytest.fixture
def short_token(app, auth):
    """`short_token(user_id)`: an access token that expires in two seconds."""

    def make(user_id: int) -> str:
        default = app.config["JWT_ACCESS_TOKEN_EXPIRES"]
        app.config["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(seconds=2)
        try:
            return auth.token(user_id)
        finally:
            app.config["JWT_ACCESS_TOKEN_EXPIRES"] = default

    return make


def ended_by_the_sweeper(app, sock: Socket) -> bool:
    app.extensions["campus_socket_guard"].sweep()
    return not sock.client.is_connected(NAMESPACE)


def test_a_socket_ends_when_its_token_expires(app, make_user, short_token):
    sock = Socket(app, short_token(make_user()))
    assert sock.client.is_connected(NAMESPACE)
    wait_until(lambda: ended_by_the_sweeper(app, sock), "the socket to end at its token's expiry")


def test_a_reauthenticated_socket_lives_on(app, make_user, auth, short_token):
    user_id = make_user()
    renewed = Socket(app, short_token(user_id))
    answer = renewed.ack("reauthenticate", {"token": auth.token(user_id)})
    assert answer["ok"] is True and isinstance(answer["expires_at"], int)
    # A socket opened later with a short token ends; the renewed one, opened earlier, does not.
    later = Socket(app, short_token(user_id))
    wait_until(lambda: ended_by_the_sweeper(app, later), "the later socket to end")
    assert renewed.client.is_connected(NAMESPACE)
    assert renewed.ack("sync", {"cursors": {}})["ok"] is True
    renewed.disconnect()


@pytest.mark.parametrize("which", ["other user", "refresh", "garbage", "lone surrogate"])
def test_reauthenticate_takes_only_an_access_token_of_the_same_user(app, make_user, auth, which):
    user_id, other = make_user(), make_user()
    token = {
        "other user": auth.token(other),
        "refresh": auth.tokens(user_id)["refresh_token"],
        "garbage": "not.a.token",
        "lone surrogate": "\ud800",  # JSON can carry it; it cannot be encoded to check it
    }[which]
    sock = Socket(app, auth.token(user_id))
    assert sock.ack("reauthenticate", {"token": token})["error"]["code"] == "forbidden"
    assert sock.ack("reauthenticate", {"token": 5})["error"]["code"] == "validation_error"
    sock.disconnect()
