"""Who may create an account, and how an address is proven (docs/design.md#registration).

`REGISTRATION_MODE`:
- `verified` (the default): anyone may register (with an address in `REGISTRATION_EMAIL_DOMAINS`
  when set); the account is a guest until its owner opens the mailed link, then a user;
- `open`: the same, but the account is a user at once (trials on a closed network); its address
  is still unverified, so no student record may be linked to it until the link is opened;
- `closed`: only by an administrator's invitation (a mailed link, which verifies the address).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from campus.audit import services as audit
from campus.core.errors import Forbidden, RateLimited, ValidationError
from campus.core.models import utcnow
from campus.core.security import require_permission
from campus.extensions import db
from campus.roles import services as roles
from campus.users import outbox, services, throttle
from campus.users.models import User
from campus.users.signals import announce_role_changed

MODES = ("open", "verified", "closed")


def check_config(app: Flask) -> None:
    """Refuse to start with an unknown mode."""
    mode = app.config["REGISTRATION_MODE"]
    if mode not in MODES:
        raise RuntimeError(f"REGISTRATION_MODE must be one of {', '.join(MODES)}, not {mode!r}")
    app.config["REGISTRATION_EMAIL_DOMAINS"] = [
        domain.strip().lower().lstrip("@") for domain in app.config["REGISTRATION_EMAIL_DOMAINS"]
    ]


def registration_open() -> bool:
    return current_app.config["REGISTRATION_MODE"] != "closed"


def _serializer(kind: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"campus-{kind}")


def _load(kind: str, token: str, max_age: int) -> dict[str, Any]:
    try:
        data = _serializer(kind).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ValidationError(_("This link has expired."), code="link_expired") from None
    except BadSignature:
        raise ValidationError(_("This link is not valid."), code="link_invalid") from None
    if not isinstance(data, dict) or not isinstance(data.get("email"), str):
        raise ValidationError(_("This link is not valid."), code="link_invalid")
    return data


def _check_domain(email: str) -> None:
    domains = current_app.config["REGISTRATION_EMAIL_DOMAINS"]
    domain = email.rsplit("@", 1)[-1].lower()
    if domains and not any(domain == allowed or domain.endswith("." + allowed) for allowed in domains):
        message = _("Use your university address (%(domains)s).", domains=", ".join("@" + d for d in domains))
        raise ValidationError(message, fields={"email": [message]})


def invitation_email(token: str) -> str:
    """The address an invitation was sent to (422 when the link is forged or expired)."""
    return _load("invitation", token, current_app.config["INVITATION_MAX_AGE"])["email"]


def register(*, invitation: str | None = None, **fields: Any) -> User:
    """Self-registration under `REGISTRATION_MODE`, or by `invitation` (a token for this email)."""
    email = fields["email"].strip().lower()
    if invitation is not None:
        if invitation_email(invitation) != email:
            raise ValidationError(fields={"email": [_("Use the address the invitation was sent to.")]})
        return services.register_user(**fields, role_name=roles.USER, verified=True)
    mode = current_app.config["REGISTRATION_MODE"]
    if mode == "closed":
        raise Forbidden(_("Accounts are created by invitation only."), code="registration_closed")
    _check_domain(email)
    user = services.register_user(**fields, role_name=roles.USER if mode == "open" else roles.GUEST)
    send_verification(user)
    return user


def send_verification(user: User) -> None:
    """Mail the verification link (at most `EMAIL_VERIFICATION_MAIL_LIMIT` per account)."""
    if user.email_verified:
        return
    limit = current_app.config["EMAIL_VERIFICATION_MAIL_LIMIT"]
    if not throttle.hit(limit, "verify-mail", str(user.id)):
        raise RateLimited(
            _("A link is already on its way; try again later."),
            code="rate_limited",
            retry_after=throttle.retry_after(limit, "verify-mail", str(user.id)),
        )
    outbox.queue("verify_email", user.email, user_id=user.id)
    db.session.commit()


def verification_token(user: User) -> str:
    return _serializer("verify-email").dumps({"uid": user.id, "email": user.email})


def invitation_token(email: str) -> str:
    return _serializer("invitation").dumps({"email": email})


def verify_email(token: str) -> User:
    """Open a verification link: the address is proven; a self-registered guest becomes a user."""
    data = _load("verify-email", token, current_app.config["EMAIL_VERIFICATION_MAX_AGE"])
    user = db.session.get(User, data.get("uid")) if isinstance(data.get("uid"), int) else None
    if user is None or user.email != data["email"] or not user.is_active:
        raise ValidationError(_("This link is not valid any more."), code="link_invalid")
    if user.email_verified:
        return user
    user.email_verified_at = utcnow()
    promoted = user.role.name == roles.GUEST
    if promoted:
        user.role = roles.get_role(roles.USER)
    audit.record(user.id, "user.email_verified", "user", user.id, None, user.email)
    db.session.commit()
    if promoted:
        announce_role_changed(user.id, roles.USER)
    return user


def invite(actor: User, email: str) -> None:
    """Mail `email` an invitation to create an account (`users.manage`); audited."""
    require_permission(actor, "users.manage")
    email = email.strip().lower()
    if services.find_by_email(email) is not None:
        raise ValidationError(fields={"email": [_("An account already uses this address.")]})
    outbox.queue("invitation", email)
    audit.record(actor.id, "user.invited", "user", None, None, email)
    db.session.commit()
