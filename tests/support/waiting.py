"""Waiting for what another thread or process does: polling with a bound in time, never a speed
limit (the bound only decides when a test that would hang fails instead)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

WAIT = 15.0  # seconds: a generous bound for one awaited thing on a loaded machine


def eventually(condition: Callable[[], object], *, timeout: float = WAIT, interval: float = 0.05) -> bool:
    """Call `condition` every `interval` seconds until it is true (True) or `timeout` seconds
    have passed (False)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
    return True


def wait_until(condition: Callable[[], object], what: str, *, timeout: float = WAIT, interval: float = 0.05) -> None:
    """`eventually`, failing the test with what it waited for when the time runs out."""
    if not eventually(condition, timeout=timeout, interval=interval):
        pytest.fail(f"waited {timeout}s for {what}")
