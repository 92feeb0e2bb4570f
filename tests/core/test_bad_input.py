"""Bad input is a clear 4xx with the error body of docs/api.md — never a 500, never half-written data.

The stack's holes (docs/design.md#strict-input): deeply nested JSON (RecursionError), wrong content types,
oversized bodies, NUL bytes and lone surrogates, 2**70 and "12" for an integer, unknown fields.
"""

from __future__ import annotations

import json

import pytest
from marshmallow import ValidationError

from campus.core.schemas import Bool, Id, Int, StrictSchema, Text
from tests.support.accounts import bearer
from tests.support.directory import student_payload

REGISTER = "/api/v1/auth/register"
GOOD = {"email": "ann@example.test", "password": "long enough 1", "first_name": "Ann", "last_name": "Lee"}


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    assert ("fields" in error) == (status == 422)
    return error


def user_count(app) -> int:
    from sqlalchemy import func, select

    from campus.extensions import db
    from campus.users.models import User

    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def post_raw(client, data, content_type="application/json", path=REGISTER, **kwargs):
    return client.post(path, data=data, content_type=content_type, **kwargs)


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b'{"email": }',
        b"{'email': 'single quotes'}",
        b'{"email": "a"} trailing',
        b"\xff\xfe not utf-8",
        b'{"email": "\\ud800"',
    ],
    ids=["unclosed", "missing-value", "single-quotes", "trailing", "not-utf8", "truncated"],
)
def test_malformed_json_is_400(app, client, raw):
    assert error_of(post_raw(client, raw), 400)["code"] == "malformed_json"
    assert user_count(app) == 0


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000,
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 30_000 + b"1" + b"}" * 30_000,
        b"[" * 40 + b"]" * 40,
    ],
    ids=["open-brackets", "balanced-brackets", "nested-objects", "just-past-the-limit"],
)
def test_deeply_nested_json_is_400_not_500(client, raw):
    assert error_of(post_raw(client, raw), 400)["code"] == "malformed_json"


@pytest.mark.parametrize(
    "content_type, data",
    [
        ("text/plain", json.dumps(GOOD)),
        ("application/x-www-form-urlencoded", "email=ann%40example.test&password=long+enough+1"),
        (
            "multipart/form-data; boundary=x",
            '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\na\r\n--x--\r\n',
        ),
        ("application/xml", "<user/>"),
    ],
)
def test_wrong_content_type_is_415(app, client, content_type, data):
    assert error_of(post_raw(client, data, content_type=content_type), 415)["code"] == "unsupported_media_type"
    assert user_count(app) == 0


def test_oversized_body_is_413(app, client):
    body = json.dumps({**GOOD, "first_name": "A" * (app.config["MAX_JSON_LENGTH"] + 1)})
    assert error_of(post_raw(client, body), 413)["code"] == "too_large"
    assert user_count(app) == 0


def test_body_beyond_max_content_length_is_413(app, client):
    body = b" " * (app.config["MAX_CONTENT_LENGTH"] + 1)
    error_of(post_raw(client, body), 413)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"first_name": "A\x00nn"}, "first_name"),
        ({"last_name": "\x00"}, "last_name"),
        ({"password": "long enough\x00 1"}, "password"),
        ({"first_name": "\ud800"}, "first_name"),
        ({"last_name": "Lee\udfff"}, "last_name"),
        ({"email": "ann\x00@example.test"}, "email"),
        ({"first_name": 2**70}, "first_name"),
        ({"first_name": ["Ann"]}, "first_name"),
        ({"first_name": {"$ne": ""}}, "first_name"),
        ({"first_name": None}, "first_name"),
        ({"phone": 79123456789}, "phone"),
        ({"role": "admin"}, "role"),
        ({"is_active": False}, "is_active"),
        ({"id": 1}, "id"),
        ({"external_id": "42"}, "external_id"),
    ],
)
def test_bad_fields_at_registration_are_422_with_fields(app, client, changes, field):
    error = error_of(client.post(REGISTER, json={**GOOD, **changes}), 422)
    assert error["code"] == "validation_error"
    assert field in error["fields"] and error["fields"][field]
    assert user_count(app) == 0


@pytest.mark.parametrize("raw", [b"[]", b'"text"', b"42", b"null", b"true", b"[{}]"])
def test_a_body_that_is_not_an_object_is_422(app, client, raw):
    error_of(post_raw(client, raw), 422)
    assert user_count(app) == 0


def test_lone_surrogate_sent_as_a_json_escape_is_422(client):
    raw = json.dumps({**GOOD, "first_name": "X"}).replace('"X"', '"\\ud83d"').encode()
    assert "first_name" in error_of(post_raw(client, raw), 422)["fields"]


@pytest.mark.parametrize("raw", [b'{"limit": NaN}', b'{"limit": Infinity}', b'{"limit": 1e400}'])
def test_non_finite_numbers_do_not_crash(client, raw):
    error = error_of(post_raw(client, raw), 422)
    assert error["code"] == "validation_error"


