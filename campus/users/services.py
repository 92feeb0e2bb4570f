"""Account services: one unit of work each, domain errors only (pages, API and sockets share them)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from campus.audit import services as audit
from campus.core.database import commit_or_conflict, contains, fold
from campus.core.errors import AuthError, Conflict, Forbidden, NotFound, ValidationError
from campus.core.models import utcnow
from campus.extensions import db
from campus.roles import services as roles
from campus.roles.models import Role
from campus.users import contacts, outbox, signin, throttle, tokens
from campus.users.models import User
from campus.users.passwords import hash_password, needs_rehash, verify_password
from campus.users.signals import announce_role_changed, announce_sessions_ended

PROFILE_FIELDS = ("first_name", "last_name", "phone", "language")


def get_user(user_id: int) -> User:
    """The user with this id (404 otherwise)."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def find_by_email(email: str) -> User | None:
    """The account with this email (any case, surrounding spaces ignored), or None."""
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def _check_unique_email(email: str) -> None:
    """The email is an account's identity: a second account with it is a 409. (Phones are not
    unique: checking would tell anyone whose number is registered.)"""
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(_("Already in use."), code="conflict", fields={"email": [_("Already in use.")]})


def register_user(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    phone: str | None = None,
    language: str | None = None,
    role_name: str = roles.USER,
    verified: bool = False,
) -> User:
    """Create an account with `role_name`; the email must be new (409 otherwise). `verified`:
    the address is known to be the owner's (an invitation, an administrator's account)."""
    email = email.strip().lower()
    _check_unique_email(email)
    user = User(
        email_verified_at=utcnow() if verified else None,
        email=email,
        password_hash=hash_password(password),
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        language=language,
        role=roles.get_role(role_name),
    )
    db.session.add(user)
    commit_or_conflict(db.session, "This email or phone is already in use.")
    return user


def authenticate(email: str, password: str) -> User:
    """The user with these credentials; one generic error whether or not the email exists."""
    user = find_by_email(email)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise AuthError(_("Wrong email or password."), code="invalid_credentials")
    if not user.is_active:
        raise AuthError(_("This account is deactivated."), code="inactive")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def update_profile(user: User, changes: dict[str, Any]) -> User:
    """Change the caller's own `PROFILE_FIELDS` (any phone: whether another account has it is
    nobody's business)."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(fields={name: ["Unknown field."] for name in sorted(unknown)})
    for name, value in changes.items():
        setattr(user, name, value)
    db.session.commit()
    return user


def change_password(user: User, current_password: str, new_password: str) -> dict[str, str]:
    """Check the current password, store the new one, revoke every other token.

    Returns fresh tokens for the caller's own session.
    """
    if not signin.guarded_password_check(user.id, lambda: verify_password(user.password_hash, current_password)):
        raise ValidationError(fields={"current_password": [_("Wrong password.")]})
    _set_password(user, new_password, "user.password_changed")
    return tokens.issue_tokens(user)


def _set_password(user: User, password: str, action: str) -> None:
    """Store a new password, end every session, audit it and mail the owner (a change they did
    not make is then noticed)."""
    user.password_hash = hash_password(password)
    tokens.revoke_all_tokens(user)
    audit.record(user.id, action, "user", user.id)
    outbox.queue("password_changed", user.email, user_id=user.id)
    db.session.commit()
    announce_sessions_ended(user.id)


def logout(user: User, claims: dict[str, Any], *, everywhere: bool = False) -> None:
    """Revoke the token and the rest of its sign-in, or with `everywhere` every token of the user."""
    user_id = user.id
    if everywhere:
        tokens.revoke_all_tokens(user)
        audit.record(user_id, "user.logged_out_everywhere", "user", user_id)
        revoked = None
        db.session.commit()
    else:
        revoked = tokens.revoke_token(user, claims)
        try:
            db.session.commit()
        except IntegrityError:
            # A concurrent logout of the same sign-in (its access and refresh token at once)
            # blocked the session's key first: the token is refused either way.
            db.session.rollback()
    announce_sessions_ended(user_id, revoked)


def search_users(viewer: User, query: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """Active users to start a chat with: by name (case-insensitive, Cyrillic too), or by their
    exact full email; staff (`users.manage`) also by part of an email. `last_seen_at` only of
    people who share a chat with the viewer (docs/design.md#user-search)."""
    needle = query.strip().casefold()
    if not needle:
        return []
    by_email = contains(fold(User.email), needle) if viewer.can("users.manage") else User.email == query.strip().lower()
    statement = (
        select(User)
        .where(User.is_active, or_(contains(fold(User.first_name + " " + User.last_name), needle), by_email))
        .order_by(User.last_name, User.first_name, User.id)
        .limit(limit)
    )
    users = list(db.session.scalars(statement))
    seen = contacts.contacts_among(viewer.id, [user.id for user in users if user.id != viewer.id]) | {viewer.id}
    return [
        {
            "id": user.id,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "last_seen_at": user.last_seen_at if user.id in seen else None,
        }
        for user in users
    ]


# --- password reset -------------------------------------------------------------------------


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="campus-password-reset")


