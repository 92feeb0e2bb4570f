"""Recording and reading audit entries."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from campus.audit.models import AuditEntry
from campus.extensions import db


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)[:1000]


def record(
    actor_id: int | None, action: str, target_type: str, target_id: int | None, old: Any = None, new: Any = None
) -> AuditEntry:
    """Add an entry to the current unit of work; the caller's commit makes it stick."""
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        old_value=_as_text(old),
        new_value=_as_text(new),
    )
    db.session.add(entry)
    return entry


def query_entries(
    *,
    action: str | None = None,
    actor_id: int | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """The filtered log, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action == action)
    if actor_id:
        query = query.where(AuditEntry.actor_id == actor_id)
    if target_type:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id:
        query = query.where(AuditEntry.target_id == target_id)
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until)
    return query
