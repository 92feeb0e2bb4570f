"""Who is calling and what they may see: the actor behind a socket event, chat membership.

Every chat action checks, from the database, that the caller may chat (`chat.use`) and is a
member of the chat — a non-member gets `NotFound`, so the existence of other people's chats is
never revealed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from campus.chat.connections import connections
from campus.chat.models import Chat, ChatMember
from campus.core.errors import Forbidden, NotFound
from campus.core.security import Principal
from campus.extensions import db
from campus.roles.models import Permission, role_permissions
from campus.users.models import User

# Prebuilt once (see `campus.chat.messages`): the active user's permission names, read on every
# socket event.
_users, _permissions = User.__table__, Permission.__table__
ACTOR_PERMISSIONS = (
    select(_permissions.c.name)
    .select_from(_users)
    .join(role_permissions, role_permissions.c.role_id == _users.c.role_id)
    .join(_permissions, _permissions.c.id == role_permissions.c.permission_id)
    .where(_users.c.id == bindparam("user"), _users.c.is_active)
)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who sends a socket event: an id and the permissions read for this event."""

    id: int
    permissions: frozenset[str]
    is_active: bool = True

    def can(self, permission: str) -> bool:
        """Whether the actor's role grants `permission`."""
        return permission in self.permissions


def load_actor(user_id: int) -> Actor:
    """The user behind a socket, read again for this event (a demotion or deactivation acts at
    once) — one query for the active user's permission names, no ORM objects."""
    names = db.session.connection().execute(ACTOR_PERMISSIONS, {"user": user_id}).scalars().all()
    return check_user(Actor(user_id, frozenset(names)))


def kept_actor(user_id: int, read_permissions: Callable[[], Iterable[str]]) -> Actor:
    """The actor this worker keeps for a connected user (`campus.chat.connections`), or one made
    of `read_permissions()` now and kept — unless a move made it stale while it was read."""
    actor = connections.actor_of(user_id)
    if actor is None:
        epoch = connections.actor_epoch
        actor = Actor(user_id, frozenset(read_permissions()))
        connections.keep_actor(actor, epoch)
    return actor


def socket_actor(user_id: int) -> Actor:
    """The actor behind a connected socket: read at its connect (or on the user's first event on
    this worker) and kept until a move of their sockets forgets it; checked on every event."""
    return check_user(
        kept_actor(
            user_id, lambda: db.session.connection().execute(ACTOR_PERMISSIONS, {"user": user_id}).scalars().all()
        )
    )


def check_user(user: Principal | None) -> Principal:
    """`user` if they may use the chat; `Forbidden` otherwise."""
    if user is None or not user.can("chat.use"):
        raise Forbidden(_("You may not use the chat."))
    return user


def membership(chat_id: int, user_id: int) -> tuple[Chat, ChatMember]:
    """The chat and the user's membership in it; `NotFound` unless they are a member."""
    row = db.session.execute(
        select(Chat, ChatMember)
        .join(ChatMember, ChatMember.chat_id == Chat.id)
        .where(Chat.id == chat_id, ChatMember.user_id == user_id)
    ).first()
    if row is None:
        raise NotFound(_("Chat not found."))
    return row[0], row[1]


def require_member(chat_id: int, user_id: int) -> None:
    """NotFound unless `user_id` is in the chat (a primary-key lookup, no ORM objects)."""
    found = (
        db.session.connection()
        .execute(
            select(ChatMember.__table__.c.role).where(ChatMember.chat_id == chat_id, ChatMember.user_id == user_id)
        )
        .first()
    )
    if found is None:
        raise NotFound(_("Chat not found."))


_MEMBER_CHAT_IDS = select(ChatMember.__table__.c.chat_id).where(ChatMember.__table__.c.user_id == bindparam("user"))


def member_chat_ids(user_id: int) -> list[int]:
    """The ids of every chat the user is a member of (read on every connect: prebuilt, no ORM)."""
    return list(db.session.connection().execute(_MEMBER_CHAT_IDS, {"user": user_id}).scalars())
