"""Chats, their members and messages (docs/design.md#chats-and-messages).

Every change in a chat takes the chat's next `rev`; the changed message records it in
`Message.rev`, a chat-level change (rename, members) in `Chat.changed_rev`. A client's cursor is
the highest `rev` it applied, so `sync` is two index range scans: messages by `(chat_id, rev)`
and the chat row itself.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import false

from campus.core.models import UTCDateTime, utcnow
from campus.extensions import db

PRIVATE, GROUP = "private", "group"
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


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("chat_id", "seq", name="uq_messages_chat_id_seq"),
        UniqueConstraint("sender_id", "client_id", name="uq_messages_sender_id_client_id"),
        Index("ix_messages_chat_id_rev", "chat_id", "rev"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    rev: Mapped[int] = mapped_column(Integer)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    client_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[str | None] = mapped_column(Text)
    # Uploads come in a later issue; the column waits for its foreign key.
    attachment_id: Mapped[int | None] = mapped_column(BigInteger)
    reply_to: Mapped[int | None] = mapped_column(BigId, ForeignKey("messages.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def attachment(self):
        """None until uploads arrive (`<message>`'s `attachment`)."""
        return None

    def __repr__(self) -> str:
        return f"<Message {self.id} chat={self.chat_id} seq={self.seq}>"
