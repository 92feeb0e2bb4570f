"""Account pages through the test client: register, login, logout, profile, password reset,
language, and every refusal (wrong password, missing CSRF, not signed in, guest)."""

from __future__ import annotations

import re
from html import unescape

import pytest

from campus.extensions import db
from campus.users.models import User
from tests.support.accounts import PASSWORD, bearer
from tests.support.app import config_for
from tests.support.mail import delivered
from tests.support.pages import CSRF_INPUT, form_csrf, post_form, sign_in


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def field_errors(response, field: str) -> list[str]:
    """The errors shown next to `field` (the list the field's aria-describedby points at)."""
    html = response.get_data(as_text=True)
    match = re.search(rf'<ul class="field-errors" id="{field}-error">(.*?)</ul>', html, flags=re.S)
    return [unescape(item) for item in re.findall(r"<li>(.*?)</li>", match.group(1))] if match else []


def load_user(app, user_id: int | None = None, email: str | None = None) -> User | None:
    with app.app_context():
        if email:
            return db.session.query(User).filter_by(email=email).one_or_none()
        return db.session.get(User, user_id)


REGISTRATION = {
    "email": "Ann@Example.test",
    "first_name": "Ann",
    "last_name": "Lee",
    "phone": "",
    "password": "long enough 1",
    "confirm": "long enough 1",
}


# --- register --------------------------------------------------------------------------------


def test_register_page_has_a_label_for_every_field(client):
    html = client.get("/register").get_data(as_text=True)
    for field in ("email", "first_name", "last_name", "phone", "password", "confirm"):
        assert f'<label for="{field}">' in html
        assert f'id="{field}"' in html


def test_register_signs_in_and_redirects(app, client):
    response = post_form(client, "/register", {**REGISTRATION, "phone": "8 912 345 67 89"})
    assert response.status_code == 302 and response.location == "/"
    assert client.get_cookie("access_token_cookie") and client.get_cookie("refresh_token_cookie")
    home = client.get("/")
    assert "Ann Lee" in text_of(home)
    user = load_user(app, email="ann@example.test")
    assert user.role.name == "guest" and user.phone == "+79123456789"  # until the address is verified


@pytest.mark.parametrize(
    "changes, field, problem",
    [
        ({"confirm": "something else"}, "confirm", "The passwords do not match."),
        ({"password": "short", "confirm": "short"}, "password", "at least 8"),
        ({"email": "not-an-email"}, "email", "Not a valid email address."),
        ({"first_name": ""}, "first_name", "This field is required."),
        ({"first_name": "A\x00nn"}, "first_name", "control characters"),
        ({"last_name": "x" * 101}, "last_name", "longer than 100"),
        ({"phone": "12"}, "phone", "Not a valid phone number."),
    ],
)
def test_register_shows_field_errors_next_to_the_field(app, client, changes, field, problem):
    response = post_form(client, "/register", {**REGISTRATION, **changes})
    assert response.status_code == 200
    errors = field_errors(response, field)
    assert any(problem in error for error in errors), errors
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert load_user(app, email="ann@example.test") is None
    assert client.get_cookie("access_token_cookie") is None


def test_register_duplicate_email_is_a_field_error_a_phone_never(client, make_user):
    make_user(email="ann@example.test", phone="+79123456789")
    response = post_form(client, "/register", {**REGISTRATION, "phone": "+7 912 345-67-89"})
    assert response.status_code == 200
    assert field_errors(response, "email") == ["Already in use."]
    assert field_errors(response, "phone") == []


