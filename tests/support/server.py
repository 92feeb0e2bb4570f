"""The real server for tests: `python wsgi.py` (eventlet or gevent) on a free loopback port.

    server = LiveServer(tmp_path).start()   # migrated, role-seeded SQLite unless database_url given
    requests.get(server.url + "/healthz")
    server.kill(); server.start()           # SIGKILL and restart on the same port and database
    server.stop()

The server's log (mails included, with MAIL_BACKEND=log) is in `server.log_path`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_database(url: str) -> None:
    """Run the migrations and seed the roles, as `flask db upgrade && flask seed roles` would."""
    env = {**os.environ, "DATABASE_URL": url, "CAMPUS_CONFIG": "development", "SOCKETIO_MESSAGE_QUEUE": ""}
    flask = [sys.executable, "-m", "flask", "--app", "campus:create_app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "seed", "roles"], cwd=ROOT, env=env, check=True, capture_output=True)


@contextmanager
def throwaway_postgres_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the PostgreSQL server at `server_url` (its URL), dropped after."""
    url = make_url(server_url)
    name = f"campus_live_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(
        url.set(drivername="postgresql+psycopg2", database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class LiveServer:
    def __init__(
        self,
        tmp_path: Path,
        *,
        database_url: str | None = None,
        mode: str = "eventlet",
        env: dict[str, str] | None = None,
        port: int | None = None,
        prepare: bool = True,
        entry: tuple[str, ...] = ("wsgi.py",),
    ):
        self.tmp_path = Path(tmp_path)
        self.database_url = database_url or f"sqlite:///{self.tmp_path / 'live.db'}"
        self.mode = mode
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.tmp_path / f"server-{self.port}.log"
        self.extra_env = env or {}
        self.entry = entry  # the program's arguments before --host/--port, e.g. ("-m", "module")
        self.process: subprocess.Popen | None = None
        if prepare:
            prepare_database(self.database_url)

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "CAMPUS_CONFIG": "production",
            "SOCKETIO_ASYNC_MODE": self.mode,
            "SECRET_KEY": "live-test-secret",
            "JWT_SECRET_KEY": "live-test-jwt-secret-long-enough-for-hs256",
            "DATABASE_URL": self.database_url,
            "MEDIA_ROOT": str(self.tmp_path / "media"),
            "MAIL_BACKEND": "log",
            "JWT_COOKIE_SECURE": "false",
            "SESSION_COOKIE_SECURE": "false",
            "SOCKETIO_MESSAGE_QUEUE": "",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    def start(self, timeout: float = 30) -> LiveServer:
        with open(self.log_path, "ab") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [sys.executable, *self.entry, "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=ROOT,
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start in {timeout}s:\n{self.log_text()}")

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no clean-up, as a crash would."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
