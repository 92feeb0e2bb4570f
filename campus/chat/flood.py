"""The chat's flood limit: one token bucket per user for socket events and HTTP sends alike.

HTTP rate limits (flask-limiter) do not cover socket events, and a client blocked on the socket
must not get around it by sending over `POST /chats/{id}/messages`: both take from the same
bucket, with the settings `CHAT_EVENT_RATE` (events a second) and `CHAT_EVENT_BURST`.
"""

from __future__ import annotations

import threading
import time

from flask import Flask, current_app
from flask_babel import gettext as _

from campus.core.errors import RateLimited


class EventBudget:
    """A token bucket per user: `rate` events a second, bursts up to `burst`.

    Kept in the worker's memory: exact for one process; with several workers each allows the
    rate, which still bounds a flood.
    """

    def __init__(self) -> None:
        self._buckets: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, user_id: int, rate: float, burst: float, cost: float = 1) -> bool:
        """Take one event from the user's bucket; False when it is empty. `cost` events are
        taken when the bucket holds at least one: an expensive call may leave it in debt, which
        the next events wait out."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(user_id, (burst, now))
            tokens = min(burst, tokens + (now - last) * rate)
            if tokens < 1:
                self._buckets[user_id] = (tokens, now)
                return False
            self._buckets[user_id] = (max(tokens - cost, -burst), now)
            if len(self._buckets) > 100_000:  # forget idle users now and then
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
            return True

    def give_back(self, user_id: int, burst: float) -> None:
        """Return one event taken for work that was not done (`campus.chat.fast_events`, handing
        an event to the full path, which takes it again)."""
        with self._lock:
            found = self._buckets.get(user_id)
            if found is not None:
                self._buckets[user_id] = (min(burst, found[0] + 1), found[1])


def budget_of(app: Flask) -> EventBudget:
    """The app's budget (one per app: tests build many)."""
    return app.extensions.get("campus_chat_budget") or app.extensions.setdefault("campus_chat_budget", EventBudget())


def _budget() -> EventBudget:
    return budget_of(current_app)


def check_flood(user_id: int) -> None:
    """Take one event from the user's budget; `RateLimited` when it is spent."""
    config = current_app.config
    if not _budget().take(user_id, config["CHAT_EVENT_RATE"], config["CHAT_EVENT_BURST"]):
        raise RateLimited(_("Too many events; slow down."))


def charge_flood(user_id: int, events: float) -> None:
    """Take `events` more from the user's budget for work already done (a large `sync`),
    possibly leaving it in debt: the next events are refused until it refills."""
    if events > 0:
        config = current_app.config
        _budget().take(user_id, config["CHAT_EVENT_RATE"], config["CHAT_EVENT_BURST"], cost=events)
