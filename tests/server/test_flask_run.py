"""`flask run` as a developer types it: threading mode serves pages, the API and Socket.IO over
the websocket transport (simple-websocket on Werkzeug's server)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests

from tests.server.clients import ChatClient
from tests.support.chat_client import CampusApi
from tests.support.server import ROOT, free_port, prepare_database, stop_process, wait_until_healthy

pytestmark = pytest.mark.server


@pytest.fixture
def flask_run(tmp_path):
    """`flask run` on a free port with the development configuration (app from .flaskenv)."""
    database_url = f"sqlite:///{tmp_path / 'dev.db'}"
    prepare_database(database_url)
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SOCKETIO_ASYNC_MODE", "FLASK_DEBUG", "FLASK_APP")
    }
    env.update(
        {
            "CAMPUS_CONFIG": "development",
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": str(tmp_path / "media"),
            "SOCKETIO_MESSAGE_QUEUE": "",
            "PYTHONUNBUFFERED": "1",
        }
    )
    log_path = tmp_path / "flask-run.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "run", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(process, url, log_path.read_text)
        yield url, log_path
    finally:
        stop_process(process)


def test_flask_run_serves_pages_and_socketio_over_websocket(flask_run):
    url, log_path = flask_run
    home = requests.get(url + "/", timeout=30)
    assert home.status_code == 200 and home.headers["Content-Type"].startswith("text/html")

    token = CampusApi(url).register("live").token
    accepted = ChatClient().connect(url, auth={"token": token})
    refused = ChatClient().connect(url)
    try:
        assert accepted.connected, log_path.read_text()
        assert accepted.sio.transport() == "websocket"
        assert refused.refused_with() == "token_missing"
    finally:
        accepted.close()
        refused.close()
    # Werkzeug's development server, as `flask run` gives it: not an eventlet/gevent server.
    assert "Running on http://127.0.0.1:" in log_path.read_text()
