"""Campus chats: the chats that follow the directory (docs/design.md#chats-and-messages).

One chat per major (announcements: teachers and admins post, students read) and one per cohort
(major + enrollment year). A linked student is a member of both of their record's; teachers and
admins may join any by hand. `campus.chat.receivers` runs these after the directory's signals.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from campus.chat import notify
from campus.chat.access import member_chat_ids
from campus.chat.chat_payloads import chat_fields, describe_chat
from campus.chat.chats import retitle
from campus.chat.models import COHORT, GROUP, MAJOR, MEMBER, Chat, ChatMember
from campus.chat.revs import next_rev
from campus.core.errors import Forbidden
from campus.core.models import utcnow
from campus.core.security import Principal
from campus.extensions import db
from campus.majors.models import Major
from campus.students.models import Student


def _campus_key(kind: str, major_id: int, year: int | None) -> str:
    return f"major:{major_id}" if kind == MAJOR else f"cohort:{major_id}:{year}"


def _campus_title(kind: str, major_name: str, year: int | None) -> str:
    """A major chat is titled by the major, a cohort chat by the major and enrollment year."""
    return (major_name if kind == MAJOR else f"{major_name}, {year}")[:100]


def _campus_chat(kind: str, major_id: int, year: int | None, title: str) -> Chat:
    """The major's or cohort's chat, created on first need."""
    key = _campus_key(kind, major_id, year)
    chat = db.session.scalar(select(Chat).where(Chat.key == key))
    if chat is not None:
        return chat
    now = utcnow()
    chat = Chat(
        type=GROUP,
        kind=kind,
        title=title,
        major_id=major_id,
        enrollment_year=year,
        key=key,
        rev=0,
        changed_rev=0,
        created_at=now,
        updated_at=now,
        last_activity_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(chat)
    except IntegrityError:  # created at the same moment for another student of the cohort
        chat = db.session.scalar(select(Chat).where(Chat.key == key))
    return chat


def sync_campus_memberships(user_ids: int | Iterable[int]) -> None:
    """Bring these users' campus chat memberships in step with their student records.

    Each is a member of the major chat and the cohort chat (major + enrollment year) of their
    linked student record, and out of those they no longer belong to; memberships a teacher took
    by hand are left alone. One unit of work for the batch (an import links many students at
    once); after the commit sockets move, and each touched chat is described and announced once.
    """
    user_ids = sorted({user_ids} if isinstance(user_ids, int) else set(user_ids))
    records = {
        user_id: (major_id, year, name)
        for user_id, major_id, year, name in db.session.execute(
            select(Student.user_id, Student.major_id, Student.enrollment_year, Major.name)
            .join(Major, Major.id == Student.major_id)
            .where(Student.user_id.in_(user_ids))
        )
    }
    memberships: dict[int, dict[str, tuple[Chat, ChatMember]]] = {user_id: {} for user_id in user_ids}
    for chat, member in db.session.execute(
        select(Chat, ChatMember)
        .join(ChatMember, ChatMember.chat_id == Chat.id)
        .where(ChatMember.user_id.in_(user_ids), Chat.kind.is_not(None))
    ):
        memberships[member.user_id][chat.key] = (chat, member)
    added: dict[int, list[int]] = {}  # chat id → users added
    removed: dict[int, list[int]] = {}  # chat id → users removed
    for user_id in user_ids:
        wanted: dict[str, tuple[str, int, int | None, str]] = {}
        if user_id in records:
            major_id, year, name = records[user_id]
            wanted[_campus_key(MAJOR, major_id, None)] = (MAJOR, major_id, None, _campus_title(MAJOR, name, None))
            wanted[_campus_key(COHORT, major_id, year)] = (COHORT, major_id, year, _campus_title(COHORT, name, year))
        current = memberships[user_id]
        for key, (kind, major_id, year, title) in wanted.items():
            if key in current:
                current[key][1].directory = True
                continue
            chat = _campus_chat(kind, major_id, year, title)
            last_seq, rev = next_rev(chat.id, chat_change=True)
            # A newcomer starts with the chat's history read, not hundreds of unread messages.
            db.session.add(
                ChatMember(
                    chat_id=chat.id,
                    user_id=user_id,
                    role=MEMBER,
                    joined_rev=rev,
                    last_read_seq=last_seq,
                    directory=True,
                )
            )
            added.setdefault(chat.id, []).append(user_id)
        for key, (chat, member) in current.items():
            if key not in wanted and member.directory:
                notify.member_leaving(chat.id, user_id)
                next_rev(chat.id, chat_change=True)
                db.session.delete(member)
                removed.setdefault(chat.id, []).append(user_id)
    db.session.commit()
    for chat_id in sorted(set(added) | set(removed)):
        described = describe_chat(db.session.get(Chat, chat_id))
        if chat_id in added:
            notify.members_added(described, added[chat_id])
        if chat_id in removed:
            notify.members_removed(described, removed[chat_id])


def sync_all_campus_memberships() -> int:
    """Every linked student's campus chats in step (after an import, or to backfill); how many."""
    user_ids = list(db.session.scalars(select(Student.user_id).where(Student.user_id.is_not(None))))
    for start in range(0, len(user_ids), 500):
        sync_campus_memberships(user_ids[start : start + 500])
    return len(user_ids)


def list_campus_chats(user: Principal) -> list[dict[str, Any]]:
    """Every major and cohort chat, for those who may join any (teachers, admins)."""
    if not user.can("chat.join_campus"):
        raise Forbidden(_("Only teachers and admins browse campus chats."))
    mine = set(member_chat_ids(user.id))
    chats = db.session.scalars(
        select(Chat)
        .where(Chat.kind.is_not(None))
        .order_by(Chat.major_id, Chat.enrollment_year.is_not(None), Chat.enrollment_year)
    )
    return [{**chat_fields(chat), "member": chat.id in mine} for chat in chats]


def rename_campus_chats(major_id: int, name: str) -> list[int]:
    """The major's chat and its cohort chats take the major's new name, each as a rename (its
    next rev, `chat_updated` "renamed"); the ids of the chats renamed."""
    renamed = []
    for chat_id, kind, year, title in db.session.execute(
        select(Chat.id, Chat.kind, Chat.enrollment_year, Chat.title)
        .where(Chat.major_id == major_id, Chat.kind.is_not(None))
        .order_by(Chat.id)
    ).all():
        new_title = _campus_title(kind, name, year)
        if new_title != title:
            retitle(chat_id, new_title)
            renamed.append(chat_id)
    db.session.commit()
    for chat_id in renamed:
        notify.chat_renamed(describe_chat(db.session.get(Chat, chat_id)))
    return renamed
