"""Limits Campus counts itself, in flask-limiter's storage (`RATELIMIT_STORAGE_URI`: Redis shares
them between workers): per target account rather than per endpoint and client address.

Keys name a scope and a digest of the account's email, so the storage holds no address.
"""

from __future__ import annotations

import hashlib
import math
import time

from limits import RateLimitItem, parse_many

from campus.extensions import limiter


def account_key(email: str) -> str:
    """A stable key for an email address, known to Campus or not (the same work either way)."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _items(limit: str) -> list[RateLimitItem]:
    return parse_many(limit)


def allowed(limit: str, *key: str) -> bool:
    """Whether one more would fit under every part of `limit` (e.g. "5 per minute; 20 per hour")."""
    return all(limiter.limiter.test(item, *key) for item in _items(limit))


def hit(limit: str, *key: str) -> bool:
    """Count one if it fits under `limit` and say whether it did (nothing is counted otherwise)."""
    if not allowed(limit, *key):
        return False
    for item in _items(limit):
        limiter.limiter.hit(item, *key)
    return True


def retry_after(limit: str, *key: str) -> int:
    """Seconds until one more fits under `limit` (at least 1)."""
    waits = [
        stats.reset_time - time.time()
        for item in _items(limit)
        if (stats := limiter.limiter.get_window_stats(item, *key)).remaining <= 0
    ]
    return max(1, math.ceil(max(waits, default=1)))


def clear(limit: str, *key: str) -> None:
    for item in _items(limit):
        limiter.limiter.clear(item, *key)
