"""Browser sessions: the JWT cookies behind every page, refreshed transparently.

A page request reads the access cookie; when it has expired (or is gone) but the refresh cookie
is good, a new access token is minted and set on the response, so users stay signed in for the
refresh token's lifetime without noticing.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlparse

from flask import current_app, g, request, session
from flask_jwt_extended import set_access_cookies, set_refresh_cookies, unset_jwt_cookies

from campus.core.errors import AuthError
from campus.core.pages import set_login_view
from campus.core.security import resolve_token
from campus.users import tokens
from campus.users.models import User


def load_page_user() -> None:
    """`before_request`: put the signed-in user (or None) in `g.current_user` for pages."""
    if request.path.startswith(("/api/", "/static/", "/socket.io")):
        return
    g.current_user = None
    config = current_app.config
    access = request.cookies.get(config["JWT_ACCESS_COOKIE_NAME"])
    if access:
        try:
            g.current_user, g.token_claims = resolve_token(access, "access")
            return
        except AuthError as error:
            if error.code not in ("token_expired",):
                g.clear_auth_cookies = True
    refresh = request.cookies.get(config["JWT_REFRESH_COOKIE_NAME"])
    if refresh:
        try:
            user, refresh_claims = resolve_token(refresh, "refresh")
        except AuthError:
            g.clear_auth_cookies = True
            return
        g.current_user = user
        # The refresh cookie slides too: a browser in use stays signed in, one left idle for
        # JWT_REFRESH_IDLE_DAYS does not.
        try:
            pair = tokens.continue_session(user, refresh_claims)
        except AuthError:
            g.current_user = None
            g.clear_auth_cookies = True
            return
        g.refreshed_access, g.refreshed_refresh = pair["access_token"], pair["refresh_token"]
        from flask_jwt_extended import decode_token

        g.token_claims = decode_token(g.refreshed_access)
        g.clear_auth_cookies = False


def store_page_cookies(response):
    """`after_request`: set a refreshed access cookie, or clear cookies that no longer work."""
    if g.get("refreshed_access"):
        set_access_cookies(response, g.refreshed_access)
        if g.get("refreshed_refresh"):
            set_refresh_cookies(response, g.refreshed_refresh)
    elif g.get("clear_auth_cookies"):
        unset_jwt_cookies(response)
    return response


def sign_in(response, user: User):
    """Put a fresh token pair in the response's cookies, and start a new form CSRF secret: a
    token planted in the browser before signing in (session fixation) is worth nothing after."""
    # Flask-WTF keeps the secret in the session under its field name (and caches the signed
    # token in `g`); a new one, rather than none, keeps the page's session cookie.
    session["csrf_token"] = secrets.token_hex(20)
    g.pop("csrf_token", None)
    pair = tokens.issue_tokens(user)
    set_access_cookies(response, pair["access_token"])
    set_refresh_cookies(response, pair["refresh_token"])
    return response


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login."""
    if not target:
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def register_page_session(app) -> None:
    """Load the page user for every page, keep the cookies in step, and name the login page for
    the page guards (`campus.core.pages`)."""
    set_login_view(app, "users_views.login")
    app.before_request(load_page_user)
    app.after_request(store_page_cookies)
