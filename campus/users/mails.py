"""What Campus mails to account owners, composed when the queue sends it (`campus.users.outbox`),
in the owner's language, with links from `PUBLIC_URL`."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from campus.core.web import public_url
from campus.extensions import db
from campus.users.models import User
from campus.users.outbox import composer


def _account(recipient: str, data: dict[str, Any]) -> User | None:
    """The active account the mail is for, if it still has this address."""
    user = db.session.get(User, data.get("user_id")) if isinstance(data.get("user_id"), int) else None
    if user is None or not user.is_active or user.email != recipient:
        return None
    return user


@composer("password_reset")
def password_reset(recipient: str, data: dict[str, Any]) -> tuple[str, str] | None:
    """A reset link, made now (so no token waits in the queue); nothing when no active account
    uses the address (the request queued it all the same)."""
    from campus.users.services import find_by_email, make_reset_token

    user = find_by_email(recipient)
    if user is None or not user.is_active:
        return None
    link = public_url("users_views.reset_password", token=make_reset_token(user))
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    with force_locale(user.language or "en"):
        subject = _("Reset your Campus password")
        body = (
            _("Open this link to choose a new password (valid for %(minutes)d minutes, once):", minutes=minutes)
            + f"\n\n{link}\n"
        )
    return subject, body


@composer("password_changed")
def password_changed(recipient: str, data: dict[str, Any]) -> tuple[str, str] | None:
    """Tell the owner their password changed, so a change they did not make is noticed."""
    user = _account(recipient, data)
    if user is None:
        return None
    link = public_url("users_views.forgot_password")
    with force_locale(user.language or "en"):
        subject = _("Your Campus password was changed")
        body = (
            _("The password of your Campus account was just changed, and every device was signed out.")
            + "\n\n"
            + _("If you did not do this, choose a new password at once:")
            + f"\n{link}\n"
        )
    return subject, body


@composer("verify_email")
def verify_email(recipient: str, data: dict[str, Any]) -> tuple[str, str] | None:
    """The link that proves the address is the owner's."""
    from campus.users.registration import verification_token

    user = _account(recipient, data)
    if user is None or user.email_verified:
        return None
    link = public_url("users_views.verify_email", token=verification_token(user))
    days = current_app.config["EMAIL_VERIFICATION_MAX_AGE"] // 86400
    with force_locale(user.language or "en"):
        subject = _("Confirm your Campus address")
        body = (
            _("Open this link to confirm your address and start using Campus (valid for %(days)d days):", days=days)
            + f"\n\n{link}\n"
        )
    return subject, body


@composer("invitation")
def invitation(recipient: str, data: dict[str, Any]) -> tuple[str, str] | None:
    """An administrator's invitation: a link to the registration form for this address."""
    from campus.users.registration import invitation_token
    from campus.users.services import find_by_email

    if find_by_email(recipient) is not None:
        return None
    link = public_url("users_views.register", invitation=invitation_token(recipient))
    days = current_app.config["INVITATION_MAX_AGE"] // 86400
    subject = _("You are invited to Campus")
    body = _("Open this link to create your Campus account (valid for %(days)d days):", days=days) + f"\n\n{link}\n"
    return subject, body
