"""Every JSON body of the API, fed whatever a client could send (hypothesis,
tests/support/payloads.py): the answer is a success or a 4xx with §4's error body — never a 500.

The operations come from the OpenAPI document, so a new endpoint is covered by being documented.
The size comes from the hypothesis profile (`HYPOTHESIS_PROFILE=long`: 2,000 bodies each).
"""

from __future__ import annotations

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from campus.core.api import ErrorSchema
from tests.support.accounts import Auth
from tests.support.app import app_for, config_for
from tests.support.directory import student_payload
from tests.support.payloads import json_values, shaped
from tests.support.properties import sized


def _json_operations() -> list[tuple[str, str, list[str]]]:
    """(method, path, body field names) of every operation taking JSON, from the document."""
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="campus-openapi-"))
    with app_for(config_for(f"sqlite:///{folder / 'spec.db'}", folder)) as app:
        spec = app.test_client().get("/openapi.json").get_json()
    operations = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {}) if method != "parameters" else {}
            if "application/json" in content:
                ref = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
                operations.append((method.upper(), path, sorted(spec["components"]["schemas"][ref]["properties"])))
    return operations


OPERATIONS = _json_operations()
# These end the caller's sign-in (so the next example would only see 401s); their bodies are
# fuzzed all the same, each with a token of its own.
SIGN_OUTS = {"/api/v1/auth/logout", "/api/v1/users/me/password"}


@pytest.fixture
def admin_world(unthrottled_app, make_user_in):
    """An admin, a student record and a group chat with a message: ids a body may name."""
    app = unthrottled_app
    admin, other = make_user_in(app, "admin"), make_user_in(app, "user")
    headers = Auth(app).headers(admin)
    client = app.test_client()
    major = client.post("/api/v1/majors", json={"name": "Physics"}, headers=headers).get_json()["id"]
    student = client.post("/api/v1/students", json=student_payload(major), headers=headers).get_json()["id"]
    chat = client.post("/api/v1/chats", json={"type": "group", "title": "G", "member_ids": [other]}, headers=headers)
    chat_id = chat.get_json()["id"]
    sent = client.post(f"/api/v1/chats/{chat_id}/messages", json={"client_id": "m1", "body": "hi"}, headers=headers)
    ids = {
        "major_id": major,
        "student_id": student,
        "chat_id": chat_id,
        "user_id": other,
        "message_id": sent.get_json()["id"],
    }
    return app, admin, ids


@pytest.mark.parametrize(("method", "path", "names"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_any_body_gets_a_success_or_a_documented_4xx(admin_world, method, path, names):
    app, admin, ids = admin_world
    client = app.test_client()
    auth = Auth(app)
    url = path.format(**ids)
    headers = auth.headers(admin)
    known = st.sampled_from(sorted(ids.values()))
    fields = {name: st.one_of(known, st.just("Ann Lee"), json_values(4)) for name in names}

    @sized("bodies")
    @given(body=shaped(fields))
    def check(body):
        response = client.open(
            url, method=method, json=body, headers=auth.headers(admin) if path in SIGN_OUTS else headers
        )
        event(str(response.status_code))
        assert response.status_code < 500, (body, response.get_json())
        if response.status_code >= 400:
            error = response.get_json()
            assert ErrorSchema().validate(error) == {}, error
            # `fields` on every 422, and on a 409 that names the field already in use (docs/api.md).
            assert "fields" in error["error"] if response.status_code == 422 else True, error
            assert "fields" not in error["error"] or response.status_code in (409, 422), error

    check()
