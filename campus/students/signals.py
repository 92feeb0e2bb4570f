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

from collections.abc import Iterable

from blinker import Namespace

from campus.core.signals import send_after_commit

_signals = Namespace()
student_membership_changed = _signals.signal("student-membership-changed")


def announce_membership_change(user_ids: Iterable[int | None]) -> None:
    """Send `student_membership_changed` for these users (call only after commit)."""
    ids = sorted({user_id for user_id in user_ids if user_id is not None})
    if not ids:
        return
    send_after_commit(student_membership_changed, user_ids=ids)
