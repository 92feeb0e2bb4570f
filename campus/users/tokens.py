"""Issuing, checking and revoking JWTs: Campus's own and the main backend's (Django SimpleJWT)."""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt as pyjwt
from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token
from flask_jwt_extended.config import config as jwt_settings
from sqlalchemy import ColumnElement, Select, bindparam, delete, exists, select
from sqlalchemy.exc import IntegrityError

from campus.core.errors import AuthError
from campus.core.models import utcnow
from campus.core.security import Caller
from campus.extensions import db
from campus.roles.models import Permission, role_permissions
from campus.users.models import RevokedToken, User

SESSION_PREFIX = "sid:"
# Verified tokens kept by their text (`_verified_claims`): a few thousand recent callers, ~1 KB each.
VERIFIED_TOKENS_KEPT = 4096


def issue_tokens(
    user: User, *, refresh: bool = True, session_id: str | None = None, auth_time: int | None = None
) -> dict[str, str]:
    """A fresh access token (and refresh token) carrying the user's current token generation.

    Tokens of one sign-in share a session id (`sid`) and the time of the sign-in (`auth_time`):
    a pair, and the tokens refreshed from it (`continue_session`). Logging out with any of them
    ends them all.
    """
    claims = {
        "gen": user.token_generation,
        "sid": session_id or uuid.uuid4().hex,
        "auth_time": auth_time or int(time.time()),
    }
    tokens = {"access_token": create_access_token(identity=str(user.id), additional_claims=claims)}
    if refresh:
        tokens["refresh_token"] = _refresh_token(user, claims["sid"], claims["auth_time"])
    return tokens


def _refresh_token(user: User, session_id: str | None, auth_time: int | None, extra: dict | None = None) -> str:
    """A refresh token living `JWT_REFRESH_IDLE_DAYS` (unused that long, the sign-in ends), never
    beyond `JWT_REFRESH_TOKEN_EXPIRES` after the sign-in."""
    now = int(time.time())
    auth_time = auth_time if isinstance(auth_time, int) else now
    config = current_app.config
    ends = auth_time + int(config["JWT_REFRESH_TOKEN_EXPIRES"].total_seconds())
    lifetime = min(ends - now, int(config["JWT_REFRESH_IDLE"].total_seconds()))
    if lifetime <= 0:
        raise AuthError("This sign-in has ended; sign in again.", code="token_expired")
    claims = {
        "gen": user.token_generation,
        "sid": session_id or uuid.uuid4().hex,
        "auth_time": auth_time,
        **(extra or {}),
    }
    return create_refresh_token(
        identity=str(user.id), additional_claims=claims, expires_delta=timedelta(seconds=lifetime)
    )


def continue_session(
    user: User, claims: dict[str, Any], *, refresh: bool = True, previous: str | None = None
) -> dict[str, str]:
    """Tokens that carry on the sign-in of a refresh token's `claims` (its `sid`, `auth_time`);
    `previous`: the `jti` of the refresh token being rotated, carried as `prev`."""
    pair = issue_tokens(user, refresh=False, session_id=claims.get("sid"), auth_time=claims.get("auth_time"))
    if refresh:
        extra = {"prev": previous} if previous else {}
        pair["refresh_token"] = _refresh_token(user, claims.get("sid"), claims.get("auth_time"), extra)
    return pair


def rotate(user: User, claims: dict[str, Any]) -> dict[str, str]:
    """A new pair for a refresh token of this sign-in (docs/design.md#refresh-token-rotation).

    The new refresh token names the one it replaces (`prev`); using it spends that one (onto the
    blocklist by its `jti` alone), so a replaced token presented again is recognised as reuse
    (`resolve_token`). A client that never takes the new token up keeps its old one working.
    """
    previous = claims.get("prev")
    if isinstance(previous, str) and db.session.get(RevokedToken, previous) is None:
        expires = utcnow() + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
        db.session.add(RevokedToken(jti=previous, user_id=user.id, expires_at=expires))
    pair = continue_session(user, claims, previous=claims["jti"])
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent rotation spent it first
        db.session.rollback()
    return pair


