"""The mail queue: requests add a row in their own unit of work; the process sends it later.

Mail never goes out inside a request: a slow or broken SMTP server must neither slow a request
nor turn it into a 500, and a request that mails must look, from outside, like one that does not
(docs/design.md#mail-outside-requests). `queue(kind, recipient, **data)` adds the row;
`deliver_due()` composes each due mail with its kind's composer (`campus.users.mails`) and sends
it, retrying a failure with growing delays. Each process drains the queue in a background task
every `MAIL_QUEUE_INTERVAL` seconds, started with its first request; `flask mail send` drains it
once (and is what tests call).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import delete, select, update

from campus.core.models import utcnow
from campus.extensions import db
from campus.users.models import QueuedMail

log = logging.getLogger("campus.mail")

# kind → composer(recipient, data) → (subject, body), or None when the mail is not to be sent
# after all (the account is gone); filled by `campus.users.mails`.
COMPOSERS: dict[str, Callable[[str, dict[str, Any]], tuple[str, str] | None]] = {}

# A claimed row is left alone by the other workers this long: a worker that dies while sending
# leaves it to be retried afterwards.
CLAIM_SECONDS = 300
MAX_DELAY_SECONDS = 3600


def composer(kind: str):
    """Register the decorated function as the composer of mails of `kind`."""

    def register(function):
        COMPOSERS[kind] = function
        return function

    return register


def queue(kind: str, recipient: str, **data: Any) -> None:
    """Add a mail to the caller's unit of work; it is sent after the caller commits."""
    if kind not in COMPOSERS:
        raise ValueError(f"no composer for mail kind {kind!r}")
    db.session.add(QueuedMail(kind=kind, recipient=recipient, data=data, next_attempt_at=utcnow()))


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most an hour."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), MAX_DELAY_SECONDS))


def _claim(row_id: int, seen_at) -> bool:
    """Take the row for this worker (another may be looking at it too)."""
    claimed = db.session.execute(
        update(QueuedMail)
        .where(QueuedMail.id == row_id, QueuedMail.next_attempt_at == seen_at)
        .values(next_attempt_at=utcnow() + timedelta(seconds=CLAIM_SECONDS))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def _send(row: QueuedMail) -> None:
    from campus.core.mail import send_mail

    composed = COMPOSERS[row.kind](row.recipient, row.data or {})
    if composed is not None:
        send_mail(row.recipient, *composed)


def deliver_due(limit: int = 50) -> int:
    """Send up to `limit` due mails; returns how many went out (or were dropped as not needed).

    A failed send is retried later (`retry_delay`) up to `MAIL_MAX_ATTEMPTS` times, then dropped
    with an error in the log.
    """
    due = db.session.execute(
        select(QueuedMail.id, QueuedMail.next_attempt_at)
        .where(QueuedMail.next_attempt_at <= utcnow())
        .order_by(QueuedMail.next_attempt_at, QueuedMail.id)
        .limit(limit)
    ).all()
    db.session.commit()
    done = 0
    for row_id, seen_at in due:
        if not _claim(row_id, seen_at):
            continue
        row = db.session.get(QueuedMail, row_id)
        try:
            _send(row)
        except Exception as error:  # SMTP down, refused, timed out: try again later
            db.session.rollback()
            row = db.session.get(QueuedMail, row_id)
            row.attempts += 1
            row.last_error = f"{type(error).__name__}: {error}"[:255]
            if row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
                log.error("mail %s (%d) dropped after %d attempts: %s", row.kind, row.id, row.attempts, row.last_error)
                db.session.delete(row)
            else:
                log.warning("mail %s (%d) not sent, will retry: %s", row.kind, row.id, row.last_error)
                row.next_attempt_at = utcnow() + retry_delay(row.attempts)
            db.session.commit()
            continue
        db.session.execute(delete(QueuedMail).where(QueuedMail.id == row_id))
        db.session.commit()
        done += 1
    return done


def start_worker(app: Flask) -> None:
    """Drain the queue every `MAIL_QUEUE_INTERVAL` seconds in a background task, from this
    process's first request on (not in `flask` commands); 0 turns it off (tests)."""
    interval = app.config["MAIL_QUEUE_INTERVAL"]
    if not interval:
        return
    started = threading.Lock()
    state = {"running": False}

    def loop() -> None:
        from campus.extensions import socketio

        while True:
            try:
                with app.app_context():
                    deliver_due()
            except Exception:  # the database away for a moment: keep the loop alive
                log.exception("mail queue: delivery failed")
            socketio.sleep(interval)

    @app.before_request
    def start_once() -> None:
        if state["running"]:
            return
        with started:
            if not state["running"]:
                from campus.extensions import socketio

                state["running"] = True
                socketio.start_background_task(loop)
