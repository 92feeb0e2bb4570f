"""Security headers where the sockets are concerned: Engine.IO's own HTTP answers carry them, and
the pages' `connect-src` allows WebSockets to their own origin only."""

from __future__ import annotations


def test_engineio_answers_carry_the_security_headers(client):
    answer = client.get("/socket.io/?EIO=4&transport=polling")
    assert answer.status_code == 200 and answer.get_data(as_text=True).startswith("0{")
    refused = client.get("/socket.io/?EIO=3&transport=polling")  # a protocol it refuses
    for response in (answer, refused):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def connect_sources(response) -> list[str]:
    policy = response.headers["Content-Security-Policy"]
    directive = next(part.strip() for part in policy.split(";") if part.strip().startswith("connect-src"))
    return directive.split()[1:]


def test_pages_connect_only_to_their_own_origin(client):
    assert connect_sources(client.get("/login")) == ["'self'", "ws://localhost"]
    assert connect_sources(client.get("/login", base_url="https://campus.example.edu")) == [
        "'self'",
        "wss://campus.example.edu",
    ]
