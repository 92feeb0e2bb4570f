"""The chat's receivers of other domains' signals, connected by the factory
(`campus.register_signal_receivers`).

Each signal is sent after its sender's commit (`campus.core.signals.send_after_commit`); a
receiver runs its own unit of work.
"""

from __future__ import annotations

from campus.chat import notify
from campus.chat.access import load_actor, member_chat_ids
from campus.chat.campus_chats import rename_campus_chats, sync_campus_memberships
from campus.core.errors import Forbidden


def on_student_membership_changed(_sender, user_ids: list[int], **_extra) -> None:
    """Receiver of `campus.students.signals.student_membership_changed`: the users' campus chats
    follow their student records."""
    sync_campus_memberships(user_ids)


def on_major_renamed(_sender, major_id: int, name: str, **_extra) -> None:
    """Receiver of `campus.majors.signals.major_renamed`: the major's campus chats take its name."""
    rename_campus_chats(major_id, name)


def on_role_changed(_sender, user_id: int, **_extra) -> None:
    """Receiver of `campus.users.signals.role_changed`: a user who may no longer chat (demoted to
    guest) stops hearing their chats at once; one who may again hears them without reconnecting.
    Their memberships are kept. The move is sent even with no chats: it makes every worker read
    the user's permissions again at their next event."""
    chat_ids = member_chat_ids(user_id)
    try:
        load_actor(user_id)
    except Forbidden:
        notify.chat_access_changed(user_id, chat_ids, may_chat=False)
    else:
        notify.chat_access_changed(user_id, chat_ids, may_chat=True)


def on_sessions_ended(_sender, user_id: int, token_ids: list[str] | None = None, **_extra) -> None:
    """Receiver of `campus.users.signals.sessions_ended`: logged out, password changed,
    deactivated — the sockets opened with those credentials are disconnected."""
    notify.sessions_ended(user_id, token_ids)


def members_sharing_a_chat(viewer_id: int, user_ids: list[int]) -> set[int]:
    """For `campus.users.contacts`: the users among `user_ids` who are in a chat with the viewer."""
    from sqlalchemy import select
    from sqlalchemy.orm import aliased

    from campus.chat.models import ChatMember
    from campus.extensions import db

    mine, theirs = aliased(ChatMember), aliased(ChatMember)
    query = (
        select(theirs.user_id)
        .join(mine, mine.chat_id == theirs.chat_id)
        .where(mine.user_id == viewer_id, theirs.user_id.in_(user_ids))
        .distinct()
    )
    return set(db.session.scalars(query))
