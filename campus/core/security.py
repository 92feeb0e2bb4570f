"""Who is calling, and may they: authentication of requests and the one permission helper.

The token checks themselves live with the accounts (`campus.users.tokens`), which register a
resolver here at start-up so that `core` imports nothing above it.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Protocol

from flask import current_app, g, request
from flask_smorest import Blueprint as SmorestBlueprint

from campus.core.errors import AuthError, Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Principal(Protocol):
    id: int
    is_active: bool

    def can(self, permission: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent a request, as the token check read them: the account's id, its role's permissions
    now and its language (error messages follow it) — no ORM object (docs/design.md#hot-paths)."""

    id: int
    permissions: frozenset[str]
    language: str | None = None
    is_active: bool = True  # an inactive account never gets this far (`inactive`)

    def can(self, permission: str) -> bool:
        """Whether the caller's role grants `permission` (read for this request)."""
        return permission in self.permissions


TokenType = str | tuple[str, ...]
TokenResolver = Callable[[str, TokenType], tuple[Principal, dict[str, Any]]]
TokenChecker = Callable[[str, TokenType], tuple[Caller, dict[str, Any]]]


def set_token_resolver(app, resolver: TokenResolver, checker: TokenChecker) -> None:
    """Register the accounts' token checks: `resolver` gives the user as an ORM object, `checker`
    the `Caller` alone (one decode, one statement)."""
    app.extensions["campus_token_resolver"] = resolver
    app.extensions["campus_token_checker"] = checker


def resolve_token(token: str, token_type: TokenType = "access") -> tuple[Principal, dict[str, Any]]:
    """Check a raw JWT and return its user and claims, or raise `AuthError` with §4's code."""
    return current_app.extensions["campus_token_resolver"](token, token_type)


def check_token(token: str, token_type: TokenType = "access") -> tuple[Caller, dict[str, Any]]:
    """`resolve_token`'s checks and errors, answering a `Caller` instead of the ORM user: for
    callers that need only the id and the permissions (the hot paths)."""
    return current_app.extensions["campus_token_checker"](token, token_type)


def check_csrf(claims: dict[str, Any], presented: str | None) -> None:
    """Double-submit check for cookie-authenticated calls: the value must match the token's."""
    expected = claims.get("csrf")
    if not expected or not presented or not hmac.compare_digest(str(expected), str(presented)):
        raise Forbidden("CSRF token missing or wrong.", code="csrf_failed")


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    if header:
        raise AuthError("Authorization header must be 'Bearer <token>'.", code="token_invalid")
    return None


def authenticate_request(token_type: TokenType = "access", *, load_user: bool = True) -> Principal:
    """Authenticate by Bearer header, else by the JWT cookie (with CSRF on unsafe methods).

    `load_user=False`: `g.current_user` is a `Caller` (id, permissions, language), not the ORM
    user — for endpoints that need no more.
    """
    token = bearer_token()
    from_cookie = token is None
    if from_cookie:
        cookie_name = current_app.config[
            "JWT_ACCESS_COOKIE_NAME" if "access" in token_type else "JWT_REFRESH_COOKIE_NAME"
        ]
        token = request.cookies.get(cookie_name)
    if not token:
        raise AuthError("Sign in first.", code="token_missing")
    user, claims = (resolve_token if load_user else check_token)(token, token_type)
    if from_cookie and request.method not in SAFE_METHODS:
        check_csrf(claims, request.headers.get(current_app.config["JWT_ACCESS_CSRF_HEADER_NAME"]))
    g.current_user, g.token_claims = user, claims
    return user


def current_user() -> Principal | None:
    return g.get("current_user")


def require_permission(user: Principal | None, permission: str) -> None:
    """Raise `Forbidden` unless `user` holds `permission` now. Used by every edge."""
    if user is None or not user.can(permission):
        raise Forbidden()


def documented_auth(view, *, forbidden: bool = False):
    """Mark `view` in the OpenAPI document: Bearer token required, 401 (and 403) answers.

    For endpoints that call `authenticate_request()` themselves; the decorators below apply it.
    """
    responses = {"401": "UNAUTHORIZED", **({"403": "FORBIDDEN"} if forbidden else {})}
    return SmorestBlueprint.doc(security=[{"bearerAuth": []}], responses=responses)(view)


def login_required(view):
    """API endpoints: any authenticated, active account (guests included)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        authenticate_request()
        return view(*args, **kwargs)

    return documented_auth(wrapper)


def permission_required(permission: str, *, load_user: bool = True):
    """API endpoints: an authenticated account holding `permission`; `load_user=False` for views
    that use only `g.current_user.id` and `.can()` (a `Caller`, see `authenticate_request`)."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            require_permission(authenticate_request(load_user=load_user), permission)
            return view(*args, **kwargs)

        return documented_auth(wrapper, forbidden=True)

    return decorator
