"""Password reset mail goes out from the queue, not inside the request: the same answer and the
same work for every address, SMTP down or not; retried; a limit per target address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from campus.core.models import utcnow
from campus.extensions import db
from campus.users.models import QueuedMail
from campus.users.outbox import deliver_due
from tests.support.app import app_for, config_for
from tests.support.mail import delivered
from tests.support.pages import CSRF_INPUT, post_form
from tests.support.server import free_port
from tests.support.smtp import SmtpServer
from tests.support.statements import statements_run


def queued(app) -> list[QueuedMail]:
    with app.app_context():
        rows = list(db.session.scalars(select(QueuedMail).order_by(QueuedMail.id)))
        db.session.expunge_all()
        return rows


def sent_now(app) -> list:
    """What the app sent so far, without draining the queue."""
    return list(getattr(app.extensions["mailman"], "outbox", []))


def ask_for_reset(client, email: str):
    return post_form(client, "/forgot-password", {"email": email})


def answer_of(response) -> tuple[int, str | None, str]:
    return response.status_code, response.location, CSRF_INPUT.sub("", response.get_data(as_text=True))


def test_the_reset_mail_is_queued_by_the_request_and_sent_afterwards(app, client, make_user):
    make_user(email="bob@example.test")
    assert ask_for_reset(client, "bob@example.test").status_code == 302
    assert sent_now(app) == []
    assert [(row.kind, row.recipient) for row in queued(app)] == [("password_reset", "bob@example.test")]
    mails = delivered(app)
    assert [mail.to for mail in mails] == [["bob@example.test"]]
    assert "http://campus.test/reset-password/" in mails[0].body
    assert queued(app) == []


def test_known_and_unknown_addresses_get_the_same_answer_after_the_same_statements(app, client, make_user):
    make_user(email="bob@example.test")
    ask_for_reset(client, "warm-up@example.test")  # the session and the CSRF token, once
    with app.app_context():
        engine = db.engine
    with statements_run(engine) as known_statements:
        known = ask_for_reset(client, "bob@example.test")
    with statements_run(engine) as unknown_statements:
        unknown = ask_for_reset(client, "nobody@example.test")
    assert answer_of(known) == answer_of(unknown)
    assert known_statements == unknown_statements
    assert [mail.to for mail in delivered(app)] == [["bob@example.test"]]


def test_an_unknown_or_deactivated_address_gets_no_mail(app, client, make_user):
    make_user(email="gone@example.test", active=False)
    ask_for_reset(client, "gone@example.test")
    ask_for_reset(client, "nobody@example.test")
    assert delivered(app) == []
    assert queued(app) == []


@pytest.fixture
def smtp_app(db_url, tmp_path):
    """The app sending over SMTP to a port nothing listens on (yet)."""
    port = free_port()
    config = config_for(db_url, tmp_path, MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=5)
    with app_for(config) as app:
        app.smtp_port = port
        yield app


def make_due(app) -> None:
    with app.app_context():
        db.session.execute(update(QueuedMail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def test_with_smtp_down_the_answer_is_the_same_and_the_mail_is_retried_until_it_goes(smtp_app):
    app = smtp_app
    with app.app_context():
        from campus.users.services import register_user

        register_user(email="bob@example.test", password="correct horse 1", first_name="Bob", last_name="Lee")
    client = app.test_client()
    known, unknown = ask_for_reset(client, "bob@example.test"), ask_for_reset(client, "nobody@example.test")
    assert answer_of(known) == answer_of(unknown)
    assert known.status_code == 302

    with app.app_context():
        assert deliver_due() == 1  # the unknown address's row: nothing to send
    [row] = queued(app)
    assert row.recipient == "bob@example.test" and row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at > utcnow() + timedelta(seconds=20)
    with app.app_context():
        assert deliver_due() == 0  # not due yet

    with SmtpServer(app.smtp_port) as smtp:
        make_due(app)
        with app.app_context():
            assert deliver_due() == 1
    assert queued(app) == []
    [message] = smtp.messages
    assert "To: bob@example.test" in message and "/reset-password/" in message


def test_a_mail_that_keeps_failing_is_dropped_after_the_last_attempt(smtp_app):
    app = smtp_app
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    with app.app_context():
        from campus.users.outbox import queue
        from campus.users.services import register_user

        user = register_user(email="bob@example.test", password="correct horse 1", first_name="Bob", last_name="Lee")
        queue("password_changed", user.email, user_id=user.id)
        db.session.commit()
        deliver_due()
    assert [row.attempts for row in queued(app)] == [1]
    make_due(app)
    with app.app_context():
        deliver_due()
    assert queued(app) == []


def test_reset_mails_to_one_address_are_limited(app, client, make_user):
    app.config["PASSWORD_RESET_MAIL_LIMIT"] = "2 per hour"
    make_user(email="bob@example.test")
    answers = [answer_of(ask_for_reset(client, "Bob@Example.test ")) for _ in range(4)]
    assert len(set(answers)) == 1  # the limit answers like anything else
    ask_for_reset(client, "ann@example.test")
    assert [row.recipient for row in queued(app)] == ["bob@example.test"] * 2 + ["ann@example.test"]
    assert [mail.to for mail in delivered(app)] == [["bob@example.test"]] * 2