def _password_stamp(user: User) -> str:
    """A digest of the stored hash: it changes with the password, and a link carrying it reveals
    nothing of the hash (the signed payload is only base64, not encrypted)."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_reset_token(user: User) -> str:
    """A signed, expiring password-reset token, spent once the password changes."""
    # Tied to the current hash: once the password changes the link is spent (single use).
    return _reset_serializer().dumps({"uid": user.id, "pw": _password_stamp(user)})


def request_password_reset(email: str) -> None:
    """Queue a reset mail for `email`, at most `PASSWORD_RESET_MAIL_LIMIT` per address; say nothing.

    The request does the same work whether or not an account uses the address (one queued row,
    or none once the limit is reached): the queue's composer looks the account up when sending.
    """
    email = email.strip().lower()
    if throttle.hit(current_app.config["PASSWORD_RESET_MAIL_LIMIT"], "reset-mail", throttle.account_key(email)):
        outbox.queue("password_reset", email)
        db.session.commit()


def user_from_reset_token(token: str) -> User:
    """The active user a reset link was made for; an expired, forged or spent link is a 422."""
    try:
        data = _reset_serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        raise ValidationError(_("This link has expired."), code="link_expired") from None
    except BadSignature:
        raise ValidationError(_("This link is not valid."), code="link_invalid") from None
    uid = data.get("uid") if isinstance(data, dict) else None
    user = db.session.get(User, uid) if isinstance(uid, int) else None
    if user is None or not hmac.compare_digest(_password_stamp(user), str(data.get("pw"))) or not user.is_active:
        raise ValidationError(_("This link is not valid any more."), code="link_invalid")
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set a new password from a reset link and revoke every token of the user."""
    user = user_from_reset_token(token)
    _set_password(user, new_password, "user.password_reset")
    return user


# --- administration (docs/design.md#roles-and-permissions) ------------------------------------------------------------


def _highest_assignable_rank(actor: User) -> int:
    """Admins manage up to moderator; super_admins beyond."""
    if actor.can("users.manage_admins"):
        return roles.get_role(roles.SUPER_ADMIN).rank
    if actor.can("users.manage"):
        return roles.get_role(roles.MODERATOR).rank
    raise Forbidden()


def _check_may_manage(actor: User, target: User) -> int:
    limit = _highest_assignable_rank(actor)
    if target.role.rank > limit:
        raise Forbidden(_("You may not manage this account."))
    return limit


def _super_admin_count() -> int:
    """Active super_admins, their rows locked until commit (PostgreSQL): two super_admins
    demoting each other at the same moment must not both succeed and leave none."""
    query = select(User.id).join(Role).where(Role.name == roles.SUPER_ADMIN, User.is_active).with_for_update(of=User)
    return len(db.session.scalars(query).all())


def change_role(actor: User, target: User, role_name: str) -> User:
    """Give `target` the role `role_name`; audited. Admins manage and grant up to moderator,
    super_admins every role; nobody changes their own role; the last active super_admin stays."""
    limit = _check_may_manage(actor, target)
    new_role = db.session.scalar(select(Role).where(Role.name == role_name))
    if new_role is None:
        raise ValidationError(fields={"role": [_("No such role.")]})
    if new_role.rank > limit:
        raise Forbidden(_("You may not grant this role."))
    if target.id == actor.id:
        raise Forbidden(_("You can't change your own role."))
    old = target.role.name
    if old == new_role.name:
        return target
    if old == roles.SUPER_ADMIN and target.is_active and _super_admin_count() <= 1:
        raise Conflict(_("The last super admin can't be removed."))
    target.role = new_role
    audit.record(actor.id, "user.role_changed", "user", target.id, old, new_role.name)
    db.session.commit()
    announce_role_changed(target.id, new_role.name)
    return target


def set_active(actor: User, target: User, active: bool) -> User:
    """Activate or deactivate `target` within `actor`'s limits; audited. A deactivated user's
    sessions end; nobody deactivates themselves or the last active super_admin."""
    _check_may_manage(actor, target)
    if target.id == actor.id:
        raise Forbidden(_("You can't deactivate yourself."))
    if target.is_active == active:
        return target
    if not active and target.role.name == roles.SUPER_ADMIN and _super_admin_count() <= 1:
        raise Conflict(_("The last super admin can't be removed."))
    target.is_active = active
    audit.record(actor.id, "user.activated" if active else "user.deactivated", "user", target.id, not active, active)
    db.session.commit()
    if not active:
        announce_sessions_ended(target.id)
    return target


def create_admin(
    email: str,
    password: str,
    *,
    first_name: str = "Campus",
    last_name: str = "Admin",
    role_name: str = roles.SUPER_ADMIN,
) -> User:
    """Used by `flask users create-admin`: a new account, or an existing one promoted."""
    user, old = find_by_email(email), None
    if user is None:
        user = register_user(
            email=email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            role_name=role_name,
            verified=True,
        )
        audit.record(None, "user.created_admin", "user", user.id, None, role_name)
    else:
        old = user.role.name
        if old == roles.SUPER_ADMIN != role_name and user.is_active and _super_admin_count() <= 1:
            raise Conflict(_("The last super admin can't be removed."))
        user.role = roles.get_role(role_name)
        user.password_hash = hash_password(password)
        user.is_active = True
        user.email_verified_at = user.email_verified_at or utcnow()
        audit.record(None, "user.role_changed", "user", user.id, old, role_name)
    db.session.commit()
    if old not in (None, role_name):
        announce_role_changed(user.id, role_name)
    return user
