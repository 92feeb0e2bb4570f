"""/api/v1/users/me (read, update, password change) and the user search."""

from __future__ import annotations

import pytest

from campus.extensions import db
from campus.users.models import User
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


@pytest.mark.parametrize("registered", [True, False])
def test_patch_me_does_not_tell_whether_a_phone_is_registered(client, make_user, auth, registered):
    if registered:
        make_user(phone="+79123456789")
    user_id = make_user()
    response = client.patch("/api/v1/users/me", headers=auth.headers(user_id), json={"phone": "89123456789"})
    assert response.status_code == 200 and response.get_json()["phone"] == "+79123456789"


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


def search(client, auth, user_id: int, query: str) -> list[dict]:
    response = client.get("/api/v1/users", query_string={"q": query}, headers=auth.headers(user_id))
    assert response.status_code == 200
    return response.get_json()["items"]


def test_a_user_finds_people_by_name_or_exact_email_but_never_by_part_of_an_email(client, make_user, auth):
    searcher = make_user(first_name="Sam", last_name="Searcher")
    make_user("super_admin", first_name="Root", last_name="Owner", email="rector.office@example.test")
    assert search(client, auth, searcher, "rector") == []
    assert search(client, auth, searcher, "@example.test") == []
    assert search(client, auth, searcher, "rector.office@example") == []
    assert [u["last_name"] for u in search(client, auth, searcher, " Rector.Office@Example.test ")] == ["Owner"]
    assert [u["last_name"] for u in search(client, auth, searcher, "root ow")] == ["Owner"]


def test_staff_find_people_by_part_of_an_email(client, make_user, auth):
    admin = make_user("admin", first_name="Ada", last_name="Admin")
    make_user(first_name="Pat", last_name="Lee", email="pat.lee@example.test")
    assert [u["last_name"] for u in search(client, auth, admin, "pat.lee@")] == ["Lee"]


def test_last_seen_is_shown_only_to_people_who_share_a_chat(app, client, make_user, auth):
    from datetime import UTC, datetime

    from campus.chat.chats import create_private_chat

    seen = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    searcher = make_user(first_name="Sam", last_name="Searcher")
    friend = make_user(first_name="Kim", last_name="Friend", last_seen_at=seen)
    make_user(first_name="Kim", last_name="Stranger", last_seen_at=seen)
    with app.app_context():
        create_private_chat(db.session.get(User, searcher), friend)
    found = {u["last_name"]: u["last_seen_at"] for u in search(client, auth, searcher, "kim")}
    assert found == {"Friend": "2026-12-01T09:30:00Z", "Stranger": None}
