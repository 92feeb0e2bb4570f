"""The real server for tests: `python wsgi.py` (eventlet or gevent) on a free loopback port.

    server = LiveServer(tmp_path).start()   # migrated SQLite unless database_url given
    requests.get(server.url + "/healthz")
    server.kill(); server.start()           # SIGKILL and restart on the same port and database
    server.flask("seed", "demo")            # a `flask` command on its database, as an operator runs it
    server.stop()

The server's log (mails included, with MAIL_BACKEND=log) is in `server.log_path`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import requests

from tests.support.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
# Accounts are registered over HTTP; the login limit is for people, not for a test's dozen users.
LIFTED_LOGIN_LIMIT = {"LOGIN_RATE_LIMIT": "1000 per minute"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask_command(database_url: str, *args: str) -> str:
    """`flask <args>` on the database at `database_url`, as an operator runs it; its output."""
    env = {**os.environ, "DATABASE_URL": database_url, "CAMPUS_CONFIG": "development", "SOCKETIO_MESSAGE_QUEUE": ""}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "campus:create_app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def prepare_database(url: str) -> None:
    """Run the migrations (which seed the roles), as `flask db upgrade` does."""
    flask_command(url, "db", "upgrade")


def wait_until_healthy(process: subprocess.Popen, url: str, log_text: Callable[[], str], timeout: float = 30) -> None:
    """Poll `url`/healthz until it answers 200; RuntimeError with the server's log if the process
    exits first or the time runs out."""

    def answering() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log_text()}")
        try:
            return requests.get(url + "/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    if not eventually(answering, timeout=timeout, interval=0.1):
        raise RuntimeError(f"server did not answer /healthz in {timeout}s:\n{log_text()}")


def stop_process(process: subprocess.Popen | None) -> None:
    """SIGTERM, then SIGKILL if it has not ended within ten seconds."""
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


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
        program: str = sys.executable,
    ):
        self.tmp_path = Path(tmp_path)
        self.database_url = database_url or f"sqlite:///{self.tmp_path / 'live.db'}"
        self.mode = mode
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.tmp_path / f"server-{self.port}.log"
        self.extra_env = env or {}
        self.entry = entry  # the program's arguments before --host/--port, e.g. ("-m", "module")
        self.program = program  # e.g. "node" for the bench's Node peer
        self.process: subprocess.Popen | None = None
        if prepare:
            prepare_database(self.database_url)

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "CAMPUS_CONFIG": "production",
            "SOCKETIO_ASYNC_MODE": self.mode,
            "SECRET_KEY": "live-test-secret-long-enough-for-production",
            "JWT_SECRET_KEY": "live-test-jwt-secret-long-enough-for-hs256",
            "PUBLIC_URL": self.url,
            "DATABASE_URL": self.database_url,
            "MEDIA_ROOT": str(self.tmp_path / "media"),
            "MAIL_BACKEND": "log",
            "JWT_COOKIE_SECURE": "false",
            "SESSION_COOKIE_SECURE": "false",
            "SOCKETIO_MESSAGE_QUEUE": "",
            "PYTHONUNBUFFERED": "1",
            # Tests and benches register accounts over HTTP and chat at once, without opening a
            # mailed link (tests/users/test_registration.py covers verification).
            "REGISTRATION_MODE": "open",
            "MAIL_QUEUE_INTERVAL": "0.5",  # mail is sent from the queue: soon, for the tests that read it
            **self.extra_env,
        }

    def start(self, timeout: float = 30) -> LiveServer:
        with open(self.log_path, "ab") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [self.program, *self.entry, "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=ROOT,
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until_healthy(self.process, self.url, self.log_text, timeout)
        except RuntimeError:
            self.stop()
            raise
        return self

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no clean-up, as a crash would."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        stop_process(self.process)

    def flask(self, *args: str) -> str:
        """`flask <args>` on this server's database (e.g. `users create-admin`); its output."""
        return flask_command(self.database_url, *args)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
