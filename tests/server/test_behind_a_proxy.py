"""`python wsgi.py --proxies 1`: behind nginx, the login rate limit counts per client, not per proxy.

Without the option, X-Forwarded-For is not believed, so a client cannot dodge the limit by
inventing addresses.
"""

from __future__ import annotations

import re

import pytest
import requests

from tests.server.clients import ChatClient
from tests.support.chat_client import CampusApi
from tests.support.pages import CSRF_INPUT
from tests.support.server import LiveServer
from tests.support.waiting import eventually

pytestmark = pytest.mark.server

LIMIT = 2  # logins per minute per client address


def start(tmp_path, *options: str) -> LiveServer:
    env = {"LOGIN_RATE_LIMIT": f"{LIMIT} per minute", "TRUSTED_HOSTS": "127.0.0.1,campus.example.edu"}
    return LiveServer(tmp_path, entry=("wsgi.py", *options), env=env).start()


def login(server: LiveServer, client_address: str) -> int:
    return requests.post(
        server.url + "/api/v1/auth/token",
        timeout=60,
        headers={"X-Forwarded-For": client_address},
        json={"email": "nobody@example.test", "password": "wrong password"},
    ).status_code


@pytest.fixture
def server_behind_nginx(tmp_path):
    server = start(tmp_path, "--proxies", "1")
    yield server
    server.stop()


@pytest.fixture
def server_facing_clients(tmp_path):
    server = start(tmp_path)
    yield server
    server.stop()


def test_behind_a_proxy_each_client_has_its_own_login_limit(server_behind_nginx):
    assert [login(server_behind_nginx, "203.0.113.1") for _ in range(LIMIT + 1)] == [401] * LIMIT + [429]
    assert login(server_behind_nginx, "203.0.113.2") == 401


def test_without_proxies_a_forged_forwarded_for_does_not_reset_the_limit(server_facing_clients):
    assert [login(server_facing_clients, "203.0.113.1") for _ in range(LIMIT + 1)] == [401] * LIMIT + [429]
    assert login(server_facing_clients, "203.0.113.2") == 429


def test_behind_a_proxy_sockets_still_connect_over_websocket(server_behind_nginx):
    token = CampusApi(server_behind_nginx.url).register("live").token
    client = ChatClient().connect(
        server_behind_nginx.url,
        auth={"token": token},
        headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "http"},
    )
    try:
        assert client.connected and client.sio.transport() == "websocket"
    finally:
        client.close()


def test_behind_a_proxy_the_handshake_accepts_the_public_origin_only(server_behind_nginx):
    """nginx passes Host and X-Forwarded-Proto (docs/deployment.md): the browser's origin is the
    public https one, which is Campus's own."""

    def handshake(origin: str) -> int:
        return requests.get(
            server_behind_nginx.url + "/socket.io/?EIO=4&transport=polling",
            timeout=30,
            headers={
                "Host": "campus.example.edu",
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": "203.0.113.9",
                "Origin": origin,
            },
        ).status_code

    assert handshake("https://campus.example.edu") == 200
    assert handshake("http://campus.example.edu") == 400
    assert handshake("https://evil.example") == 400


def test_behind_a_proxy_a_forwarded_host_from_the_client_is_not_believed(server_behind_nginx):
    """nginx passes Host and never sets X-Forwarded-Host: one that arrives came from the client."""
    response = requests.get(
        server_behind_nginx.url + "/socket.io/?EIO=4&transport=polling",
        timeout=30,
        headers={
            "Host": "campus.example.edu",
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Proto": "https",
            "Origin": "https://evil.example",
        },
    )
    assert response.status_code == 400


def test_a_host_outside_trusted_hosts_is_refused(server_behind_nginx):
    response = requests.get(server_behind_nginx.url + "/login", timeout=30, headers={"Host": "evil.example"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "untrusted_host"


def test_a_reset_link_is_built_from_the_public_url_whatever_the_request_says(server_behind_nginx):
    server = server_behind_nginx
    email = "victim@example.test"
    CampusApi(server.url).register("victim", email=email)
    browser = requests.Session()
    page = browser.get(server.url + "/forgot-password", timeout=30)
    token = CSRF_INPUT.search(page.text).group(1)
    answer = browser.post(
        server.url + "/forgot-password",
        timeout=30,
        data={"email": email, "csrf_token": token},
        headers={"X-Forwarded-Host": "evil.example"},
        allow_redirects=False,
    )
    assert answer.status_code == 302
    assert eventually(lambda: "/reset-password/" in server.log_text())
    links = re.findall(r"(\S+)/reset-password/", server.log_text())
    assert links == [server.url]
