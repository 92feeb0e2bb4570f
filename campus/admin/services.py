"""Read-only queries behind the admin pages (changes go through the domains' own services)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from campus.audit.models import AuditEntry
from campus.audit.services import query_entries
from campus.core.api import decode_cursor, encode_cursor
from campus.core.database import contains, fold
from campus.extensions import db
from campus.roles import services as roles
from campus.roles.models import Role
from campus.users.models import User

PAGE_SIZE = 50


def list_users(
    *, q: str | None = None, role: str | None = None, cursor: str | None = None, limit: int | None = None
) -> dict[str, Any]:
    """Users by email, filtered by a name/email search (Cyrillic folded too) and a role; keyset
    pages both ways."""
    query = select(User).join(Role).order_by(User.email)
    needle = (q or "").strip().casefold()
    if needle:
        name = fold(User.first_name + " " + User.last_name)
        query = query.where(or_(contains(name, needle), contains(fold(User.email), needle)))
    if role:
        query = query.where(Role.name == role)
    return _keyset(query.order_by(None), User.email, str, cursor, limit or PAGE_SIZE)


def list_audit(
    *,
    action: str | None = None,
    actor_id: int | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """The audit log, newest first, filtered; `until` is an inclusive day; keyset pages by id, both
    ways (`{items, next_cursor, prev_cursor}`)."""
    query = query_entries(
        action=action,
        actor_id=actor_id,
        target_type=target_type,
        target_id=target_id,
        since=_start_of(since) if since else None,
        until=_start_of(until + timedelta(days=1)) if until else None,
    )
    return _keyset(query.order_by(None), AuditEntry.id, int, cursor, limit or PAGE_SIZE, descending=True)


def _keyset(query, column, kind: type, cursor: str | None, limit: int, *, descending: bool = False) -> dict[str, Any]:
    """A page of `query` ordered by the unique `column`: `{items, next_cursor, prev_cursor}`.

    A cursor is `(">", value)` for the page after a row, `("<", value)` for the page before it;
    the page before is read in reverse order and turned round."""
    after = decode_cursor(cursor, ((">", "<"), kind))
    backward = after is not None and after[0] == "<"
    ascending = backward == descending  # the order this page is read in
    if after:
        query = query.where(column > after[1] if ascending else column < after[1])
    rows = list(db.session.scalars(query.order_by(column.asc() if ascending else column.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    if backward:
        rows.reverse()
    has_next, has_prev = (True, more) if backward else (more, after is not None)
    value = column.key
    return {
        "items": rows,
        "next_cursor": encode_cursor([">", getattr(rows[-1], value)]) if rows and has_next else None,
        "prev_cursor": encode_cursor(["<", getattr(rows[0], value)]) if rows and has_prev else None,
    }


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def audit_actions() -> list[str]:
    """Every action name the log holds, for the filter."""
    return sorted(db.session.scalars(select(AuditEntry.action).distinct()))


def audit_target_types() -> list[str]:
    """Every target type the log holds, for the filter."""
    return sorted(db.session.scalars(select(AuditEntry.target_type).distinct()))


def users_by_id(ids: set[int]) -> dict[int, User]:
    """The users with these ids, by id (to name actors and targets in one query)."""
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


def role_names() -> list[str]:
    """Every role's name, lowest rank first."""
    return list(db.session.scalars(select(Role.name).order_by(Role.rank)))


def assignable_role_names(actor: User) -> list[str]:
    """Roles `actor` may hand out (docs/design.md#roles-and-permissions): up to moderator, or every role for super_admins."""
    limit_role = roles.SUPER_ADMIN if actor.can("users.manage_admins") else roles.MODERATOR
    limit = db.session.scalar(select(Role.rank).where(Role.name == limit_role))
    return list(db.session.scalars(select(Role.name).where(Role.rank <= limit).order_by(Role.rank)))


def roles_with_counts() -> list[tuple[Role, int]]:
    """Every role, lowest first, with how many accounts hold it."""
    query = (
        select(Role, func.count(User.id)).outerjoin(User, User.role_id == Role.id).group_by(Role.id).order_by(Role.rank)
    )
    return [(role, count) for role, count in db.session.execute(query)]
