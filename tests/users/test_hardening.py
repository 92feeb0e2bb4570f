"""Small defences: common passwords refused, the form CSRF secret renewed at sign-in, HSTS over
https, and no caching of what a signed-in user is shown."""

from __future__ import annotations

import pytest

from tests.support.accounts import PASSWORD, bearer
from tests.support.pages import CSRF_INPUT, form_csrf, post_form, sign_in

COMMON = ["password1", "Qwertyuiop", "iloveyou"]


@pytest.mark.parametrize("password", COMMON)
def test_registration_refuses_a_common_password(client, password):
    body = {"email": "ann@example.test", "password": password, "first_name": "Ann", "last_name": "Lee"}
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["password"] == [
        "This password is one of the most common ones; choose another."
    ]


def test_a_password_change_and_the_pages_refuse_a_common_password(client, make_user, auth):
    user_id = make_user(email="bob@example.test")
    body = {"current_password": PASSWORD, "new_password": "password123"}
    response = client.post("/api/v1/users/me/password", json=body, headers=auth.headers(user_id))
    assert response.status_code == 422 and "new_password" in response.get_json()["error"]["fields"]
    page = post_form(
        client,
        "/register",
        {"email": "x@example.test", "first_name": "X", "last_name": "Y", "password": "iloveyou", "confirm": "iloveyou"},
    )
    assert "This password is one of the most common ones" in page.get_data(as_text=True)


def test_the_form_csrf_secret_is_renewed_at_sign_in(client, make_user):
    make_user(email="bob@example.test")
    planted = form_csrf(client, "/login")  # what a page before signing in (or an attacker's fixation) knew
    assert sign_in(client, "bob@example.test").status_code == 302
    refused = client.post("/logout", data={"csrf_token": planted})
    assert refused.status_code == 403
    fresh = CSRF_INPUT.search(client.get("/profile").get_data(as_text=True)).group(1)
    assert fresh != planted
    assert client.post("/logout", data={"csrf_token": fresh}).status_code == 302


def test_https_responses_carry_hsts(client):
    assert client.get("/login", base_url="https://campus.test").headers["Strict-Transport-Security"] == (
        "max-age=31536000"
    )
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_authenticated_responses_are_not_stored(client, make_user, auth):
    user_id = make_user(email="bob@example.test")
    assert client.get("/api/v1/users/me", headers=bearer(auth.token(user_id))).headers["Cache-Control"] == "no-store"
    sign_in(client, "bob@example.test")
    assert client.get("/profile").headers["Cache-Control"] == "no-store"
    anonymous = client.application.test_client().get("/login")
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
