"""Signals of the accounts domain, for the layers above it (chat) — users import none of them.

`sessions_ended`
    Sent **after the commit** of a logout, a logout everywhere, a password change or reset, and
    a deactivation: credentials of the user stopped working, so whatever was opened with them
    (the chat's sockets) must end too. One send per commit, with::

        sender     the Flask app (`current_app._get_current_object()`)
        user_id    int
        token_ids  list[str]: the blocklist keys of a plain logout — the revoked token's `jti`
                   and `sid:<id>` of its sign-in session (`users.tokens.revocation_keys`;
                   match them against the same function's keys of the token a socket was
                   opened with) — or None when every token of the user stopped working

`role_changed`
    Sent **after the commit** of a change of a user's role, with ``sender`` (the app),
    ``user_id`` and ``role`` (the new role's name): what the user may do changed at once, so
    whatever they hear (the chat's rooms) follows.

    An exception in a receiver is logged and does not undo the committed change.
"""

from __future__ import annotations

from collections.abc import Iterable

from blinker import Namespace

from campus.core.signals import send_after_commit

_signals = Namespace()
sessions_ended = _signals.signal("sessions-ended")
role_changed = _signals.signal("role-changed")


def announce_sessions_ended(user_id: int, token_ids: Iterable[str] | None = None) -> None:
    """Send `sessions_ended` (call only after commit)."""
    ids = None if token_ids is None else sorted(set(token_ids))
    send_after_commit(sessions_ended, user_id=user_id, token_ids=ids)


def announce_role_changed(user_id: int, role: str) -> None:
    """Send `role_changed` (call only after commit)."""
    send_after_commit(role_changed, user_id=user_id, role=role)
