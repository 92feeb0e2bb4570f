"""HTML pages through the test client: the CSRF token of a form, posting forms, signing in
through the login form, and `browser_for(user_id)` — a client signed in by its JWT cookies."""

from __future__ import annotations

import re

import pytest

from tests.support.accounts import PASSWORD

CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def form_csrf(client, path: str) -> str:
    """The CSRF token of the first form on `path` (the value of the client's session)."""
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, f"{path}: {response.status_code}"
    match = CSRF_INPUT.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client, path: str, data: dict, *, token_from: str | None = None, **kwargs):
    """Post a form to `path` with the CSRF token of the form on `token_from` (default `path`)."""
    return client.post(path, data={**data, "csrf_token": form_csrf(client, token_from or path)}, **kwargs)


def sign_in(client, email: str, password: str = PASSWORD, **kwargs):
    """Sign in through the login form (session and JWT cookies, as a browser gets them)."""
    return post_form(client, "/login", {"email": email, "password": password}, **kwargs)


class Browser:
    """A test client that signs in the way the login page does (the JWT cookies)."""

    def __init__(self, app, auth):
        self.app = app
        self.auth = auth
        self.client = app.test_client()

    def sign_in(self, user_id: int) -> Browser:
        self.access_token = self.auth.sign_in(self.client, user_id)["access_token"]
        return self

    def get(self, path: str, **kwargs):
        return self.client.get(path, headers={"Accept": "text/html"}, **kwargs)

    def csrf(self, path: str) -> str:
        """The CSRF token of the first form on `path`."""
        return form_csrf(self.client, path)

    def post(self, path: str, data: dict, *, csrf_from: str | None = None, follow: bool = True):
        if csrf_from:
            data = {**data, "csrf_token": self.csrf(csrf_from)}
        return self.client.post(path, data=data, headers={"Accept": "text/html"}, follow_redirects=follow)


@pytest.fixture
def browser_for(app, auth):
    """`browser_for(user_id)` → a signed-in `Browser`."""
    return lambda user_id: Browser(app, auth).sign_in(user_id)