# The caller's account, its role's permissions (one row each; one row with NULL for a role with
# none) and whether the token's revocation keys are blocklisted, in one statement built once
# (docs/design.md#hot-paths): the token check of every request.
_users, _permissions, _revoked = User.__table__, Permission.__table__, RevokedToken.__table__


def _caller_statement(account: ColumnElement[bool]) -> Select:
    return (
        select(
            _users.c.id,
            _users.c.is_active,
            _users.c.token_generation,
            _users.c.tokens_valid_after,
            _users.c.language,
            exists().where(_revoked.c.jti == bindparam("jti")).label("token_revoked"),
            exists().where(_revoked.c.jti == bindparam("session")).label("session_revoked"),
            _permissions.c.name,
        )
        .select_from(_users)
        .outerjoin(role_permissions, role_permissions.c.role_id == _users.c.role_id)
        .outerjoin(_permissions, _permissions.c.id == role_permissions.c.permission_id)
        .where(account)
    )


_CALLER_BY_ID = _caller_statement(_users.c.id == bindparam("account"))
_CALLER_BY_EXTERNAL_ID = _caller_statement(_users.c.external_id == bindparam("account"))


@dataclass(frozen=True, slots=True)
class _Account:
    """What the token check reads of the account behind a token (`_caller_statement`)."""

    caller: Caller
    is_active: bool
    token_generation: int
    tokens_valid_after: datetime | None
    token_revoked: bool  # the token's own `jti` is blocklisted
    session_revoked: bool  # its sign-in session (`sid:<id>`) is


def _read_account(statement: Select, account: Any, claims: dict[str, Any]) -> _Account | None:
    keys = revocation_keys(claims)
    values = {"account": account, "jti": keys[0], "session": keys[1] if len(keys) > 1 else None}
    rows = db.session.connection().execute(statement, values).all()
    if not rows:
        return None
    first = rows[0]
    permissions = frozenset(row.name for row in rows if row.name is not None)
    return _Account(
        caller=Caller(first.id, permissions, first.language),
        is_active=first.is_active,
        token_generation=first.token_generation,
        tokens_valid_after=first.tokens_valid_after,
        token_revoked=bool(first.token_revoked),
        session_revoked=bool(first.session_revoked),
    )


def resolve_token(token: str, token_type: str | tuple[str, ...] = "access") -> tuple[User, dict[str, Any]]:
    """Check `token` and return (user, claims); raise `AuthError` with the token codes of docs/design.md#tokens-and-sessions.

    `token_type` is the type required ("access" or "refresh"), or a tuple of accepted types.
    `check_token`'s checks, then the user as an ORM object (pages, the account's own endpoints).
    """
    caller, claims = check_token(token, token_type)
    user = db.session.get(User, caller.id)
    if user is None:  # deleted since the check, in another transaction
        raise AuthError("Invalid token.", code="token_invalid")
    return user, claims


def check_token(token: str, token_type: str | tuple[str, ...] = "access") -> tuple[Caller, dict[str, Any]]:
    """Check `token` and return (caller, claims): `resolve_token`'s checks and errors, without
    loading an ORM object — the JWT decoded once, the account, its permissions and the
    blocklist read in one statement."""
    accepted = (token_type,) if isinstance(token_type, str) else token_type
    try:
        claims = _decode_campus_token(token)
    except (pyjwt.PyJWTError, ValueError, UnicodeError) as error:
        # Refused: say why as the checks in their order would (malformed, external, untyped,
        # expired, invalid) — only refusals decode the token a second time.
        unverified = _unverified_claims(token)
        if "type" not in unverified and "token_type" in unverified:
            return _resolve_external(token, accepted)
        if "type" not in unverified:
            raise AuthError("Token has no type.", code="token_invalid") from None
        if isinstance(error, pyjwt.ExpiredSignatureError):
            raise AuthError("Token has expired.", code="token_expired") from None
        raise AuthError("Invalid token.", code="token_invalid") from None
    if "type" not in claims and "token_type" in claims:
        return _resolve_external(token, accepted)
    if "type" not in claims:
        # flask-jwt-extended would take a token without `type` for an access token.
        raise AuthError("Token has no type.", code="token_invalid")
    if claims["type"] not in accepted:
        raise AuthError(f"An {' or '.join(accepted)} token is required.", code="token_invalid")
    try:
        account = _read_account(_CALLER_BY_ID, int(claims["sub"]), claims)
    except (KeyError, TypeError, ValueError):
        account = None
    if account is None:
        raise AuthError("Invalid token.", code="token_invalid")
    if claims.get("gen") != account.token_generation:
        raise AuthError("Token has been revoked.", code="token_revoked")
    if account.token_revoked or account.session_revoked:
        if claims["type"] == "refresh" and account.token_revoked and not account.session_revoked:
            _end_reused_session(account.caller.id, claims)
        raise AuthError("Token has been revoked.", code="token_revoked")
    _require_active(account)
    return account.caller, claims


