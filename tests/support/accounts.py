"""Accounts for tests: `make_user(...)` → id, `auth` for their tokens, headers and cookie
sign-ins, `bearer(token)` for any token's header."""

from __future__ import annotations

import itertools

import pytest
from flask_jwt_extended import decode_token

from campus.extensions import db

PASSWORD = "correct horse 1"  # every test account's password unless the test gives another


def bearer(token: str) -> dict[str, str]:
    """The `Authorization` header carrying `token`."""
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def make_user(app):
    """Create an account: `make_user(role="admin", email=..., password=...)` → its id."""
    from campus.users.services import register_user

    counter = itertools.count(1)

    def make(
        role: str = "user",
        *,
        email: str | None = None,
        password: str = PASSWORD,
        first_name: str = "Test",
        last_name: str | None = None,
        active: bool = True,
        verified: bool = True,
        **extra,
    ) -> int:
        n = next(counter)
        with app.app_context():
            user = register_user(
                email=email or f"{role}{n}@example.test",
                password=password,
                first_name=first_name,
                last_name=last_name or f"User{n}",
                role_name=role,
                verified=verified,
            )
            user.is_active = active
            for name, value in extra.items():
                setattr(user, name, value)
            db.session.commit()
            return user.id

    return make


@pytest.fixture
def make_user_in():
    """`make_user_in(app, role)` → id: an account in an app of the test's own (not `app`)."""
    from campus.users.services import register_user

    numbers = itertools.count(1)

    def make(app, role: str = "user") -> int:
        n = next(numbers)
        with app.app_context():
            user = register_user(
                email=f"{role}{n}@example.test",
                password=PASSWORD,
                first_name="Test",
                last_name=f"User{n}",
                role_name=role,
                verified=True,
            )
            db.session.commit()
            return user.id

    return make


class Auth:
    """Tokens and headers for a user id, minted the way the API would, and sign-ins by cookie."""

    def __init__(self, app):
        self.app = app

    def tokens(self, user_id: int) -> dict[str, str]:
        from campus.users.models import User
        from campus.users.tokens import issue_tokens

        with self.app.test_request_context():
            return issue_tokens(db.session.get(User, user_id))

    def token(self, user_id: int) -> str:
        return self.tokens(user_id)["access_token"]

    def headers(self, user_id: int) -> dict[str, str]:
        return bearer(self.token(user_id))

    def set_cookies(self, client, access_token: str, refresh_token: str | None = None) -> str:
        """Put the tokens in the test client's JWT cookies, where the login page puts them;
        returns the access token's CSRF value (what the page sends back beside the cookie)."""
        client.set_cookie(self.app.config["JWT_ACCESS_COOKIE_NAME"], access_token)
        if refresh_token is not None:
            client.set_cookie(self.app.config["JWT_REFRESH_COOKIE_NAME"], refresh_token)
        with self.app.app_context():
            return decode_token(access_token)["csrf"]

    def sign_in(self, client, user_id: int) -> dict[str, str]:
        """Sign the test client in as the user the way the login page does (a new token pair in
        the JWT cookies); returns the pair."""
        pair = self.tokens(user_id)
        self.set_cookies(client, pair["access_token"], pair["refresh_token"])
        return pair


@pytest.fixture
def auth(app):
    return Auth(app)


@pytest.fixture
def admin(make_user, auth):
    """The Bearer headers of a new admin."""
    return auth.headers(make_user("admin"))
