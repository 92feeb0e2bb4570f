"""Signing in to pages with the JWT cookies, and reading CSRF tokens out of forms."""

from __future__ import annotations

import re

import pytest

CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Browser:
    """A test client that signs in the way the login page does (the JWT cookies)."""

    def __init__(self, app, auth):
        self.app = app
        self.auth = auth
        self.client = app.test_client()

    def sign_in(self, user_id: int) -> Browser:
        pair = self.auth.tokens(user_id)
        self.client.set_cookie(self.app.config["JWT_ACCESS_COOKIE_NAME"], pair["access_token"])
        self.client.set_cookie(self.app.config["JWT_REFRESH_COOKIE_NAME"], pair["refresh_token"])
        self.access_token = pair["access_token"]
        return self

    def get(self, path: str, **kwargs):
        return self.client.get(path, headers={"Accept": "text/html"}, **kwargs)

    def csrf(self, path: str) -> str:
        """The CSRF token of the first form on `path`."""
        response = self.get(path)
        assert response.status_code == 200, response.status_code
        match = CSRF_INPUT.search(response.get_data(as_text=True))
        assert match, "no CSRF token on the page"
        return match.group(1)

    def post(self, path: str, data: dict, *, csrf_from: str | None = None, follow: bool = True):
        if csrf_from:
            data = {**data, "csrf_token": self.csrf(csrf_from)}
        return self.client.post(path, data=data, headers={"Accept": "text/html"}, follow_redirects=follow)


@pytest.fixture
def browser_for(app, auth):
    """`browser_for(user_id)` → a signed-in `Browser`."""
    return lambda user_id: Browser(app, auth).sign_in(user_id)