@pytest.mark.parametrize(
    "path, data",
    [
        ("/login", {"email": "bob\x00@example.test", "password": "x\x00"}),
        ("/forgot-password", {"email": "bob\x00@example.test"}),
        ("/register", {**REGISTRATION, "email": "a\x00@example.test", "phone": "+7912\x003456789"}),
        ("/profile", {"first_name": "B\x00", "last_name": "\x00", "phone": "\x00", "language": "\x00"}),
        ("/profile/password", {"current_password": "\x00", "password": "\x00" * 8, "confirm": "\x00" * 8}),
        ("/language", {"language": "\x00", "next": "/\x00"}),
    ],
)
def test_nul_bytes_in_any_field_are_a_form_error_never_a_500(client, make_user, path, data):
    make_user(email="bob@example.test")
    sign_in(client, "bob@example.test") if path.startswith(("/profile", "/language")) else None
    response = post_form(client, path, data, token_from="/")
    assert response.status_code in (200, 302)


def test_names_are_escaped_on_pages(client):
    post_form(client, "/register", {**REGISTRATION, "first_name": "<script>alert(1)</script>"})
    html = client.get("/profile").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- login -----------------------------------------------------------------------------------


def test_login_with_next_goes_there(client, make_user):
    make_user(email="bob@example.test")
    response = post_form(
        client, "/login?next=/profile", {"email": "Bob@Example.test ", "password": PASSWORD, "next": "/profile"}
    )
    assert response.status_code == 302 and response.location == "/profile"
    assert client.get("/profile").status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_login_never_follows_an_outside_next(client, make_user, target):
    make_user(email="bob@example.test")
    response = post_form(client, "/login", {"email": "bob@example.test", "password": PASSWORD, "next": target})
    assert response.status_code == 302 and response.location == "/"


def test_wrong_password_unknown_email_and_deactivated_account_get_one_answer(client, make_user):
    # (A deactivated account with the right password is told so: tests/users/test_sign_in_words.py.)
    make_user(email="bob@example.test")
    make_user(email="gone@example.test", active=False)
    answers = []
    for email, password in (
        ("bob@example.test", "wrong password"),
        ("nobody@example.test", PASSWORD),
        ("gone@example.test", "wrong password"),
    ):
        response = sign_in(client, email, password)
        assert response.status_code == 200
        assert client.get_cookie("access_token_cookie") is None
        html = response.get_data(as_text=True)
        answers.append(re.search(r'<div class="form-errors".*?</div>', html, flags=re.S).group(0))
    assert answers[0] == answers[1] == answers[2]
    assert "Wrong email or password." in answers[0]


def test_login_is_rate_limited(db_url, tmp_path, make_user):
    from campus import create_app

    app = create_app(config_for(db_url, tmp_path, LOGIN_RATE_LIMIT="3 per minute"))
    client = app.test_client()
    token = form_csrf(client, "/login")
    statuses = [
        client.post("/login", data={"email": "x@example.test", "password": "wrong", "csrf_token": token}).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/login").status_code == 200  # only posting is limited
    with app.app_context():
        db.engine.dispose()


def test_signed_in_user_is_sent_on_from_login_and_register(client, make_user):
    make_user(email="bob@example.test")
    sign_in(client, "bob@example.test")
    assert client.get("/login").status_code == 302
    assert client.get("/register").status_code == 302


# --- CSRF ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, data",
    [
        ("/login", {"email": "bob@example.test", "password": PASSWORD}),
        ("/register", REGISTRATION),
        ("/profile", {"first_name": "Changed", "last_name": "Name", "phone": "", "language": ""}),
        ("/logout", {}),
        ("/language", {"language": "ru"}),
    ],
)
def test_a_form_posted_without_its_csrf_token_is_refused(app, client, make_user, path, data):
    user_id = make_user(email="bob@example.test")
    if path in ("/profile", "/logout", "/language"):
        sign_in(client, "bob@example.test")
    before = client.get_cookie("access_token_cookie")
    response = client.post(path, data=data)
    assert response.status_code == 403
    assert "security token" in text_of(response)
    user = load_user(app, user_id)
    assert user.first_name == "Test" and user.language is None
    after = client.get_cookie("access_token_cookie")
    assert (after and after.value) == (before and before.value)
    assert load_user(app, email="ann@example.test") is None