def _decode_campus_token(token: str) -> dict[str, Any]:
    """The claims of a Campus token, verified with flask-jwt-extended's settings (key, algorithms,
    audience, issuer, leeway) and its checks after them (the identity claim; `jti` and `fresh`
    defaulted): a fresh dict the caller may change.

    A token is decoded once: its verified claims are kept (`_verified_claims`), so the next
    request presenting the same text re-checks only its expiry — the one check time can undo.
    Revocation is not a property of the text: it is read from the database every time.
    """
    audience = jwt_settings.decode_audience
    leeway = jwt_settings.leeway
    claims = _verified_claims(
        token,
        jwt_settings.decode_key,
        tuple(jwt_settings.decode_algorithms),
        tuple(audience) if isinstance(audience, list) else audience,
        jwt_settings.decode_issuer,
        leeway,
        jwt_settings.verify_sub,
        jwt_settings.identity_claim_key,
    )
    expires = claims.get("exp")  # PyJWT has checked that it is an integer
    if expires is not None and int(expires) <= time.time() - (
        leeway.total_seconds() if isinstance(leeway, timedelta) else leeway
    ):
        raise pyjwt.ExpiredSignatureError("Signature has expired")
    return dict(claims)


@lru_cache(maxsize=VERIFIED_TOKENS_KEPT)
def _verified_claims(
    token: str,
    key: Any,
    algorithms: tuple[str, ...],
    audience: Any,
    issuer: Any,
    leeway: Any,
    verify_sub: bool,
    identity_claim: str,
) -> dict[str, Any]:
    """One verifying decode (PyJWT: signature, `exp`, `nbf`, `iat`, audience, issuer); refusals
    raise and are not kept. Never change the answer: it is shared (copy it)."""
    claims = pyjwt.decode(
        token,
        key,
        algorithms=list(algorithms),
        audience=audience,
        issuer=issuer,
        leeway=leeway,
        options={"verify_aud": audience is not None, "verify_sub": verify_sub},
    )
    if identity_claim not in claims:
        raise pyjwt.InvalidTokenError("Missing claim: " + identity_claim)
    claims.setdefault("fresh", False)
    claims.setdefault("jti", None)
    return claims


def _unverified_claims(token: str) -> dict[str, Any]:
    try:
        return pyjwt.decode(token, options={"verify_signature": False})
    except (pyjwt.PyJWTError, UnicodeError):
        # UnicodeError: a lone surrogate (JSON's "\ud800") cannot be encoded to check it.
        raise AuthError("Malformed token.", code="token_invalid") from None


def _resolve_external(token: str, accepted: tuple[str, ...]) -> tuple[Caller, dict[str, Any]]:
    """A main-backend token maps to the local user whose `external_id` is its `user_id`."""
    config = current_app.config
    algorithm = config["EXTERNAL_JWT_ALGORITHM"]
    key = (
        config["EXTERNAL_JWT_PUBLIC_KEY"] if algorithm.startswith(("RS", "ES", "PS")) else config["EXTERNAL_JWT_SECRET"]
    )
    if not key:
        raise AuthError("External tokens are not accepted here.", code="token_invalid")
    try:
        claims = pyjwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=config["EXTERNAL_JWT_AUDIENCE"],
            issuer=config["EXTERNAL_JWT_ISSUER"],
            leeway=config["EXTERNAL_JWT_LEEWAY"],
            options={"require": ["exp", "user_id", "token_type"]},
        )
    except pyjwt.ExpiredSignatureError:
        raise AuthError("Token has expired.", code="token_expired") from None
    except pyjwt.PyJWTError:
        raise AuthError("Invalid token.", code="token_invalid") from None
    # Only the main backend's access tokens count here; its refresh tokens are for the main
    # backend alone (they must not buy Campus tokens at /auth/refresh either).
    if claims.get("token_type") != "access" or "access" not in accepted:
        raise AuthError("An access token from the main backend is required.", code="token_invalid")
    claims["jti"] = _external_jti(token, claims)
    claims.pop("sid", None)  # sessions are Campus's own; the main backend's tokens end one by one
    account = _read_account(_CALLER_BY_EXTERNAL_ID, str(claims["user_id"]), claims)
    if account is None:
        raise AuthError("Unknown user.", code="token_invalid")
    if account.token_revoked or _issued_before_revocation(account.tokens_valid_after, claims):
        raise AuthError("Token has been revoked.", code="token_revoked")
    _require_active(account)
    return account.caller, claims


