"""Who is online: connected sockets counted per user.

The count lives in the worker's memory: exact with one server process (the SQLite default).
With several workers each counts its own sockets, so "online" means "connected to this worker"
when a worker is asked, and an "offline" announced by one worker while the user still has a tab
on another is corrected by that tab's next connect. Correct enough for a dot in the UI; the
truth about delivery never depends on it (rooms and `sync` do).
"""
from __future__ import annotations

import threading
from collections import Counter

from flask import current_app


class PresenceCounter:
    """Sockets per user in this process; thread-safe (the threading server runs events in threads)."""

    def __init__(self) -> None:
        self._counts: Counter[int] = Counter()
        self._lock = threading.Lock()

    def connected(self, user_id: int) -> bool:
        """Count a new socket; True when it is the user's first (they came online)."""
        with self._lock:
            self._counts[user_id] += 1
            return self._counts[user_id] == 1

    def disconnected(self, user_id: int) -> bool:
        """Count a closed socket; True when it was the user's last (they went offline)."""
        with self._lock:
            if self._counts[user_id] <= 1:
                self._counts.pop(user_id, None)
                return True
            self._counts[user_id] -= 1
            return False

    def is_online(self, user_id: int) -> bool:
        return self._counts.get(user_id, 0) > 0


def presence() -> PresenceCounter:
    """This app's counter (tests build many apps; each starts with nobody online)."""
    return current_app.extensions.setdefault("campus_chat_presence", PresenceCounter())