# --- integers, where the API takes them -----------------------------------------------------


@pytest.mark.parametrize("limit", [str(2**70), "-1", "0", "101", "1.5", "ten", "\x00"])
def test_bad_integers_in_the_query_are_422(client, make_user, auth, limit):
    user_id = make_user()
    response = client.get("/api/v1/users", query_string={"q": "a", "limit": limit}, headers=auth.headers(user_id))
    assert "limit" in error_of(response, 422)["fields"]


@pytest.mark.parametrize("field", ["course", "enrollment_year", "major_id", "user_id"])
@pytest.mark.parametrize("value", [2**70, -(2**70), "12", "1", 1.0, 1.5, True, [1], {"n": 1}])
def test_bad_integers_in_json_bodies_are_422(app, client, make_user, auth, make_major, field, value):
    from sqlalchemy import func, select

    from campus.extensions import db
    from campus.students.models import Student

    headers = auth.headers(make_user("admin"))
    body = {**student_payload(make_major()), field: value}  # a valid body, one field spoiled
    error = error_of(client.post("/api/v1/students", json=body, headers=headers), 422)
    assert field in error["fields"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Student.id))) == 0


class _NumberSchema(StrictSchema):
    count = Int(required=True)
    user_id = Id(required=True)
    name = Text()
    flag = Bool()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"count": 2**70, "user_id": 1}, "count"),
        ({"count": -(2**70), "user_id": 1}, "count"),
        ({"count": "12", "user_id": 1}, "count"),
        ({"count": 12.0, "user_id": 1}, "count"),
        ({"count": 12.5, "user_id": 1}, "count"),
        ({"count": True, "user_id": 1}, "count"),
        ({"count": None, "user_id": 1}, "count"),
        ({"count": 1, "user_id": 0}, "user_id"),
        ({"count": 1, "user_id": "1"}, "user_id"),
        ({"count": 1, "user_id": 2**53}, "user_id"),
        ({"count": 1, "user_id": 1, "name": "a\x00"}, "name"),
        ({"count": 1, "user_id": 1, "name": "\udc00"}, "name"),
        ({"count": 1, "user_id": 1, "role": "admin"}, "role"),
        ({"count": 1, "user_id": 1, "flag": 1}, "flag"),
        ({"count": 1, "user_id": 1, "flag": 0}, "flag"),
        ({"count": 1, "user_id": 1, "flag": "true"}, "flag"),
        ({"count": 1, "user_id": 1, "flag": "off"}, "flag"),
    ],
)
def test_core_fields_refuse_what_marshmallow_alone_accepts(data, field):
    """The building blocks every JSON schema uses (`Int`, `Id`, `Text`, `Bool`, `StrictSchema`)."""
    with pytest.raises(ValidationError) as caught:
        _NumberSchema().load(data)
    assert field in caught.value.messages


def test_core_fields_accept_good_values():
    assert _NumberSchema().load({"count": -5, "user_id": 2**53 - 1, "name": " Анна ", "flag": False}) == {
        "count": -5,
        "user_id": 2**53 - 1,
        "name": "Анна",
        "flag": False,
    }


# --- unknown URLs and methods ---------------------------------------------------------------


def test_unknown_api_path_is_a_json_404(client):
    error = error_of(client.get("/api/v1/no-such-thing"), 404)
    assert error["code"] == "not_found"


def test_wrong_method_on_the_api_is_a_json_405(client):
    response = client.get(REGISTER)
    error = error_of(response, 405)
    assert error["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


def test_unknown_page_is_an_html_404_for_browsers(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "404" in response.get_data(as_text=True)


def test_unknown_page_is_json_for_json_clients(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


# --- ids in URLs ----------------------------------------------------------------------------


@pytest.mark.parametrize("number", [2**53, 2**63, 2**70])
def test_huge_ids_in_any_url_are_4xx_not_500(app, client, make_user, auth, number):
    """Every route with an `<int:...>` part, as a super_admin (API by Bearer, pages by cookie)."""
    admin = make_user("super_admin")
    pair = auth.sign_in(client, admin)
    headers = bearer(pair["access_token"])
    rules = [rule for rule in app.url_map.iter_rules() if "<int:" in rule.rule]
    assert any(rule.rule.startswith("/admin/") for rule in rules)
    for rule in rules:
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", str(number))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, headers=headers)
            # Not 405 either (werkzeug's answer when a converter refuses a value another method's
            # rule shares): the document promises 404 for an id that names nothing.
            assert response.status_code == 404, (method, path, response.status_code)


def test_the_largest_safe_id_is_still_a_plain_404(client, make_user, auth):
    headers = auth.headers(make_user("admin"))
    response = client.get(f"/api/v1/majors/{2**53 - 1}", headers=headers)
    assert error_of(response, 404)["code"] == "not_found"