def _external_jti(token: str, claims: dict[str, Any]) -> str:
    """The blocklist key of a main-backend token: its `jti` when it is a short string (SimpleJWT's
    default), else a digest of the token itself, so every such token can be logged out."""
    jti = claims.get("jti")
    if isinstance(jti, str) and 0 < len(jti) <= 64:
        return jti
    return hashlib.sha256(token.encode()).hexdigest()


def _require_active(account: _Account) -> None:
    if not account.is_active:
        raise AuthError("This account is deactivated.", code="inactive")


def revocation_keys(claims: dict[str, Any]) -> list[str]:
    """The blocklist keys that end a token: its `jti`, and `sid:<id>` for its sign-in session.

    Whatever remembers what a token opened (the chat's sockets) matches on these keys.
    """
    session_id = claims.get("sid")
    return [claims["jti"], SESSION_PREFIX + session_id] if isinstance(session_id, str) else [claims["jti"]]


def _end_reused_session(user_id: int, claims: dict[str, Any]) -> None:
    """A rotated refresh token came back: two holders have it, one of them a thief. End the whole
    sign-in — the new pair included — so whoever really owns it signs in again."""
    from campus.users.signals import announce_sessions_ended

    if not isinstance(claims.get("sid"), str):
        return
    key = SESSION_PREFIX + claims["sid"]
    if db.session.get(RevokedToken, key) is None:
        expires = utcnow() + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
        db.session.add(RevokedToken(jti=key, user_id=user_id, expires_at=expires))
        try:
            db.session.commit()
        except IntegrityError:  # a concurrent reuse ended it first
            db.session.rollback()
            return
        announce_sessions_ended(user_id, [key])


def revoke_token(user: User, claims: dict[str, Any]) -> list[str]:
    """Put the token, and the sign-in session it belongs to, on the persisted blocklist until
    they would have expired anyway: logging out with the access token ends its refresh token
    too, and the other way round. Returns the keys blocked (`revocation_keys`)."""
    keys = revocation_keys(claims)
    db.session.execute(delete(RevokedToken).where(RevokedToken.expires_at < utcnow()))
    # The session's refresh token was issued before now, so it expires before this.
    session_expiry = utcnow() + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    with db.session.no_autoflush:  # the rows go in at the caller's commit
        for key in keys:
            if db.session.get(RevokedToken, key) is None:
                expires_at = datetime.fromtimestamp(claims["exp"], UTC) if key == claims["jti"] else session_expiry
                db.session.add(RevokedToken(jti=key, user_id=user.id, expires_at=expires_at))
    return keys


def revoke_all_tokens(user: User) -> None:
    """Every token issued so far stops working (log out everywhere, password change): Campus's
    by their generation, the main backend's by their `iat`."""
    user.token_generation += 1
    user.tokens_valid_after = utcnow()


def _issued_before_revocation(tokens_valid_after: datetime | None, claims: dict[str, Any]) -> bool:
    """A main-backend token issued (`iat`, whole seconds) no later than the user's last "log out
    everywhere" or password change; one without `iat` once there has been one. The second of the
    change itself counts as before: refusing a token minted right after is the safe side."""
    if tokens_valid_after is None:
        return False
    issued_at = claims.get("iat")
    if not isinstance(issued_at, (int, float)) or isinstance(issued_at, bool):
        return True
    return issued_at <= tokens_valid_after.timestamp()
