"""Connecting to `/chat` (docs/protocol.md): who is let in, who is refused and with which code.

Refusals are read from the CONNECT_ERROR packet the server sends, i.e. what the JS client sees
as `err.message` / `err.data`. The Origin check runs in the HTTP handshake, which the Flask test
client exercises through the engine.io middleware (the real server is tested in tests/server).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_jwt_extended import create_access_token
from socketio import packet

from campus.core.sockets import origin_check, user_room
from campus.extensions import db, socketio
from tests.support.accounts import bearer
from tests.support.app import config_for
from tests.support.sockets import NAMESPACE


class ChatConnection:
    """A Flask-SocketIO test client on `/chat` that keeps the server's CONNECT_ERROR data."""

    def __init__(self, app, *, auth=None, headers=None, flask_test_client=None):
        # Connect to "/" first: the test client swaps in its packet sender when it is built,
        # and only then can the sender be wrapped to see the refusal on "/chat".
        self.client = socketio.test_client(app, flask_test_client=flask_test_client)
        self.refusal = None
        send_packet = socketio.server._send_packet

        def recording_send_packet(eio_sid, pkt):
            if pkt.packet_type == packet.CONNECT_ERROR and pkt.namespace == NAMESPACE:
                self.refusal = pkt.data
            return send_packet(eio_sid, pkt)

        socketio.server._send_packet = recording_send_packet
        self.client.connect(namespace=NAMESPACE, auth=auth, headers=headers)

    @property
    def connected(self) -> bool:
        return self.client.is_connected(NAMESPACE)

    def refused_with(self) -> str:
        assert not self.connected
        assert self.refusal is not None, "no CONNECT_ERROR was sent"
        assert self.refusal["message"] == "unauthorized"
        return self.refusal["data"]["code"]


def test_token_in_auth_is_accepted_and_joins_the_personal_room(app, make_user, auth):
    user_id = make_user()
    connection = ChatConnection(app, auth={"token": auth.token(user_id)})
    assert connection.connected and connection.refusal is None

    socketio.emit("probe", {"n": 1}, to=user_room(user_id), namespace=NAMESPACE)
    received = connection.client.get_received(NAMESPACE)
    assert [(event["name"], event["args"]) for event in received] == [("probe", [{"n": 1}])]


def test_cookie_with_its_csrf_value_is_accepted(app, client, make_user, auth):
    user_id = make_user()
    csrf = auth.set_cookies(client, auth.token(user_id))
    connection = ChatConnection(app, auth={"csrf": csrf}, flask_test_client=client)
    assert connection.connected


@pytest.mark.parametrize("auth_payload", [None, {}, {"csrf": "anything"}, "a string", ["token"]])
def test_no_credentials_is_token_missing(app, auth_payload):
    assert ChatConnection(app, auth=auth_payload).refused_with() == "token_missing"


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "", 12, {"nested": "x"}, "\ud800", "a.\udfff.c"])
def test_malformed_token_is_token_invalid(app, token):
    assert ChatConnection(app, auth={"token": token}).refused_with() == "token_invalid"


def test_refresh_token_is_not_an_access_token(app, make_user, auth):
    refresh = auth.tokens(make_user())["refresh_token"]
    assert ChatConnection(app, auth={"token": refresh}).refused_with() == "token_invalid"


def test_token_signed_with_another_key_is_token_invalid(app, make_user, auth):
    import jwt

    claims = jwt.decode(auth.token(make_user()), options={"verify_signature": False})
    forged = jwt.encode(claims, "some-other-secret-long-enough-for-hs256", algorithm="HS256")
    assert ChatConnection(app, auth={"token": forged}).refused_with() == "token_invalid"


def test_expired_token_is_token_expired(app, make_user):
    from campus.users.models import User

    user_id = make_user()
    with app.test_request_context():
        user = db.session.get(User, user_id)
        expired = create_access_token(
            identity=str(user_id),
            expires_delta=timedelta(seconds=-60),
            additional_claims={"gen": user.token_generation},
        )
    assert ChatConnection(app, auth={"token": expired}).refused_with() == "token_expired"


def test_logged_out_token_is_token_revoked(app, client, make_user, auth):
    token = auth.token(make_user())
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    assert ChatConnection(app, auth={"token": token}).refused_with() == "token_revoked"


def test_token_from_before_log_out_everywhere_is_token_revoked(app, client, make_user, auth):
    user_id = make_user()
    old, current = auth.token(user_id), auth.token(user_id)
    response = client.post("/api/v1/auth/logout", json={"everywhere": True}, headers=bearer(current))
    assert response.status_code == 204
    assert ChatConnection(app, auth={"token": old}).refused_with() == "token_revoked"


