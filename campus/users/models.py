"""User accounts and revoked tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campus.core.models import TimestampMixin, UTCDateTime, utcnow
from campus.extensions import db
from campus.roles.models import Role


class User(TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so the unique index is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # Not unique: a uniqueness check would tell anyone whether a number belongs to an account
    # (docs/design.md#account-hardening); Campus never finds an account by its phone.
    phone: Mapped[str | None] = mapped_column(String(20))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"), index=True)
    role: Mapped[Role] = relationship(lazy="joined")
    is_active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str | None] = mapped_column(String(8))
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Bumped by "log out everywhere" and password changes: older tokens stop working.
    token_generation: Mapped[int] = mapped_column(Integer, default=0)
    # The same moment, for the main backend's tokens (which carry no generation): those issued
    # (`iat`) before it are refused.
    tokens_valid_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the owner opened the mailed verification link (or accepted an invitation sent to the
    # address); until then a self-registered account is a guest and no student record links to it.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def can(self, permission: str) -> bool:
        """Whether this user may do `permission` now (read from the database, never the token)."""
        return self.is_active and permission in self.role.permission_names

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class RevokedToken(db.Model):
    """The persisted blocklist: one row per individually revoked token until it would expire."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class QueuedMail(db.Model):
    """A mail waiting for the outbox worker (`campus.users.outbox`), composed when it is sent.

    `kind` names its composer, `data` its arguments; nothing secret is stored (a reset link's
    token is made at delivery)."""

    __tablename__ = "mail_queue"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(254))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(255))
