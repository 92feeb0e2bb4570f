"""Mentions (docs/protocol.md#mentions): whom a new message mentions.

The client names the members it mentions (`mentions`, picked from the page's autocomplete); the
server keeps only the chat's members other than the sender — mentioning someone outside the chat
notifies nobody. `@all` in a group's text mentions every member, and only a group's owner or
admins, teachers and moderators may write it.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from campus.chat.models import ADMIN, GROUP, OWNER, Chat, ChatMember
from campus.core.errors import Forbidden
from campus.core.security import Principal

ALL = re.compile(r"(?<![\w@.])@all\b", re.IGNORECASE)

_chats, _members = Chat.__table__, ChatMember.__table__
_MEMBERS_AMONG = select(_members.c.user_id).where(
    _members.c.chat_id == bindparam("chat"), _members.c.user_id.in_(bindparam("users", expanding=True))
)
_SENDER_STANDING = (
    select(_chats.c.type, _members.c.role)
    .join(_members, _members.c.chat_id == _chats.c.id)
    .where(_chats.c.id == bindparam("chat"), _members.c.user_id == bindparam("user"))
)


def mentions_all(body: str | None) -> bool:
    """Whether the text says `@all` (not inside an address such as a@all.org)."""
    return bool(body) and ALL.search(body) is not None


def may_mention_all(user: Principal, role: str | None) -> bool:
    """Group owners and admins, teachers (who post announcements) and moderators."""
    return role in (OWNER, ADMIN) or user.can("chat.moderate") or user.can("chat.post_announcements")


def resolve(
    connection: Connection, user: Principal, chat_id: int, body: str | None, user_ids: list[int]
) -> tuple[list[int] | None, bool]:
    """`(mentioned member ids or None, @all)` for a message the caller sends now, in its
    transaction; `Forbidden` for `@all` by someone who may not. No statement for a message that
    mentions nobody."""
    everyone = False
    if mentions_all(body):
        standing = connection.execute(_SENDER_STANDING, {"chat": chat_id, "user": user.id}).first()
        if standing is not None and standing.type == GROUP:
            if not may_mention_all(user, standing.role):
                raise Forbidden(_("Only the group's owner and admins, teachers and moderators may mention @all."))
            everyone = True
    wanted = sorted({user_id for user_id in user_ids if user_id != user.id})
    if not wanted:
        return None, everyone
    found = set(connection.execute(_MEMBERS_AMONG, {"chat": chat_id, "users": wanted}).scalars())
    members = [user_id for user_id in wanted if user_id in found]
    return members or None, everyone
