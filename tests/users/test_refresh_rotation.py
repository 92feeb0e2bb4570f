"""Refresh tokens: rotated on use with reuse detection (without breaking clients that keep the
old one), an idle timeout within the sign-in's absolute lifetime, and sliding page cookies."""

from __future__ import annotations

import time

import pytest
from flask_jwt_extended import decode_token

from campus.core.errors import AuthError
from campus.extensions import db
from campus.users.models import User
from campus.users.tokens import issue_tokens
from tests.support.accounts import PASSWORD, bearer

DAY = 24 * 3600


def sign_in(client, email: str = "bob@example.test") -> dict:
    return client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD}).get_json()


def refresh(client, token: str):
    return client.post("/api/v1/auth/refresh", headers=bearer(token))


def code(response) -> str:
    return response.get_json()["error"]["code"]


def test_a_replaced_refresh_token_presented_again_ends_the_whole_sign_in(client, make_user):
    make_user(email="bob@example.test")
    first = sign_in(client)
    second = refresh(client, first["refresh_token"]).get_json()
    third = refresh(client, second["refresh_token"]).get_json()  # the client took the new one up
    stolen = refresh(client, first["refresh_token"])  # the replaced one comes back
    assert stolen.status_code == 401 and code(stolen) == "token_revoked"
    assert code(refresh(client, third["refresh_token"])) == "token_revoked"
    assert code(client.get("/api/v1/users/me", headers=bearer(third["access_token"]))) == "token_revoked"
    assert refresh(client, sign_in(client)["refresh_token"]).status_code == 200  # a new sign-in works


def test_a_client_that_keeps_its_first_refresh_token_keeps_working(client, make_user):
    make_user(email="bob@example.test")
    pair = sign_in(client)
    answers = [refresh(client, pair["refresh_token"]) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200] * 3
    assert all(set(answer.get_json()) == {"access_token", "refresh_token"} for answer in answers)


def test_a_refresh_token_lives_the_idle_timeout_within_the_sign_ins_lifetime(app, make_user):
    user_id = make_user()
    with app.test_request_context():
        user = db.session.get(User, user_id)
        fresh = decode_token(issue_tokens(user)["refresh_token"])
        assert fresh["exp"] - fresh["iat"] == 7 * DAY
        near_end = int(time.time()) - 30 * DAY + 3600
        late = decode_token(issue_tokens(user, auth_time=near_end)["refresh_token"])
        assert late["exp"] == near_end + 30 * DAY
        with pytest.raises(AuthError, match="sign in again"):
            issue_tokens(user, auth_time=int(time.time()) - 30 * DAY - 1)


def test_a_browser_in_use_gets_a_new_refresh_cookie(app, client, make_user, auth):
    user_id = make_user()
    pair = auth.tokens(user_id)
    client.set_cookie(app.config["JWT_REFRESH_COOKIE_NAME"], pair["refresh_token"])
    response = client.get("/profile")
    assert response.status_code == 200
    cookies = response.headers.getlist("Set-Cookie")
    renewed = [c for c in cookies if c.startswith(app.config["JWT_REFRESH_COOKIE_NAME"] + "=")]
    assert renewed and pair["refresh_token"] not in renewed[0]
