"""`/metrics`: Prometheus text behind `METRICS_TOKEN` (404 while unset, 401 with a wrong token),
with the series of docs/design.md#metrics after a chat session."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.app import app_for, config_for
from tests.support.chat_client import new_client_id

TOKEN = "metrics-token-for-tests"


@pytest.fixture
def metrics_app(db_url, tmp_path):
    with app_for(config_for(db_url, tmp_path, METRICS_TOKEN=TOKEN)) as app:
        yield app


def scrape(client) -> dict[str, list]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return {family.name: family.samples for family in text_string_to_metric_families(response.get_data(as_text=True))}


def value(samples: list, name: str, **labels) -> float:
    found = [s.value for s in samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    return sum(found)


def test_metrics_are_off_without_a_token(client):
    assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_metrics_refuse_a_wrong_token(metrics_app, header):
    headers = {"Authorization": header} if header else {}
    response = metrics_app.test_client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "token_invalid"


def test_metrics_after_a_chat_session(metrics_app, make_user, auth):
    from campus.extensions import socketio

    client = metrics_app.test_client()
    before = scrape(client)
    ann, bob = make_user(), make_user()
    chat = client.post("/api/v1/chats", json={"type": "private", "user_id": bob}, headers=auth.headers(ann)).get_json()
    socket = socketio.test_client(metrics_app, namespace="/chat", auth={"token": auth.token(ann)})
    try:
        during = scrape(client)
        ok = socket.emit(
            "send_message",
            {"chat_id": chat["id"], "client_id": new_client_id(), "body": "hi"},
            namespace="/chat",
            callback=True,
        )
        refused = socket.emit("send_message", {"chat_id": chat["id"]}, namespace="/chat", callback=True)
    finally:
        socket.disconnect(namespace="/chat")
    assert ok["ok"] and not refused["ok"]
    after = scrape(client)

    assert value(during["campus_sockets"], "campus_sockets", namespace="/chat") == 1
    assert value(after["campus_sockets"], "campus_sockets", namespace="/chat") == 0
    events = "campus_socket_events_total"
    for outcome in ("ok", "validation_error"):
        grew = value(after["campus_socket_events"], events, event="send_message", outcome=outcome) - value(
            before["campus_socket_events"], events, event="send_message", outcome=outcome
        )
        assert grew == 1, outcome
    acks = after["campus_socket_ack_seconds"]
    assert value(acks, "campus_socket_ack_seconds_count", event="send_message") >= 2
    http = after["campus_http_request_seconds"]
    assert (
        value(http, "campus_http_request_seconds_count", endpoint="chats_api.create_chat", method="POST", status="2xx")
        >= 1
    )
    assert "campus_queue_lag_seconds" in after
    assert "campus_db_pool_connections" in after
    assert value(after["campus_socket_events_in_flight"], "campus_socket_events_in_flight") == 0
