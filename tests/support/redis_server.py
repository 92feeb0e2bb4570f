"""A Redis server of a test's own (`redis-server` on a free loopback port, nothing saved), for
tests that stop and start Redis — never the shared one on 6379.

    with RedisServer(tmp_path) as redis:      # redis.url: redis://127.0.0.1:<port>/0
        redis.stop(); redis.start()           # the same port again
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import redis as redis_client

from tests.support.server import free_port, stop_process
from tests.support.services_available import IN_CI
from tests.support.waiting import wait_until


class RedisServer:
    def __init__(self, tmp_path: Path):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            (pytest.fail if IN_CI else pytest.skip)("redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = Path(tmp_path)
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.answers, f"redis-server on port {self.port}")
        return self

    def answers(self) -> bool:
        client = redis_client.Redis.from_url(self.url, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except redis_client.RedisError:
            return False
        finally:
            client.close()

    def stop(self) -> None:
        stop_process(self.process)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
