"""Registration a university can trust: an address proven by a mailed link before the account
chats or is linked to a student record (a guest until then), the university's domains only when
set, and closed registration with invitations by administrators."""

from __future__ import annotations

import re

import pytest

from campus.extensions import db
from campus.users.models import User
from tests.support.accounts import PASSWORD, bearer
from tests.support.mail import delivered
from tests.support.pages import form_csrf, post_form

ANN = {"email": "ann@univ.edu", "password": PASSWORD, "first_name": "Ann", "last_name": "Lee"}


def api_register(client, **changes):
    return client.post("/api/v1/auth/register", json={**ANN, **changes})


def link_in_mail(app, email: str, path: str) -> str:
    mails = [mail for mail in delivered(app) if mail.to == [email]]
    assert mails, f"no mail to {email}"
    return re.search(rf"http://campus\.test({path}\S+)", mails[-1].body).group(1)


def account(app, email: str) -> User:
    with app.app_context():
        user = db.session.query(User).filter_by(email=email).one()
        db.session.expunge(user)
        return user


def signed_in_token(client, email: str) -> str:
    return client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD}).get_json()["access_token"]


def test_a_new_account_is_a_guest_that_may_not_chat_until_it_opens_the_mailed_link(app, client, make_user):
    friend = make_user()
    assert api_register(client).status_code == 201
    token = signed_in_token(client, "ann@univ.edu")
    start_chat = {"type": "private", "user_id": friend}
    refused = client.post("/api/v1/chats", json=start_chat, headers=bearer(token))
    assert refused.status_code == 403
    assert account(app, "ann@univ.edu").role.name == "guest"

    link = link_in_mail(app, "ann@univ.edu", "/verify-email/")
    opened = client.get(link)
    assert opened.status_code == 302
    ann = account(app, "ann@univ.edu")
    assert ann.role.name == "user" and ann.email_verified
    assert client.get("/api/v1/users/me", headers=bearer(token)).get_json()["email_verified"] is True
    assert client.post("/api/v1/chats", json=start_chat, headers=bearer(token)).status_code in (200, 201)
    assert client.get(link).status_code == 302  # opening it again changes nothing


def test_a_forged_or_foreign_verification_link_is_refused(app, client):
    api_register(client)
    assert client.get("/verify-email/forged").status_code == 400
    link = link_in_mail(app, "ann@univ.edu", "/verify-email/")
    with app.app_context():  # the address changed since the link was mailed
        db.session.query(User).filter_by(email="ann@univ.edu").one().email = "ann@elsewhere.edu"
        db.session.commit()
    assert client.get(link).status_code == 400
    assert account(app, "ann@elsewhere.edu").role.name == "guest"


def test_the_registration_page_says_to_open_the_link(client):
    response = post_form(client, "/register", {**ANN, "confirm": PASSWORD, "phone": ""}, follow_redirects=True)
    assert "Open the link we mailed to ann@univ.edu" in response.get_data(as_text=True)
    profile = client.get("/profile").get_data(as_text=True)
    assert "Send the link again" in profile


def test_the_link_can_be_sent_again_a_few_times(app, client):
    app.config["EMAIL_VERIFICATION_MAIL_LIMIT"] = "2 per hour"
    api_register(client)  # the first mail
    headers = bearer(signed_in_token(client, "ann@univ.edu"))
    assert client.post("/api/v1/users/me/verification", headers=headers).status_code == 202
    refused = client.post("/api/v1/users/me/verification", headers=headers)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert len([mail for mail in delivered(app) if mail.to == ["ann@univ.edu"]]) == 2


@pytest.mark.parametrize(
    "email, allowed",
    [("ann@univ.edu", True), ("ann@dept.univ.edu", True), ("ann@gmail.com", False), ("ann@fakeuniv.edu", False)],
)
def test_only_the_universitys_domains_may_register_when_they_are_set(app, client, email, allowed):
    app.config["REGISTRATION_EMAIL_DOMAINS"] = ["univ.edu"]
    response = api_register(client, email=email)
    if allowed:
        assert response.status_code == 201
    else:
        assert response.status_code == 422
        assert response.get_json()["error"]["fields"]["email"] == ["Use your university address (@univ.edu)."]


