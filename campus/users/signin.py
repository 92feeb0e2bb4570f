"""Slowing password guessing down without locking owners out (docs/design.md#password-guessing).

Three limits, in flask-limiter's storage (Redis shares them between workers):
- per client address, the failed sign-ins of every login form together (`LOGIN_RATE_LIMIT`, the
  edges' `login_limit` decorator, which counts a request when `failed()` marked it);
- per target account, failures from browsers and apps the account has not signed in from
  (`LOGIN_ACCOUNT_LIMIT`): the owner's own devices carry a signed device cookie, set at each
  sign-in, and count in a bucket of their own, so an attacker who exhausts the account's limit
  does not lock its owner out;
- per signed-in user, wrong current passwords (`PASSWORD_CHECK_LIMIT`).
"""

from __future__ import annotations

import secrets

from flask import current_app, g, has_request_context, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from campus.audit import services as audit
from campus.core.errors import AuthError, RateLimited
from campus.extensions import db, limiter
from campus.users import throttle
from campus.users.models import User

DEVICE_COOKIE = "campus_device"
DEVICE_COOKIE_AGE = 365 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="campus-device")


def failed() -> bool:
    """`deduct_when` of the per-address limit: only failed sign-ins count, so a lecture hall
    behind one NAT address signing in at once costs nothing."""
    return bool(g.get("login_failed"))


def login_limit():
    """The per-address limit every login form shares (one scope: `/login`, `/api/v1/auth/token`)."""
    return limiter.shared_limit(
        lambda: current_app.config["LOGIN_RATE_LIMIT"], scope="login", methods=["POST"], deduct_when=lambda _: failed()
    )


def _device_bucket(account: str) -> tuple[str, ...]:
    """The bucket of this request's failures against `account`: the device's own when it carries
    a device cookie issued for this account, else the account's shared one."""
    token = request.cookies.get(DEVICE_COOKIE) if has_request_context() else None
    if token:
        try:
            data = _serializer().loads(token, max_age=DEVICE_COOKIE_AGE)
        except BadSignature:
            data = None
        if isinstance(data, dict) and data.get("a") == account and isinstance(data.get("d"), str):
            return ("login-device", account, data["d"])
    return ("login-account", account)


def _refuse(limit: str, bucket: tuple[str, ...]) -> RateLimited:
    wait = throttle.retry_after(limit, *bucket)
    minutes = max(1, round(wait / 60))
    return RateLimited(
        _("Too many failed sign-ins for this account; try again in %(minutes)d min.", minutes=minutes),
        code="login_throttled",
        retry_after=wait,
    )


def guarded_sign_in(email: str, password: str, authenticate):
    """`authenticate(email, password)`, unless this account's limit for this device is spent
    (429 `login_throttled`, the same for accounts that exist and that do not); a failure counts."""
    limit = current_app.config["LOGIN_ACCOUNT_LIMIT"]
    bucket = _device_bucket(throttle.account_key(email))
    if not throttle.allowed(limit, *bucket):
        g.login_failed = True
        raise _refuse(limit, bucket)
    try:
        user = authenticate(email, password)
    except AuthError:
        throttle.hit(limit, *bucket)
        g.login_failed = True
        # Recorded for unknown addresses too (without the address: people type passwords into
        # the email field), so both cost the same write.
        account_id = db.session.scalar(select(User.id).where(User.email == email.strip().lower()))
        audit.record(None, "user.sign_in_failed", "user", account_id)
        db.session.commit()
        raise
    audit.record(user.id, "user.signed_in", "user", user.id)
    db.session.commit()
    return user


def guarded_password_check(user_id: int, check) -> bool:
    """`check()` (is the current password right?), unless `PASSWORD_CHECK_LIMIT` wrong answers
    for this user are spent (429 `password_check_throttled`); a wrong one counts."""
    limit = current_app.config["PASSWORD_CHECK_LIMIT"]
    bucket = ("password-check", str(user_id))
    if not throttle.allowed(limit, *bucket):
        raise RateLimited(
            _("Too many wrong passwords; try again later."),
            code="password_check_throttled",
            retry_after=throttle.retry_after(limit, *bucket),
        )
    correct = check()
    if not correct:
        throttle.hit(limit, *bucket)
    return correct


def remember_device(response, email: str):
    """After a successful sign-in: the signed device cookie that keeps this browser or app out
    of the account's shared failure bucket."""
    config = current_app.config
    token = _serializer().dumps({"a": throttle.account_key(email), "d": secrets.token_urlsafe(12)})
    response.set_cookie(
        DEVICE_COOKIE,
        token,
        max_age=DEVICE_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=config.get("JWT_COOKIE_SECURE", False),
    )
    return response
