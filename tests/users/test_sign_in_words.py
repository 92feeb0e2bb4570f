"""What the sign-in page says to a deactivated account, and which language wins at sign-in
(issue 11's page bugs)."""

from __future__ import annotations

from html import unescape

from campus.extensions import db
from campus.users.models import User
from tests.support.pages import post_form, sign_in


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_a_deactivated_account_is_told_so_after_the_right_password_only(app, client, make_user):
    user_id = make_user(email="bob@example.test")
    with app.app_context():
        db.session.get(User, user_id).is_active = False
        db.session.commit()

    right = text_of(sign_in(client, "bob@example.test"))
    wrong = text_of(sign_in(client, "bob@example.test", password="not the password"))

    assert "This account is deactivated." in right and "Wrong email or password." not in right
    assert "Wrong email or password." in wrong and "deactivated" not in wrong
    assert client.get_cookie("access_token_cookie") is None


def test_the_language_chosen_on_the_sign_in_page_beats_the_accounts_saved_one(app, client, make_user):
    user_id = make_user(email="bob@example.test", language="en")
    post_form(client, "/language", {"language": "ru", "next": "/login"}, token_from="/login")

    response = sign_in(client, "bob@example.test")

    assert response.status_code == 302
    assert client.get_cookie("lang").value == "ru"
    with app.app_context():
        assert db.session.get(User, user_id).language == "ru"
    assert "Ваш профиль" in text_of(client.get("/profile"))


def test_without_a_choice_on_the_sign_in_page_the_saved_language_applies(app, client, make_user):
    make_user(email="bob@example.test", language="ru")
    sign_in(client, "bob@example.test", headers={"Accept-Language": "en"})
    assert client.get_cookie("lang").value == "ru"
    assert "Ваш профиль" in text_of(client.get("/profile", headers={"Accept-Language": "en"}))
