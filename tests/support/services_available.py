"""PostgreSQL and Redis for tests: used when reachable; in CI their absence is a failure."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_URL = os.environ.get("CAMPUS_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("CAMPUS_REDIS_URL", "redis://127.0.0.1:6379/15")


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url.replace("postgresql+psycopg2", "postgresql"))
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def _require(name: str, url: str, port: int) -> None:
    if _reachable(url, port):
        return
    message = f"{name} is not reachable at {url}"
    if IN_CI:
        pytest.fail(message + " (CI must run these tests, never skip them)")
    pytest.skip(message)


def require_postgres(url: str = POSTGRES_URL) -> str:
    _require("PostgreSQL", url, 5432)
    return url


def require_redis(url: str = REDIS_URL) -> str:
    _require("Redis", url, 6379)
    return url
