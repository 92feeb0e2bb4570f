"""Mail in tests: the queue drained as a server would (`delivered(app)` → the mails sent so far,
flask-mailman's `locmem` outbox)."""

from __future__ import annotations


def delivered(app) -> list:
    """Send every due queued mail, then return every mail sent so far by `app`."""
    from campus.users.outbox import deliver_due

    with app.app_context():
        while deliver_due():
            pass
    return list(getattr(app.extensions["mailman"], "outbox", []))