def test_revoked_cookie_is_token_revoked(app, client, make_user, auth):
    token = auth.token(make_user())
    csrf = auth.set_cookies(client, token)
    client.post("/api/v1/auth/logout", headers=bearer(token))
    connection = ChatConnection(app, auth={"csrf": csrf}, flask_test_client=client)
    assert connection.refused_with() == "token_revoked"


@pytest.mark.parametrize("auth_payload", [None, {}, {"csrf": "wrong"}, {"csrf": ""}, {"csrf": 5}])
def test_cookie_without_the_right_csrf_value_is_csrf_failed(app, client, make_user, auth, auth_payload):
    auth.set_cookies(client, auth.token(make_user()))
    connection = ChatConnection(app, auth=auth_payload, flask_test_client=client)
    assert connection.refused_with() == "csrf_failed"


def test_deactivated_user_is_inactive(app, make_user, auth):
    token = auth.token(make_user(active=False))
    assert ChatConnection(app, auth={"token": token}).refused_with() == "inactive"


def test_deactivated_user_with_a_cookie_is_inactive(app, client, make_user, auth):
    csrf = auth.set_cookies(client, auth.token(make_user(active=False)))
    connection = ChatConnection(app, auth={"csrf": csrf}, flask_test_client=client)
    assert connection.refused_with() == "inactive"


def test_token_in_auth_wins_over_a_cookie(app, client, make_user, auth):
    """An API client's token is judged alone: no CSRF value is needed beside it."""
    auth.set_cookies(client, auth.token(make_user()))
    connection = ChatConnection(app, auth={"token": "garbage"}, flask_test_client=client)
    assert connection.refused_with() == "token_invalid"


# --- the Origin check in the HTTP handshake -------------------------------------------------

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


def handshake(client, origin: str | None, **headers):
    if origin is not None:
        headers["Origin"] = origin
    return client.get(HANDSHAKE, headers=headers)


def test_foreign_origin_is_refused_at_the_handshake(client):
    response = handshake(client, "http://evil.example")
    assert response.status_code == 400
    assert "Access-Control-Allow-Origin" not in response.headers


def test_same_origin_and_no_origin_pass_the_handshake(client):
    same = handshake(client, "http://localhost")  # the test client's Host is localhost
    assert same.status_code == 200 and same.data.startswith(b"0{")
    assert same.headers["Access-Control-Allow-Origin"] == "http://localhost"
    assert handshake(client, None).status_code == 200


@pytest.mark.parametrize(
    "origin", ["https://localhost", "http://localhost:5000", "null", "http://localhost.evil.example"]
)
def test_origins_that_merely_look_alike_are_refused(client, origin):
    assert handshake(client, origin).status_code == 400


def test_configured_origins_are_accepted_besides_the_own_one(db_url, tmp_path):
    from campus import create_app

    app = create_app(config_for(db_url, tmp_path, SOCKETIO_ALLOWED_ORIGINS=["https://app.example.edu"]))
    client = app.test_client()
    assert handshake(client, "https://app.example.edu").status_code == 200
    assert handshake(client, "http://localhost").status_code == 200
    assert handshake(client, "http://evil.example").status_code == 400


def test_forwarded_headers_from_a_client_do_not_make_its_origin_ours(client):
    """Only trusted proxies (`wsgi.py --proxies`, tested in tests/server) may say the public
    origin; a client's own X-Forwarded-* headers change nothing."""
    response = handshake(
        client, "https://campus.example.edu", **{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "campus.example.edu"}
    )
    assert response.status_code == 400


def test_a_wildcard_allow_list_is_refused_at_start_up():
    with pytest.raises(RuntimeError, match="refused"):
        origin_check(["https://app.example.edu", "*"])


def test_sockets_over_the_users_cap_are_refused_with_too_many_connections(app, make_user, auth):
    from campus.chat.connections import connections

    user_id = make_user()
    # The count is per process, and this module's other tests leave sockets of the same user id
    # (each test's database starts again at 1) on apps that are gone: start from what is there.
    app.config.update(SOCKETIO_MAX_PER_USER=connections.count_of(user_id) + 2)
    first, second = (ChatConnection(app, auth={"token": auth.token(user_id)}) for _ in range(2))
    assert first.connected and second.connected
    assert ChatConnection(app, auth={"token": auth.token(user_id)}).refused_with() == "too_many_connections"
    first.client.disconnect(namespace=NAMESPACE)
    again = ChatConnection(app, auth={"token": auth.token(user_id)})
    assert again.connected
    for connection in (second, again):
        connection.client.disconnect(namespace=NAMESPACE)
