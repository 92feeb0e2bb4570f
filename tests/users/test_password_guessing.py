"""Password guessing: one per-address limit on failed sign-ins shared by every login form, a
per-account back-off that leaves the owner's own devices alone, and the same on the current
password check."""

from __future__ import annotations

import pytest

from tests.support.accounts import PASSWORD
from tests.support.pages import form_csrf


def address(n: int) -> dict:
    return {"environ_base": {"REMOTE_ADDR": f"203.0.113.{n}"}}


def api_sign_in(client, email: str, password: str, n: int = 1):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password}, **address(n))


def page_sign_in(client, email: str, password: str, n: int = 1):
    token = form_csrf(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token}, **address(n))


@pytest.fixture
def limits(app):
    def set_limits(per_address: str = "1000 per minute", per_account: str = "1000 per minute") -> None:
        app.config.update(LOGIN_RATE_LIMIT=per_address, LOGIN_ACCOUNT_LIMIT=per_account)

    return set_limits


def test_the_login_page_and_the_token_endpoint_share_one_limit_per_address(app, limits, make_user):
    limits(per_address="4 per minute")
    make_user(email="bob@example.test")
    client = app.test_client()
    assert page_sign_in(client, "bob@example.test", "wrong 1").status_code == 200
    assert page_sign_in(client, "ann@example.test", "wrong 2").status_code == 200
    assert api_sign_in(client, "bob@example.test", "wrong 3").status_code == 401
    assert api_sign_in(client, "cid@example.test", "wrong 4").status_code == 401
    assert api_sign_in(client, "bob@example.test", PASSWORD).status_code == 429
    assert page_sign_in(client, "bob@example.test", PASSWORD).status_code == 429
    assert api_sign_in(client, "bob@example.test", PASSWORD, n=2).status_code == 200  # another address


def test_successful_sign_ins_do_not_use_up_the_address_limit(app, limits, make_user):
    """A lecture hall behind one NAT address: a hundred students sign in within the minute."""
    limits(per_address="2 per minute")
    client = app.test_client()
    emails = [f"student{n}@example.test" for n in range(6)]
    for email in emails:
        make_user(email=email)
    assert [api_sign_in(client, email, PASSWORD).status_code for email in emails] == [200] * 6
    signed_in = [page_sign_in(app.test_client(), email, PASSWORD).status_code for email in emails[:3]]
    assert signed_in == [302] * 3


@pytest.mark.parametrize("email", ["bob@example.test", "nobody@example.test"])
def test_guesses_from_many_addresses_at_one_account_are_slowed_down(app, limits, make_user, email):
    limits(per_account="3 per hour")
    make_user(email="bob@example.test")
    client = app.test_client()
    assert [api_sign_in(client, email, "wrong", n=n).status_code for n in range(1, 4)] == [401] * 3
    refused = api_sign_in(client, email, PASSWORD, n=9)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "login_throttled"
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    page = page_sign_in(client, email, PASSWORD, n=10)
    assert page.status_code == 429 and "Too many failed sign-ins for this account" in page.get_data(as_text=True)


def test_the_owner_signs_in_from_their_own_device_while_the_account_is_under_attack(app, limits, make_user):
    limits(per_account="3 per hour")
    make_user(email="bob@example.test")
    owner, attacker = app.test_client(), app.test_client()
    assert api_sign_in(owner, "bob@example.test", PASSWORD, n=1).status_code == 200  # the device cookie
    for n in range(2, 6):
        api_sign_in(attacker, "bob@example.test", "guess", n=n)
    assert api_sign_in(attacker, "bob@example.test", PASSWORD, n=6).status_code == 429
    assert api_sign_in(owner, "bob@example.test", PASSWORD, n=1).status_code == 200
    assert page_sign_in(owner, "bob@example.test", PASSWORD, n=1).status_code == 302


def test_a_device_cookie_of_another_account_does_not_help_an_attacker(app, limits, make_user):
    limits(per_account="2 per hour")
    make_user(email="bob@example.test")
    make_user(email="eve@example.test")
    attacker = app.test_client()
    assert api_sign_in(attacker, "eve@example.test", PASSWORD).status_code == 200  # eve's own cookie
    assert [api_sign_in(attacker, "bob@example.test", "guess").status_code for _ in range(3)] == [401, 401, 429]
    attacker.set_cookie("campus_device", "forged")
    assert api_sign_in(attacker, "bob@example.test", "guess").status_code == 429


def test_wrong_current_passwords_are_limited_too(app, client, make_user, auth):
    app.config["PASSWORD_CHECK_LIMIT"] = "3 per 15 minutes"
    user_id = make_user(email="bob@example.test")
    headers = auth.headers(user_id)

    def change(current: str):
        body = {"current_password": current, "new_password": "a new password 9"}
        return client.post("/api/v1/users/me/password", json=body, headers=headers)

    assert [change("guess").status_code for _ in range(3)] == [422] * 3
    refused = change(PASSWORD)
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "password_check_throttled"
    assert int(refused.headers["Retry-After"]) > 0
