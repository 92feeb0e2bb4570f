"""Chats, their members and messages (docs/design.md#chats-and-messages).

Every change in a chat takes the chat's next `rev`; the changed message records it in
`Message.rev`, a chat-level change (rename, members) in `Chat.changed_rev`. A client's cursor is
the highest `rev` it applied, so `sync` is two index range scans: messages by `(chat_id, rev)`
and the chat row itself.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import false, text

from campus.core.models import UTCDateTime, utcnow
from campus.extensions import db

PRIVATE, GROUP = "private", "group"
SYSTEM = "system"  # Message.kind of a system line ("A added B"); NULL for what people write
OWNER, ADMIN, MEMBER = "owner", "admin", "member"
MAJOR, COHORT = "major", "cohort"

# SQLite gives autoincrement only to an INTEGER PRIMARY KEY; PostgreSQL gets a bigint.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Chat(db.Model):
    __tablename__ = "chats"
    __table_args__ = (
        CheckConstraint("type IN ('private', 'group')", name="type"),
        CheckConstraint("kind IS NULL OR kind IN ('major', 'cohort')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(10))
    title: Mapped[str | None] = mapped_column(String(100))
    # Campus chats kept in step with the directory: 'major' (announcements) or 'cohort'.
    kind: Mapped[str | None] = mapped_column(String(10))
    major_id: Mapped[int | None] = mapped_column(Integer, index=True)
    enrollment_year: Mapped[int | None] = mapped_column(Integer)
    # One chat per private pair ("private:3:7", "private:5:5" for Saved messages) and per campus
    # major or cohort ("major:4", "cohort:4:2025"); NULL for user-created groups.
    key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    rev: Mapped[int] = mapped_column(Integer, default=0)
    # The rev of the last change to the chat itself (rename, member added or removed).
    changed_rev: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Chat {self.id} {self.type} {self.title!r}>"


class ChatMember(db.Model):
    __tablename__ = "chat_members"

    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(10), default=MEMBER)
    last_read_seq: Mapped[int] = mapped_column(Integer, default=0)
    joined_rev: Mapped[int] = mapped_column(Integer, default=0)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # True for a campus chat membership that follows the user's student record; teachers who
    # joined by hand are False and stay when the directory changes.
    directory: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The member muted the chat's notifications (until they unmute; docs/design.md#muting-a-chat).
    muted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("chat_id", "seq", name="uq_messages_chat_id_seq"),
        UniqueConstraint("sender_id", "client_id", name="uq_messages_sender_id_client_id"),
        Index("ix_messages_chat_id_rev", "chat_id", "rev"),
        Index(
            "ix_messages_pinned",
            "chat_id",
            "pinned_at",
            sqlite_where=text("pinned_at IS NOT NULL"),
            postgresql_where=text("pinned_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    rev: Mapped[int] = mapped_column(Integer)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    client_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[str | None] = mapped_column(Text)
    # An upload belongs to one message at most (docs/design.md#uploads).
    attachment_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("uploads.id", ondelete="SET NULL"), unique=True)
    reply_to: Mapped[int | None] = mapped_column(BigId, ForeignKey("messages.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Moderation (docs/design.md#moderation): pinned in its chat; deleted by someone not its sender.
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pinned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # docs/design.md#conversations: a system line's kind and structured data, the users a message
    # mentions, and its reactions ({emoji: [user_id, ...]}) — kept on the row, so history and
    # sync read them with the message and a reaction is a change of the message (its rev).
    kind: Mapped[str | None] = mapped_column(String(10))
    data: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    mentions: Mapped[list | None] = mapped_column(JSON(none_as_null=True))
    mentions_all: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reactions: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))

    attachment: Mapped[Upload | None] = relationship(lazy="joined")
    original: Mapped[Message | None] = relationship(remote_side=[id], lazy="select")

    def __repr__(self) -> str:
        return f"<Message {self.id} chat={self.chat_id} seq={self.seq}>"


class Upload(db.Model):
    """A file sent for a chat (docs/design.md#uploads): stored under generated keys, attached to
    one message at most; the owner and the members of the chat where it was sent may read it."""

    __tablename__ = "uploads"
    __table_args__ = (
        CheckConstraint("kind IN ('image', 'audio', 'video', 'file')", name="kind"),
        Index("ix_uploads_owner_id", "owner_id"),
        Index("ix_uploads_attached_at_created_at", "attached_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10))
    mime: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(BigInteger)
    # The original name, cleaned, for display and downloads only (never a path).
    name: Mapped[str] = mapped_column(String(255))
    key: Mapped[str] = mapped_column(String(64))
    thumb_key: Mapped[str | None] = mapped_column(String(64))
    duration: Mapped[float | None] = mapped_column(Float)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    # Recorded in the page as a voice or video note (shown as one), not a file someone picked.
    note: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when a message takes it; never-attached uploads are removed by `flask media cleanup`.
    attached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def url(self) -> str:
        """Where it is fetched (docs/protocol.md#attachments)."""
        return f"/api/v1/uploads/{self.id}"

    @property
    def thumb_url(self) -> str | None:
        return f"{self.url}/thumbnail" if self.thumb_key else None

    def __repr__(self) -> str:
        return f"<Upload {self.id} {self.kind} {self.mime}>"


class ChatMute(db.Model):
    """A member who may read but not post in a chat until `until` (docs/design.md#moderation)."""

    __tablename__ = "chat_mutes"

    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(200))
    muted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