def test_a_wrong_csrf_token_is_refused(client, make_user):
    make_user(email="bob@example.test")
    response = client.post("/login", data={"email": "bob@example.test", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 403
    assert client.get_cookie("access_token_cookie") is None


# --- logout ----------------------------------------------------------------------------------


def test_logout_revokes_this_browsers_tokens_and_clears_the_cookies(client, make_user):
    make_user(email="bob@example.test")
    sign_in(client, "bob@example.test")
    access = client.get_cookie("access_token_cookie").value
    refresh = client.get_cookie("refresh_token_cookie").value
    response = post_form(client, "/logout", {}, token_from="/")
    assert response.status_code == 302
    assert client.get_cookie("access_token_cookie") is None
    assert client.get_cookie("refresh_token_cookie") is None
    me = client.get("/api/v1/users/me", headers=bearer(access))
    assert me.get_json()["error"]["code"] == "token_revoked"
    again = client.post("/api/v1/auth/refresh", headers=bearer(refresh))
    assert again.get_json()["error"]["code"] == "token_revoked"
    assert "Sign in" in text_of(client.get("/"))


def test_logout_leaves_other_devices_signed_in(client, make_user, auth):
    user_id = make_user(email="bob@example.test")
    other_device = auth.headers(user_id)
    sign_in(client, "bob@example.test")
    post_form(client, "/logout", {}, token_from="/")
    assert client.get("/api/v1/users/me", headers=other_device).status_code == 200


def test_logout_everywhere_revokes_every_token(client, make_user, auth):
    user_id = make_user(email="bob@example.test")
    other_device = auth.headers(user_id)
    sign_in(client, "bob@example.test")
    response = post_form(client, "/logout-everywhere", {}, token_from="/profile")
    assert response.status_code == 302
    assert client.get_cookie("access_token_cookie") is None
    assert client.get("/api/v1/users/me", headers=other_device).get_json()["error"]["code"] == "token_revoked"


def test_logout_everywhere_needs_a_signed_in_user(client):
    response = post_form(client, "/logout-everywhere", {}, token_from="/login")
    assert response.status_code == 302 and response.location.startswith("/login")


# --- profile ---------------------------------------------------------------------------------


def test_profile_needs_a_signed_in_user(client):
    for method in (client.get, client.post):
        response = method("/profile")
        assert response.status_code in (302, 403)
    response = client.get("/profile")
    assert response.status_code == 302 and response.location == "/login?next=/profile"


def test_profile_shows_the_account_but_never_the_password_hash(app, client, make_user):
    user_id = make_user(email="bob@example.test", phone="+79123456789")
    sign_in(client, "bob@example.test")
    html = client.get("/profile").get_data(as_text=True)
    assert "bob@example.test" in html and 'value="+7 912 345-67-89"' in html
    password_hash = load_user(app, user_id).password_hash
    assert password_hash not in html and password_hash[-16:] not in html and "argon2" not in html
    assert 'type="password"' in html and PASSWORD not in html


def test_profile_edit_saves_name_phone_and_language(app, client, make_user):
    user_id = make_user(email="bob@example.test")
    sign_in(client, "bob@example.test")
    response = post_form(
        client,
        "/profile",
        {"first_name": " Robert ", "last_name": "Smith", "phone": "8 912 345 67 89", "language": "ru"},
    )
    assert response.status_code == 302 and response.location == "/profile"
    user = load_user(app, user_id)
    assert (user.first_name, user.last_name, user.phone, user.language) == ("Robert", "Smith", "+79123456789", "ru")
    page = text_of(client.get("/profile"))
    assert "Ваш профиль" in page  # the profile's language wins over the browser's
    assert "Ваш профиль" in text_of(client.get("/profile", headers={"Accept-Language": "en"}))


def test_profile_edit_shows_field_errors(client, make_user):
    make_user(email="other@example.test", phone="+79123456789")
    make_user(email="bob@example.test")
    sign_in(client, "bob@example.test")
    response = post_form(
        client, "/profile", {"first_name": "", "last_name": "Smith", "phone": "+7 912 345 67 89", "language": "de"}
    )
    assert response.status_code == 200
    assert field_errors(response, "first_name") == ["This field is required."]
    assert field_errors(response, "language") == ["Not a valid choice."]
    response = post_form(
        client, "/profile", {"first_name": "Bob", "last_name": "Smith", "phone": "+7 912 345 67 89", "language": ""}
    )
    assert response.status_code == 302  # another account's number is no business of Bob's


def test_password_change_needs_the_current_password(app, client, make_user):
    user_id = make_user(email="bob@example.test")
    sign_in(client, "bob@example.test")
    response = post_form(
        client,
        "/profile/password",
        {"current_password": "wrong one", "password": "new password 2", "confirm": "new password 2"},
        token_from="/profile",
    )
    assert response.status_code == 200
    assert field_errors(response, "current_password") == ["Wrong password."]
    assert load_user(app, user_id).token_generation == 0


def test_password_change_revokes_other_tokens_and_keeps_this_browser_signed_in(client, make_user, auth):
    user_id = make_user(email="bob@example.test")
    other_device = auth.headers(user_id)
    sign_in(client, "bob@example.test")
    response = post_form(
        client,
        "/profile/password",
        {"current_password": PASSWORD, "password": "new password 2", "confirm": "new password 2"},
        token_from="/profile",
    )
    assert response.status_code == 302 and response.location == "/profile"
    assert client.get("/api/v1/users/me", headers=other_device).get_json()["error"]["code"] == "token_revoked"
    assert client.get("/profile").status_code == 200
    assert client.get("/api/v1/users/me").status_code == 200  # this browser's new access cookie
    post_form(client, "/logout", {}, token_from="/")
    assert sign_in(client, "bob@example.test", PASSWORD).status_code == 200  # old password: refused
    assert sign_in(client, "bob@example.test", "new password 2").status_code == 302


# --- forgotten password ----------------------------------------------------------------------


def outbox(app) -> list:
    return delivered(app)


def reset_link_for(app, email: str) -> str:
    mails = [mail for mail in outbox(app) if mail.to == [email]]
    assert mails, f"no mail to {email}"
    return re.search(r"http://campus\.test(/reset-password/\S+)", mails[-1].body).group(1)


def test_the_reset_link_is_on_the_public_url_whatever_host_the_request_names(app, client, make_user):
    make_user(email="bob@example.test")
    evil = "http://evil.example"
    token = CSRF_INPUT.search(client.get("/forgot-password", base_url=evil).get_data(as_text=True)).group(1)
    client.post("/forgot-password", data={"email": "bob@example.test", "csrf_token": token}, base_url=evil)
    post_form(client, "/forgot-password", {"email": "bob@example.test"}, headers={"X-Forwarded-Host": "evil.example"})
    bodies = [mail.body for mail in outbox(app)]
    assert len(bodies) == 2
    assert all(re.findall(r"\S+/reset-password/", body) == ["http://campus.test/reset-password/"] for body in bodies)


def test_forgot_password_answers_the_same_whether_or_not_the_account_exists(app, client, make_user):
    make_user(email="bob@example.test")
    known = post_form(client, "/forgot-password", {"email": "bob@example.test"}, follow_redirects=True)
    unknown = post_form(client, "/forgot-password", {"email": "nobody@example.test"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    strip_token = lambda response: CSRF_INPUT.sub("", response.get_data(as_text=True))  # noqa: E731
    assert strip_token(known) == strip_token(unknown)
    assert [mail.to for mail in outbox(app)] == [["bob@example.test"]]


def test_password_reset_through_the_mailed_link_is_single_use(client, make_user, app):
    make_user(email="bob@example.test")
    post_form(client, "/forgot-password", {"email": "bob@example.test"})
    link = reset_link_for(app, "bob@example.test")
    assert client.get(link).status_code == 200
    mismatch = post_form(client, link, {"password": "brand new 3", "confirm": "brand new 4"})
    assert field_errors(mismatch, "confirm") == ["The passwords do not match."]
    response = post_form(client, link, {"password": "brand new 3", "confirm": "brand new 3"})
    assert response.status_code == 302 and response.location == "/login"
    assert sign_in(client, "bob@example.test", "brand new 3").status_code == 302
    spent = client.get(link)
    assert spent.status_code == 400 and "not valid any more" in text_of(spent)


def test_an_expired_reset_link_is_refused_and_changes_nothing(app, client, make_user, monkeypatch):
    import time

    from itsdangerous import TimestampSigner

    from campus.users.services import make_reset_token

    user_id = make_user(email="bob@example.test")
    before = load_user(app, user_id).password_hash
    issued_at = int(time.time()) - app.config["PASSWORD_RESET_MAX_AGE"] - 60
    with monkeypatch.context() as patch, app.test_request_context():
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: issued_at)
        link = "/reset-password/" + make_reset_token(db.session.get(User, user_id))
    response = client.get(link)
    assert response.status_code == 400 and "This link has expired." in text_of(response)
    posted = post_form(client, link, {"password": "brand new 3", "confirm": "brand new 3"}, token_from="/login")
    assert posted.status_code == 400
    assert load_user(app, user_id).password_hash == before


def test_the_reset_link_reveals_nothing_of_the_password_hash(app, client, make_user):
    from itsdangerous import URLSafeTimedSerializer

    user_id = make_user(email="bob@example.test")
    post_form(client, "/forgot-password", {"email": "bob@example.test"})
    token = reset_link_for(app, "bob@example.test").rsplit("/", 1)[1]
    payload = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="campus-password-reset").loads(token)
    password_hash = load_user(app, user_id).password_hash
    assert payload["uid"] == user_id
    # The payload is only base64 (signed, not encrypted): whoever sees the link reads it.
    assert set(payload) == {"uid", "pw"}
    assert payload["pw"] not in password_hash


def test_a_forged_reset_link_is_refused(client):
    response = client.get("/reset-password/not-a-real-token")
    assert response.status_code == 400
    assert "This link is not valid." in text_of(response)
    assert post_form(client, "/reset-password/not-a-real-token", {}, token_from="/login").status_code == 400


# --- language --------------------------------------------------------------------------------


def test_the_browser_language_is_used_for_guests_of_the_site(client):
    assert "Добро пожаловать" in text_of(client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9"}))
    assert "Welcome to Campus" in text_of(client.get("/", headers={"Accept-Language": "en-GB"}))
    assert '<html lang="ru">' in client.get("/register", headers={"Accept-Language": "ru"}).get_data(as_text=True)


def test_the_language_switch_sets_a_cookie_that_beats_the_browser(client):
    response = post_form(client, "/language", {"language": "ru", "next": "/register"}, token_from="/register")
    assert response.status_code == 302 and response.location == "/register"
    assert client.get_cookie("lang").value == "ru"
    page = text_of(client.get("/register", headers={"Accept-Language": "en"}))
    assert "Создать аккаунт" in page
    post_form(client, "/language", {"language": "en", "next": "https://evil.example/"}, token_from="/")
    assert "Create an account" in text_of(client.get("/register", headers={"Accept-Language": "ru"}))


def test_the_language_switch_updates_a_signed_in_users_profile(app, client, make_user):
    user_id = make_user(email="bob@example.test")
    sign_in(client, "bob@example.test")
    post_form(client, "/language", {"language": "ru", "next": "/profile"}, token_from="/profile")
    assert load_user(app, user_id).language == "ru"


def test_russian_pages_render_every_account_page(client, make_user):
    make_user(email="bob@example.test")
    for path, words in (("/login", "Войти"), ("/register", "Имя"), ("/forgot-password", "Забыли пароль")):
        assert words in text_of(client.get(path, headers={"Accept-Language": "ru"})), path
    sign_in(client, "bob@example.test")
    html = text_of(client.get("/profile", headers={"Accept-Language": "ru"}))
    assert "Сменить пароль" in html and "Выйти везде" in html


def test_every_russian_catalog_is_fully_translated():
    from pathlib import Path

    from babel.messages.pofile import read_po

    catalogs = sorted(Path("campus").glob("**/translations/ru/LC_MESSAGES/messages.po"))
    assert len(catalogs) >= 2
    for path in catalogs:
        with path.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(strings), f"{path}: {message.id!r} has no Russian translation"
            assert not message.fuzzy, f"{path}: {message.id!r} is fuzzy"


def test_every_string_marked_for_translation_has_a_russian_translation():
    """What pages show comes from somewhere in a catalog: a string added to a template or a
    view without a Russian translation in any catalog fails here."""
    from pathlib import Path

    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.pofile import read_po

    translated = set()
    for path in Path("campus").glob("**/translations/ru/LC_MESSAGES/messages.po"):
        with path.open("rb") as handle:
            translated |= {
                message.id if isinstance(message.id, str) else message.id[0]
                for message in read_po(handle)
                if message.id and all(message.string if isinstance(message.string, tuple) else (message.string,))
            }
    missing = []
    for filename, lineno, message, _comments, _context in extract_from_dir(
        "campus", [("**.py", "python"), ("**.html", "jinja2")], keywords={**DEFAULT_KEYWORDS, "_l": None}
    ):
        msgid = message if isinstance(message, str) else message[0]
        if msgid and msgid not in translated:
            missing.append(f"campus/{filename}:{lineno}: {msgid!r}")
    assert not missing, "no Russian translation for:\n" + "\n".join(missing)


# --- guests ----------------------------------------------------------------------------------


def test_a_guest_signs_in_and_edits_only_their_profile(app, client, make_user):
    user_id = make_user("guest", email="guest@example.test")
    assert sign_in(client, "guest@example.test").status_code == 302
    home = text_of(client.get("/"))
    assert "waiting for approval" in home
    assert client.get("/profile").status_code == 200
    response = post_form(client, "/profile", {"first_name": "Gus", "last_name": "Guest", "phone": "", "language": "en"})
    assert response.status_code == 302
    assert load_user(app, user_id).first_name == "Gus"
    # The same browser session may do nothing else, e.g. search users to start a chat.
    token = client.get_cookie("csrf_access_token").value
    assert client.get("/api/v1/users?q=a").status_code == 403
    assert (
        client.post(
            "/api/v1/users/me/password",
            json={"current_password": PASSWORD, "new_password": "x" * 8},
            headers={"X-CSRF-TOKEN": token},
        ).status_code
        == 200
    )


# --- refresh with the cookie (the chat page) ---------------------------------------------------


def test_refresh_with_the_refresh_cookie_sets_a_new_access_cookie(client, make_user):
    make_user(email="bob@example.test")
    sign_in(client, "bob@example.test")
    client.delete_cookie("access_token_cookie")
    csrf_refresh = client.get_cookie("csrf_refresh_token").value
    response = client.post("/api/v1/auth/refresh", headers={"X-CSRF-TOKEN": csrf_refresh})
    assert response.status_code == 200
    assert response.get_json() == {}  # the token goes into the HttpOnly cookie only
    cookies = response.headers.getlist("Set-Cookie")
    assert any(cookie.startswith("access_token_cookie=") and "HttpOnly" in cookie for cookie in cookies)
    assert client.get("/api/v1/users/me").get_json()["email"] == "bob@example.test"


def test_refresh_with_the_cookie_needs_the_csrf_value(client, make_user):
    make_user(email="bob@example.test")
    sign_in(client, "bob@example.test")
    for headers in ({}, {"X-CSRF-TOKEN": client.get_cookie("csrf_access_token").value}):
        response = client.post("/api/v1/auth/refresh", headers=headers)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "csrf_failed"
        assert not response.headers.getlist("Set-Cookie")


def test_refresh_without_any_token_is_401(client):
    response = client.post("/api/v1/auth/refresh")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "token_missing"


def test_the_profile_language_stays_after_signing_out(client, make_user):
    make_user(email="bob@example.test", language="ru")
    sign_in(client, "bob@example.test")
    assert client.get_cookie("lang").value == "ru"
    post_form(client, "/profile", {"first_name": "Bob", "last_name": "Smith", "phone": "", "language": "en"})
    assert client.get_cookie("lang").value == "en"
    post_form(client, "/logout", {}, token_from="/")
    assert "Create an account" in text_of(client.get("/register", headers={"Accept-Language": "ru"}))
    sign_in(client, "bob@example.test")
    post_form(client, "/profile", {"first_name": "Bob", "last_name": "Smith", "phone": "", "language": ""})
    assert client.get_cookie("lang") is None


# --- the browser session's cookies -----------------------------------------------------------


def cookie_headers(response) -> dict[str, str]:
    """Set-Cookie headers of a response by cookie name."""
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_tokens_live_in_httponly_samesite_cookies_and_only_the_csrf_values_are_readable(client, make_user):
    make_user(email="bob@example.test")
    cookies = cookie_headers(sign_in(client, "bob@example.test"))
    for name in ("access_token_cookie", "refresh_token_cookie"):
        assert "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name], cookies[name]
    for name in ("csrf_access_token", "csrf_refresh_token"):
        # The double-submit values: page scripts read them to send X-CSRF-TOKEN.
        assert "HttpOnly" not in cookies[name] and "SameSite=Lax" in cookies[name], cookies[name]


def test_a_page_refreshes_an_expired_access_cookie_transparently(app, client, make_user):
    from datetime import timedelta

    from flask_jwt_extended import create_access_token, decode_token

    user_id = make_user(email="bob@example.test")
    sign_in(client, "bob@example.test")
    with app.app_context():
        expired = create_access_token(
            identity=str(user_id), additional_claims={"gen": 0}, expires_delta=timedelta(seconds=-1)
        )
    for set_access in (
        lambda: client.set_cookie("access_token_cookie", expired),
        lambda: client.delete_cookie("access_token_cookie"),
    ):
        set_access()
        response = client.get("/profile")
        assert response.status_code == 200 and "bob@example.test" in text_of(response)
        fresh = cookie_headers(response)["access_token_cookie"]
        assert "HttpOnly" in fresh and "SameSite=Lax" in fresh
        me = client.get("/api/v1/users/me")  # the new access cookie works on its own
        assert me.status_code == 200 and me.get_json()["id"] == user_id
        with app.app_context():  # and belongs to the refresh cookie's sign-in (one logout ends both)
            claims = [
                decode_token(client.get_cookie(name).value, allow_expired=True)
                for name in ("access_token_cookie", "refresh_token_cookie")
            ]
        assert claims[0]["sid"] == claims[1]["sid"]


def test_a_page_whose_refresh_cookie_was_revoked_is_signed_out(client, make_user, auth):
    user_id = make_user(email="bob@example.test")
    sign_in(client, "bob@example.test")
    client.delete_cookie("access_token_cookie")
    other_device = auth.headers(user_id)
    assert client.post("/api/v1/auth/logout", json={"everywhere": True}, headers=other_device).status_code == 204
    response = client.get("/profile")
    assert response.status_code == 302 and response.location == "/login?next=/profile"
    assert client.get_cookie("refresh_token_cookie") is None


def test_a_deactivated_users_browser_is_signed_out_at_once(app, client, make_user):
    user_id = make_user(email="bob@example.test")
    sign_in(client, "bob@example.test")
    assert client.get("/profile").status_code == 200
    with app.app_context():
        db.session.get(User, user_id).is_active = False
        db.session.commit()
    response = client.get("/profile")
    assert response.status_code == 302 and response.location == "/login?next=/profile"
    assert client.get_cookie("access_token_cookie") is None and client.get_cookie("refresh_token_cookie") is None
    assert "Sign in" in text_of(client.get("/"))
