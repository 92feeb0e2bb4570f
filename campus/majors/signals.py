"""Signals of the majors domain, for the layers above it (chat) — majors import none of them.

`major_renamed`
    Sent **after the commit** of a change to a major's name, with::

        sender    the Flask app (`current_app._get_current_object()`)
        major_id  int
        name      str: the new name

    Receivers (the campus chats' titles) run in the caller's app context with the session
    already committed. An exception in a receiver is logged and does not undo the rename.
"""

from __future__ import annotations

from blinker import Namespace

from campus.core.signals import send_after_commit

_signals = Namespace()
major_renamed = _signals.signal("major-renamed")


def announce_rename(major_id: int, name: str) -> None:
    """Send `major_renamed` (call only after commit)."""
    send_after_commit(major_renamed, major_id=major_id, name=name)