def test_open_registration_makes_a_user_at_once_but_no_student_record_links_to_it_unverified(
    app, client, make_user, make_major, admin
):
    from tests.support.directory import student_payload

    app.config["REGISTRATION_MODE"] = "open"
    body = api_register(client).get_json()
    assert body["role"] == "user" and body["email_verified"] is False
    payload = student_payload(make_major(), user_id=body["id"])
    refused = client.post("/api/v1/students", json=payload, headers=admin)
    assert refused.status_code == 422 and "user_id" in refused.get_json()["error"]["fields"]
    client.get(link_in_mail(app, "ann@univ.edu", "/verify-email/"))
    assert client.post("/api/v1/students", json=payload, headers=admin).status_code == 201


def test_closed_registration_refuses_everyone_without_an_invitation(app, client):
    app.config["REGISTRATION_MODE"] = "closed"
    refused = api_register(client)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "registration_closed"
    page = client.get("/register")
    assert page.status_code == 403 and "by invitation only" in page.get_data(as_text=True)


def test_an_administrators_invitation_opens_closed_registration_for_that_address(app, client, admin, make_user):
    app.config["REGISTRATION_MODE"] = "closed"
    assert client.post("/api/v1/users/invitations", json={"email": "Ann@Univ.edu"}, headers=admin).status_code == 202
    link = link_in_mail(app, "ann@univ.edu", "/register\\?invitation=")
    invitation = link.split("invitation=", 1)[1]
    wrong = api_register(client, email="eve@univ.edu", invitation=invitation)
    assert wrong.status_code == 422
    created = api_register(client, invitation=invitation)
    assert created.status_code == 201
    assert created.get_json()["role"] == "user" and created.get_json()["email_verified"] is True


def test_an_invitation_through_the_registration_page(app, client, admin):
    app.config["REGISTRATION_MODE"] = "closed"
    client.post("/api/v1/users/invitations", json={"email": "ann@univ.edu"}, headers=admin)
    link = link_in_mail(app, "ann@univ.edu", "/register\\?invitation=")
    page = client.get(link)
    assert page.status_code == 200 and 'value="ann@univ.edu"' in page.get_data(as_text=True)
    invitation = link.split("invitation=", 1)[1]
    form = {**ANN, "confirm": PASSWORD, "phone": "", "invitation": invitation}
    response = client.post("/register", data={**form, "csrf_token": form_csrf(client, link)})
    assert response.status_code == 302
    assert account(app, "ann@univ.edu").role.name == "user"
    assert client.get("/register?invitation=forged").status_code == 302  # signed in now: sent home


def test_only_user_managers_invite(client, make_user, auth):
    response = client.post("/api/v1/users/invitations", json={"email": "x@univ.edu"}, headers=auth.headers(make_user()))
    assert response.status_code == 403


def test_an_administrator_invites_from_the_users_page(app, make_user, browser_for):
    app.config["REGISTRATION_MODE"] = "closed"
    make_user(email="taken@univ.edu")
    admin = browser_for(make_user("admin"))
    sent = admin.post("/admin/users/invitations", {"email": "Ann@Univ.edu"}, csrf_from="/admin/users")
    assert "An invitation is on its way to ann@univ.edu." in sent.get_data(as_text=True)
    assert link_in_mail(app, "ann@univ.edu", "/register\\?invitation=")
    taken = admin.post("/admin/users/invitations", {"email": "taken@univ.edu"}, csrf_from="/admin/users")
    assert "An account already uses this address." in taken.get_data(as_text=True)
    forged = admin.post("/admin/users/invitations", {"email": "not an address"}, csrf_from="/admin/users")
    assert "Not a valid email address." in forged.get_data(as_text=True)
    assert [mail.to for mail in delivered(app)] == [["ann@univ.edu"]]
