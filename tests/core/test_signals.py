"""Domain signals sent after a commit: a failing receiver is logged, never the caller's error."""

from __future__ import annotations

import logging

from blinker import Namespace

from campus.core.signals import send_after_commit

something_changed = Namespace().signal("something-changed")


def test_receivers_get_the_app_and_the_payload(app):
    heard = []

    def receiver(sender, **payload):
        heard.append((sender, payload))

    something_changed.connect(receiver)
    try:
        with app.app_context():
            send_after_commit(something_changed, user_id=7)
    finally:
        something_changed.disconnect(receiver)
    assert heard == [(app, {"user_id": 7})]


def test_a_failing_receiver_is_logged_and_not_raised(app, caplog):
    def broken(_sender, **_payload):
        raise RuntimeError("receiver bug")

    something_changed.connect(broken)
    try:
        with app.app_context(), caplog.at_level(logging.ERROR, logger="campus.core.signals"):
            send_after_commit(something_changed, user_id=7)
    finally:
        something_changed.disconnect(broken)
    assert "a something-changed receiver failed for {'user_id': 7}" in caplog.text
    assert "receiver bug" in caplog.text
