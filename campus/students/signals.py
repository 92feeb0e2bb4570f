"""Signals of the students domain, for the layers above it (chat) — students import none of them.

`student_membership_changed`
    Sent **after the commit** of any unit of work that creates or deletes a student, or changes
    a student's `(user_id, major_id, enrollment_year)` — the things campus chats (the major
    chat, the cohort chat = major + enrollment year) follow. One send per commit, with::

        sender    the Flask app (`current_app._get_current_object()`)
        user_ids  list[int]: every linked user id before and after the change (None left out),
                  sorted, never empty — nothing is sent when no linked account is involved

    Receivers re-read the directory for those users and bring their chat memberships in step;
    they run in the caller's app context with the session already committed. An exception in a
    receiver is logged and does not undo the committed change.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

from blinker import Namespace
from flask import current_app

log = logging.getLogger(__name__)

_signals = Namespace()
student_membership_changed = _signals.signal("student-membership-changed")


def announce_membership_change(user_ids: Iterable[int | None]) -> None:
    """Send `student_membership_changed` for these users (call only after commit)."""
    ids = sorted({user_id for user_id in user_ids if user_id is not None})
    if not ids:
        return
    try:
        student_membership_changed.send(current_app._get_current_object(), user_ids=ids)
    except Exception:
        log.exception("a student_membership_changed receiver failed for users %s", ids)
