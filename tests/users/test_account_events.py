"""What an account's owner and its administrators learn: a mail to the owner on every password
change or reset, and sign-ins, failures, password changes and resets and logouts everywhere in
the audit log."""

from __future__ import annotations

import re

from sqlalchemy import select

from campus.audit.models import AuditEntry
from campus.extensions import db
from tests.support.accounts import PASSWORD
from tests.support.mail import delivered
from tests.support.pages import post_form


def audit_trail(app) -> list[tuple]:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(entry.actor_id, entry.action, entry.target_id) for entry in entries]


def test_the_owner_is_mailed_when_the_password_changes(app, client, make_user, auth):
    user_id = make_user(email="bob@example.test")
    body = {"current_password": PASSWORD, "new_password": "a fresh password 7"}
    assert client.post("/api/v1/users/me/password", json=body, headers=auth.headers(user_id)).status_code == 200
    [mail] = delivered(app)
    assert mail.to == ["bob@example.test"] and mail.subject == "Your Campus password was changed"
    assert "http://campus.test/forgot-password" in mail.body


def test_the_owner_is_mailed_when_the_password_is_reset(app, client, make_user):
    make_user(email="bob@example.test")
    post_form(client, "/forgot-password", {"email": "bob@example.test"})
    link = re.search(r"http://campus\.test(/reset-password/\S+)", delivered(app)[-1].body).group(1)
    post_form(client, link, {"password": "brand new 33", "confirm": "brand new 33"})
    assert [mail.subject for mail in delivered(app)][-1] == "Your Campus password was changed"


def test_sign_ins_failures_password_changes_resets_and_logouts_everywhere_are_audited(app, client, make_user, auth):
    user_id = make_user(email="bob@example.test")
    client.post("/api/v1/auth/token", json={"email": "bob@example.test", "password": "wrong"})
    client.post("/api/v1/auth/token", json={"email": "nobody@example.test", "password": "wrong"})
    pair = client.post("/api/v1/auth/token", json={"email": "bob@example.test", "password": PASSWORD}).get_json()
    body = {"current_password": PASSWORD, "new_password": "a fresh password 7"}
    fresh = client.post(
        "/api/v1/users/me/password", json=body, headers={"Authorization": f"Bearer {pair['access_token']}"}
    )
    token = fresh.get_json()["access_token"]
    client.post("/api/v1/auth/logout", json={"everywhere": True}, headers={"Authorization": f"Bearer {token}"})
    post_form(client, "/forgot-password", {"email": "bob@example.test"})
    link = re.search(r"http://campus\.test(/reset-password/\S+)", delivered(app)[-1].body).group(1)
    post_form(client, link, {"password": "brand new 33", "confirm": "brand new 33"})
    assert audit_trail(app) == [
        (None, "user.sign_in_failed", user_id),
        (None, "user.sign_in_failed", None),
        (user_id, "user.signed_in", user_id),
        (user_id, "user.password_changed", user_id),
        (user_id, "user.logged_out_everywhere", user_id),
        (user_id, "user.password_reset", user_id),
    ]
