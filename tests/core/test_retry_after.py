"""A 429 says when to try again: the `Retry-After` header, and the page's and the API's text."""

from __future__ import annotations

import re

import pytest

from campus.extensions import db
from tests.support.app import config_for
from tests.support.pages import form_csrf


@pytest.fixture
def limited_app(db_url, tmp_path):
    from campus import create_app

    app = create_app(config_for(db_url, tmp_path, LOGIN_RATE_LIMIT="2 per minute"))
    yield app
    with app.app_context():
        db.engine.dispose()


def seconds_in(text: str) -> int:
    return int(re.search(r"try again in (\d+) seconds?", text).group(1))


def test_the_limit_page_says_how_long_to_wait(limited_app):
    client = limited_app.test_client()
    token = form_csrf(client, "/login")
    for _ in range(3):
        response = client.post("/login", data={"email": "x@example.test", "password": "wrong", "csrf_token": token})
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= 60
    assert seconds_in(response.get_data(as_text=True)) == pytest.approx(wait, abs=1)
    assert "slow down" not in response.get_data(as_text=True)


def test_the_api_answer_says_how_long_to_wait(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        response = client.post("/api/v1/auth/token", json={"email": "x@example.test", "password": "wrong"})
    assert response.status_code == 429
    error = response.get_json()["error"]
    assert error["code"] == "rate_limited"
    assert seconds_in(error["message"]) == pytest.approx(int(response.headers["Retry-After"]), abs=1)


def test_the_limit_page_speaks_russian(limited_app):
    client = limited_app.test_client()
    client.set_cookie("lang", "ru")
    token = form_csrf(client, "/login")
    for _ in range(3):
        response = client.post("/login", data={"email": "x@example.test", "password": "wrong", "csrf_token": token})
    assert re.search(r"Слишком много запросов; попробуйте через \d+ секунд", response.get_data(as_text=True))


@pytest.mark.parametrize(
    "seconds, text",
    [(1, "try again in 1 second."), (59, "try again in 59 seconds."), (150, "try again in 3 minutes.")],
)
def test_long_waits_are_told_in_minutes(app, seconds, text):
    from campus.core.errors import retry_message

    with app.test_request_context():
        assert retry_message(seconds).endswith(text)
