"""A sign-in is one session: the token pair `/auth/token` gives and every access token refreshed
from it. Logging out with any of them ends them all — and the chat sockets opened with them
(`users.signals.sessions_ended` carries the session's key) — while other sign-ins go on."""

from __future__ import annotations

from tests.support.accounts import PASSWORD, bearer
from tests.support.sockets import NAMESPACE, Socket

ME = "/api/v1/users/me"


def sign_in(client, email: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200
    return response.get_json()


def refreshed(client, refresh_token: str) -> str:
    response = client.post("/api/v1/auth/refresh", headers=bearer(refresh_token))
    assert response.status_code == 200
    return response.get_json()["access_token"]


def test_logout_with_the_refresh_token_ends_the_sockets_of_its_refreshed_access_tokens(app, client, make_user):
    make_user(email="ann@example.test")
    phone, laptop = sign_in(client, "ann@example.test"), sign_in(client, "ann@example.test")
    renewed = refreshed(client, phone["refresh_token"])
    phone_socket, laptop_socket = Socket(app, renewed), Socket(app, laptop["access_token"])

    assert client.post("/api/v1/auth/logout", headers=bearer(phone["refresh_token"])).status_code == 204

    assert not phone_socket.client.is_connected(NAMESPACE)
    assert client.get(ME, headers=bearer(renewed)).get_json()["error"]["code"] == "token_revoked"
    assert laptop_socket.client.is_connected(NAMESPACE)
    assert client.get(ME, headers=bearer(laptop["access_token"])).status_code == 200
    laptop_socket.disconnect()


def test_logout_with_an_older_access_token_ends_the_socket_of_a_newer_one(app, client, make_user):
    make_user(email="ann@example.test")
    phone = sign_in(client, "ann@example.test")
    socket = Socket(app, refreshed(client, phone["refresh_token"]))
    assert client.post("/api/v1/auth/logout", headers=bearer(phone["access_token"])).status_code == 204
    assert not socket.client.is_connected(NAMESPACE)
