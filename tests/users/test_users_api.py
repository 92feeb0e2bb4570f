"""/api/v1/users/me (read, update, password change) and the user search."""

from __future__ import annotations

import pytest

from tests.support.accounts import bearer


def test_me_never_shows_the_password_hash(client, make_user, auth):
    user_id = make_user(email="me@example.test")
    body = client.get("/api/v1/users/me", headers=auth.headers(user_id)).get_json()
    assert body["email"] == "me@example.test"
    assert not any("password" in key for key in body)


def test_patch_me_updates_profile_fields(client, make_user, auth):
    user_id = make_user()
    response = client.patch(
        "/api/v1/users/me",
        headers=auth.headers(user_id),
        json={"first_name": "Анна", "phone": "+7 (912) 345-67-89", "language": "ru"},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["first_name"], body["phone"], body["language"]) == ("Анна", "+79123456789", "ru")


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"role": "admin"}, "role"),
        ({"email": "new@example.test"}, "email"),
        ({"language": "de"}, "language"),
        ({"phone": "not a phone"}, "phone"),
        ({"first_name": ""}, "first_name"),
    ],
)
def test_patch_me_rejects_fields_users_may_not_set(client, make_user, auth, changes, field):
    user_id = make_user()
    response = client.patch("/api/v1/users/me", headers=auth.headers(user_id), json=changes)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert client.get("/api/v1/users/me", headers=auth.headers(user_id)).get_json()["role"] == "user"


def test_patch_me_phone_taken_by_someone_else_is_a_conflict(client, make_user, auth):
    make_user(phone="+79123456789")
    user_id = make_user()
    response = client.patch("/api/v1/users/me", headers=auth.headers(user_id), json={"phone": "89123456789"})
    assert response.status_code == 409


def test_password_change_needs_the_current_password(client, make_user, auth):
    user_id = make_user(password="old password 1")
    response = client.post(
        "/api/v1/users/me/password",
        headers=auth.headers(user_id),
        json={"current_password": "wrong", "new_password": "new password 1"},
    )
    assert response.status_code == 422
    assert "current_password" in response.get_json()["error"]["fields"]


def test_password_change_revokes_other_tokens_and_returns_fresh_ones(client, make_user, auth):
    user_id = make_user(email="pw@example.test", password="old password 1")
    other_session = auth.headers(user_id)
    response = client.post(
        "/api/v1/users/me/password",
        headers=auth.headers(user_id),
        json={"current_password": "old password 1", "new_password": "new password 1"},
    )
    assert response.status_code == 200
    fresh = response.get_json()["access_token"]
    revoked = client.get("/api/v1/users/me", headers=other_session)
    assert revoked.status_code == 401 and revoked.get_json()["error"]["code"] == "token_revoked"
    assert client.get("/api/v1/users/me", headers=bearer(fresh)).status_code == 200
    login = client.post("/api/v1/auth/token", json={"email": "pw@example.test", "password": "new password 1"})
    assert login.status_code == 200


def test_user_search_is_case_insensitive_in_russian_and_public_only(client, make_user, auth):
    searcher = make_user()
    make_user(first_name="Иван", last_name="Петров", email="ivan@example.test")
    make_user(first_name="Ирина", last_name="Сидорова", email="irina@example.test")
    make_user(first_name="Иван", last_name="Гость", role="guest", active=False)
    response = client.get("/api/v1/users?q=ИВАН", headers=auth.headers(searcher))
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [item["last_name"] for item in items] == ["Петров"]
    assert set(items[0]) == {"id", "first_name", "last_name", "last_seen_at"}


@pytest.mark.parametrize(
    "query, found", [("%", []), ("_", ["O_Brien"]), ("o_b", ["O_Brien"]), ("a_b", []), ("a%b", [])]
)
def test_user_search_takes_like_wildcards_literally(client, make_user, auth, query, found):
    searcher = make_user(first_name="Sam", last_name="Searcher", email="searcher@example.test")
    make_user(first_name="Pat", last_name="O_Brien", email="pat@example.test")
    make_user(first_name="Olga", last_name="Bond", email="olga@example.test")
    response = client.get("/api/v1/users", query_string={"q": query}, headers=auth.headers(searcher))
    assert response.status_code == 200
    assert [item["last_name"] for item in response.get_json()["items"]] == found


def test_guest_may_not_search_users(client, make_user, auth):
    guest = make_user(role="guest")
    response = client.get("/api/v1/users?q=a", headers=auth.headers(guest))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_search_needs_a_query(client, make_user, auth):
    response = client.get("/api/v1/users", headers=auth.headers(make_user()))
    assert response.status_code == 422
