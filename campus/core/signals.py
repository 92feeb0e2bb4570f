"""Sending a domain's signals (blinker) after its commit, for the layers above it."""

from __future__ import annotations

import logging

from blinker import NamedSignal
from flask import current_app

log = logging.getLogger(__name__)


def send_after_commit(signal: NamedSignal, **payload) -> None:
    """Send `signal` with the app as sender (call only after the commit it reports).

    An exception in a receiver is logged and does not reach the caller: the change it reports
    is committed and stays.
    """
    try:
        signal.send(current_app._get_current_object(), **payload)
    except Exception:
        log.exception("a %s receiver failed for %s", signal.name, payload)
