"""The /api/v1/auth/* endpoints: registration, tokens, refresh, logout and every refusal."""

from __future__ import annotations

import pytest

from tests.support.accounts import bearer

REGISTER = {"email": "Ann@Example.test", "password": "long enough 1", "first_name": "Ann", "last_name": "Lee"}


def register(client, **changes):
    return client.post("/api/v1/auth/register", json={**REGISTER, **changes})


def login(client, email="ann@example.test", password="long enough 1"):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password})


def test_register_creates_a_guest_until_the_address_is_verified(client):
    response = register(client)
    assert response.status_code == 201
    body = response.get_json()
    assert body["email"] == "ann@example.test"
    assert body["role"] == "guest" and body["email_verified"] is False
    assert "password" not in body and "password_hash" not in body


def test_register_duplicate_email_is_a_conflict_whatever_the_case(client):
    assert register(client).status_code == 201
    response = register(client, email="ANN@example.TEST")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"first_name": ""}, "first_name"),
        ({"first_name": "A\x00nn"}, "first_name"),
        ({"first_name": "\ud800"}, "first_name"),
        ({"first_name": 12}, "first_name"),
        ({"phone": "12"}, "phone"),
        ({"role": "admin"}, "role"),
        ({"is_active": False}, "is_active"),
    ],
)
def test_register_rejects_bad_fields_with_422(client, changes, field):
    response = register(client, **changes)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]


def test_register_normalises_the_phone(client):
    response = register(client, phone="8 912 345 67 89")
    assert response.status_code == 201
    assert response.get_json()["phone"] == "+79123456789"


def test_token_refresh_and_me(client):
    register(client)
    pair = login(client).get_json()
    me = client.get("/api/v1/users/me", headers=bearer(pair["access_token"]))
    assert me.status_code == 200 and me.get_json()["email"] == "ann@example.test"
    refreshed = client.post("/api/v1/auth/refresh", headers=bearer(pair["refresh_token"]))
    assert refreshed.status_code == 200
    assert set(refreshed.get_json()) == {"access_token", "refresh_token"}  # the new one is optional to take up


def test_wrong_password_and_unknown_email_look_the_same(client):
    register(client)
    wrong = login(client, password="wrong password")
    unknown = login(client, email="nobody@example.test")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()


def test_refresh_token_is_not_an_access_token(client):
    register(client)
    pair = login(client).get_json()
    response = client.get("/api/v1/users/me", headers=bearer(pair["refresh_token"]))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "token_invalid"


def test_access_token_is_not_a_refresh_token(client):
    register(client)
    pair = login(client).get_json()
    response = client.post("/api/v1/auth/refresh", headers=bearer(pair["access_token"]))
    assert response.status_code == 401


def test_logout_revokes_only_the_presented_token(client):
    register(client)
    first, second = login(client).get_json(), login(client).get_json()
    headers = bearer(first["access_token"])
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    again = client.get("/api/v1/users/me", headers=headers)
    assert again.status_code == 401 and again.get_json()["error"]["code"] == "token_revoked"
    other = client.get("/api/v1/users/me", headers=bearer(second["access_token"]))
    assert other.status_code == 200


def test_logout_with_the_access_token_ends_its_refresh_token_too(client):
    register(client)
    pair, other = login(client).get_json(), login(client).get_json()
    assert client.post("/api/v1/auth/logout", headers=bearer(pair["access_token"])).status_code == 204
    refreshed = client.post("/api/v1/auth/refresh", headers=bearer(pair["refresh_token"]))
    assert refreshed.status_code == 401 and refreshed.get_json()["error"]["code"] == "token_revoked"
    # Another sign-in of the same account goes on.
    assert client.post("/api/v1/auth/refresh", headers=bearer(other["refresh_token"])).status_code == 200


def test_logout_with_the_refresh_token_ends_the_access_tokens_refreshed_from_it(client):
    register(client)
    pair, other = login(client).get_json(), login(client).get_json()
    refreshed = client.post("/api/v1/auth/refresh", headers=bearer(pair["refresh_token"])).get_json()["access_token"]
    assert client.get("/api/v1/users/me", headers=bearer(refreshed)).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=bearer(pair["refresh_token"])).status_code == 204
    for token in (pair["access_token"], refreshed):
        response = client.get("/api/v1/users/me", headers=bearer(token))
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "token_revoked"
    assert client.get("/api/v1/users/me", headers=bearer(other["access_token"])).status_code == 200


def test_logout_everywhere_revokes_every_token(client):
    register(client)
    first, second = login(client).get_json(), login(client).get_json()
    response = client.post("/api/v1/auth/logout", json={"everywhere": True}, headers=bearer(first["access_token"]))
    assert response.status_code == 204
    for token in (second["access_token"], second["refresh_token"]):
        path = "/api/v1/users/me" if token == second["access_token"] else "/api/v1/auth/refresh"
        method = client.get if path.endswith("me") else client.post
        revoked = method(path, headers=bearer(token))
        assert revoked.status_code == 401 and revoked.get_json()["error"]["code"] == "token_revoked"


@pytest.mark.parametrize("everywhere", [0, 1, "yes", "false", None])
def test_logout_everywhere_takes_only_a_json_boolean(client, everywhere):
    register(client)
    pair = login(client).get_json()
    response = client.post(
        "/api/v1/auth/logout",
        json={"everywhere": everywhere},
        headers=bearer(pair["access_token"]),
    )
    assert response.status_code == 422 and "everywhere" in response.get_json()["error"]["fields"]
    assert client.get("/api/v1/users/me", headers=bearer(pair["access_token"])).status_code == 200


def test_login_is_rate_limited(app, client):
    app.config.update(LOGIN_RATE_LIMIT="10 per minute", LOGIN_ACCOUNT_LIMIT="100 per minute")
    register(client)
    statuses = [login(client, password="wrong").status_code for _ in range(12)]
    assert statuses[-1] == 429
    assert (
        client.post("/api/v1/auth/token", json={"email": "x@y.z", "password": "p"}).get_json()["error"]["code"]
        == "rate_limited"
    )


def test_deactivated_user_cannot_log_in_or_use_old_tokens(client, make_user, auth, app):
    from campus.extensions import db
    from campus.users.models import User

    user_id = make_user(email="gone@example.test", password="long enough 1")
    headers = auth.headers(user_id)
    with app.app_context():
        db.session.get(User, user_id).is_active = False
        db.session.commit()
    response = client.get("/api/v1/users/me", headers=headers)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "inactive"
    assert login(client, email="gone@example.test").status_code == 401
