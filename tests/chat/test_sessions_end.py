"""Revoked credentials end their sockets at once (campus.users.signals.sessions_ended).

A plain logout disconnects the sockets opened with the revoked token — for the page, its access
cookie or the refresh cookie its access tokens are renewed from; logging out everywhere, changing
or resetting the password and deactivation disconnect every socket of the user. Other sockets,
the user's other devices included, keep hearing their chats.
"""

from __future__ import annotations

import pytest

from campus.extensions import db
from tests.support.accounts import bearer
from tests.support.sockets import NAMESPACE, Socket


@pytest.fixture
def pair(app, make_user, connect, chats):
    """ann and bob in a private chat; ann on two devices (two token pairs), each with a socket."""
    ann, bob = make_user(), make_user()
    chat_id = chats.private(ann, bob)
    return ann, bob, chat_id


def hears(sock: Socket, bob_socket: Socket, chat_id: int, body: str) -> bool:
    """bob sends `body`; did `sock` receive it? (A disconnected socket receives nothing at all.)"""
    ack = bob_socket.ack("send_message", {"chat_id": chat_id, "client_id": body, "body": body})
    assert ack["ok"], ack
    return body in [m["body"] for m in sock.events("message")]


def test_plain_logout_ends_only_the_sockets_opened_with_that_token(app, client, auth, pair):
    ann, bob, chat_id = pair
    phone, laptop = auth.tokens(ann), auth.tokens(ann)
    phone_socket, laptop_socket = Socket(app, phone["access_token"]), Socket(app, laptop["access_token"])
    bob_socket = Socket(app, auth.token(bob))

    assert client.post("/api/v1/auth/logout", headers=bearer(phone["access_token"])).status_code == 204

    assert not phone_socket.client.is_connected(NAMESPACE)
    assert laptop_socket.client.is_connected(NAMESPACE)
    assert hears(laptop_socket, bob_socket, chat_id, "still here")
    # The revoked token can't open a new one either.
    with pytest.raises(AssertionError):
        Socket(app, phone["access_token"])
    laptop_socket.disconnect()
    bob_socket.disconnect()


@pytest.mark.parametrize("how", ["logout_everywhere", "password_change", "password_reset", "deactivation"])
def test_every_socket_of_the_user_ends(app, client, auth, make_user, pair, how):
    ann, bob, chat_id = pair
    sockets = [Socket(app, auth.token(ann)) for _ in range(2)]
    bob_socket = Socket(app, auth.token(bob))
    if how == "logout_everywhere":
        response = client.post("/api/v1/auth/logout", json={"everywhere": True}, headers=auth.headers(ann))
        assert response.status_code == 204
    elif how == "password_change":
        response = client.post(
            "/api/v1/users/me/password",
            headers=auth.headers(ann),
            json={"current_password": "correct horse 1", "new_password": "another horse 22"},
        )
        assert response.status_code == 200
    elif how == "password_reset":
        from campus.users import services
        from campus.users.models import User

        with app.test_request_context():
            services.reset_password(services.make_reset_token(db.session.get(User, ann)), "another horse 22")
    else:
        from campus.users import services
        from campus.users.models import User

        admin = make_user("admin")
        with app.app_context():
            services.set_active(db.session.get(User, admin), db.session.get(User, ann), False)

    assert not any(sock.client.is_connected(NAMESPACE) for sock in sockets)
    assert bob_socket.client.is_connected(NAMESPACE)
    assert hears(bob_socket, bob_socket, chat_id, f"after {how}")  # the chat goes on without ann
    bob_socket.disconnect()


def test_page_logout_ends_a_socket_opened_with_an_earlier_access_token_of_that_browser(app, client, auth, pair):
    """The page renews its access cookie from the refresh cookie; a socket opened with an older
    access token of the same browser session ends when the logout revokes the refresh token."""
    ann, _bob, _chat_id = pair
    tokens = auth.tokens(ann)
    csrf = auth.set_cookies(client, tokens["access_token"], tokens["refresh_token"])
    from campus.extensions import socketio

    page_socket = socketio.test_client(app, namespace=NAMESPACE, auth={"csrf": csrf}, flask_test_client=client)
    assert page_socket.is_connected(NAMESPACE)
    other_device = Socket(app, auth.token(ann))

    # What the page's logout revokes besides its current access cookie: the refresh token.
    response = client.post("/api/v1/auth/logout", headers=bearer(tokens["refresh_token"]))
    assert response.status_code == 204

    assert not page_socket.is_connected(NAMESPACE)
    assert other_device.client.is_connected(NAMESPACE)
    other_device.disconnect()


def test_a_revocation_that_overlaps_a_connect_is_checked_before_it_completes(app, auth, pair, monkeypatch):
    """A logout applied on this worker while a socket is between its authentication and joining
    the user's room (so the logout found nothing to disconnect): the connect checks its
    credentials again and is refused."""
    from campus.chat import rooms
    from campus.extensions import socketio
    from campus.users import services as users
    from campus.users.models import User

    ann, _bob, _chat_id = pair
    token = auth.token(ann)
    real_user_lock, revoked = rooms.user_lock, []

    def user_lock(room):
        if not revoked:  # the connect, authenticated, is about to join: ann logs out everywhere
            revoked.append(room)
            with app.app_context():
                users.logout(db.session.get(User, ann), {}, everywhere=True)
        return real_user_lock(room)

    monkeypatch.setattr(rooms, "user_lock", user_lock)
    late = socketio.test_client(app, namespace=NAMESPACE, auth={"token": token})
    assert revoked == [f"user:{ann}"]
    assert not late.is_connected(NAMESPACE)
