"""The OpenAPI document (from the marshmallow schemas) and Swagger UI at /docs from local assets."""

from __future__ import annotations

import re
from datetime import date

import pytest

from campus.core.api import ErrorSchema
from tests.support.directory import student_payload

SECTION_4 = {
    "/api/v1/auth/register": {"post"},
    "/api/v1/auth/token": {"post"},
    "/api/v1/auth/refresh": {"post"},
    "/api/v1/auth/logout": {"post"},
    "/api/v1/users/me": {"get", "patch"},
    "/api/v1/users": {"get"},
    "/api/v1/majors": {"get", "post"},
    "/api/v1/majors/{major_id}": {"get", "patch", "delete"},
    "/api/v1/students": {"get", "post"},
    "/api/v1/students/{student_id}": {"get", "patch", "delete"},
    "/api/v1/students/{student_id}/photo": {"post"},
}
PUBLIC = {("/api/v1/auth/register", "post"), ("/api/v1/auth/token", "post")}


@pytest.fixture
def spec(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200 and response.is_json
    return response.get_json()


def resolve(spec, ref: str) -> dict:
    node = spec
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


def test_the_document_lists_the_section_4_endpoints(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "Campus API"
    for path, methods in SECTION_4.items():
        assert path in spec["paths"], path
        assert methods <= set(spec["paths"][path]), (path, methods)


def test_every_api_route_is_documented(app, spec):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = openapi_path(rule.rule)
        assert path in spec["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in spec["paths"][path], (path, method)


def test_bodies_come_from_the_marshmallow_schemas(spec):
    register = spec["paths"]["/api/v1/auth/register"]["post"]
    schema = resolve(spec, register["requestBody"]["content"]["application/json"]["schema"]["$ref"])
    assert {"email", "password", "first_name", "last_name", "phone", "invitation"} == set(schema["properties"])
    assert schema["additionalProperties"] is False  # unknown fields are refused
    assert schema["properties"]["password"]["writeOnly"] is True
    user = resolve(spec, register["responses"]["201"]["content"]["application/json"]["schema"]["$ref"])
    assert not any("password" in name for name in user["properties"])


def test_the_422_error_schema_is_section_4s_body(spec):
    response = spec["paths"]["/api/v1/auth/register"]["post"]["responses"]["422"]
    envelope = resolve(spec, resolve(spec, response["$ref"])["content"]["application/json"]["schema"]["$ref"])
    assert envelope["required"] == ["error"]
    detail = resolve(spec, envelope["properties"]["error"]["$ref"])
    assert set(detail["properties"]) == {"code", "message", "fields"}
    assert detail["properties"]["fields"]["additionalProperties"] == {"type": "array", "items": {"type": "string"}}
    assert set(detail["required"]) == {"code", "message"}


def test_real_error_bodies_match_the_documented_schema(client):
    bodies = [
        client.post("/api/v1/auth/register", json={"role": "admin"}).get_json(),
        client.get("/api/v1/users/me").get_json(),
        client.get("/api/v1/nowhere").get_json(),
    ]
    for body in bodies:
        assert ErrorSchema().validate(body) == {}, body


def test_protected_operations_require_a_bearer_token(spec):
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            if (path, method) in PUBLIC:
                assert "security" not in operation, (path, method)
            else:
                hint = "use login_required / permission_required, or @documented_auth (DEVELOPERS.md)"
                assert operation.get("security") == [{"bearerAuth": []}], (path, method, hint)
                assert "401" in operation["responses"], (path, method)
    assert "403" in spec["paths"]["/api/v1/users"]["get"]["responses"]
    assert "403" in spec["paths"]["/api/v1/majors"]["post"]["responses"]


def test_docs_page_uses_only_local_assets_and_no_inline_script(client):
    response = client.get("/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset
        assert client.get(asset).status_code == 200, asset
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts and all('src="' in attributes and not body.strip() for attributes, body in scripts)
    assert 'data-spec-url="/openapi.json"' in html


def test_the_photo_endpoints_document_their_multipart_body_and_image(spec):
    """So clients (and a fuzzer) know the upload is multipart field `photo` and the answer an image."""
    photo = spec["paths"]["/api/v1/students/{student_id}/photo"]
    body = photo["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["required"] == ["photo"] and body["properties"]["photo"]["format"] == "binary"
    assert {"200", "404", "413", "415", "422"} <= set(photo["post"]["responses"])
    assert "image/*" in photo["get"]["responses"]["200"]["content"]
    assert "404" in photo["get"]["responses"]


@pytest.mark.parametrize("path", ["/api/v1/users/me", "/api/v1/majors/{major_id}", "/api/v1/students/{student_id}"])
def test_partial_updates_document_their_body_as_optional(spec, path):
    """Every field of these PATCH bodies is optional, so an absent body is an empty change (a 200)."""
    assert spec["paths"][path]["patch"]["requestBody"]["required"] is False


# --- the document as strict as validation (docs/design.md#the-openapi-document) ---------------


def json_schema(spec: dict, node):
    """`node` of the document as plain JSON Schema: references resolved, `nullable` as a type."""
    if isinstance(node, list):
        return [json_schema(spec, item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return json_schema(spec, resolve(spec, node["$ref"]))
    out = {key: json_schema(spec, value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


def body_schema(spec: dict, method: str, path: str) -> dict:
    body = spec["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return json_schema(spec, body)


def document_accepts(spec, method: str, path: str, body) -> bool:
    import jsonschema

    validator = jsonschema.Draft7Validator(body_schema(spec, method, path), format_checker=jsonschema.FormatChecker())
    return validator.is_valid(body)


def test_every_request_body_refuses_unknown_fields(spec):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                assert body_schema(spec, method, path)["additionalProperties"] is False, (method, path)


REGISTER = {"email": "ann@example.test", "password": "correct horse 1", "first_name": "Ann", "last_name": "Lee"}
THIS_YEAR = date.today().year
# (method, path, body the server refuses with a 4xx): the document must refuse it too.
REFUSED = [
    ("post", "/api/v1/auth/register", {**REGISTER, "email": "not-an-address"}),
    ("post", "/api/v1/auth/register", {**REGISTER, "phone": "call me"}),
    ("post", "/api/v1/auth/register", {**REGISTER, "first_name": "   "}),
    ("post", "/api/v1/auth/register", {**REGISTER, "last_name": "Lee\u0000"}),
    ("post", "/api/v1/auth/register", {**REGISTER, "role": "admin"}),
    ("patch", "/api/v1/users/me", {"phone": "12"}),
    ("post", "/api/v1/students", "student", {"enrollment_year": 2001}),
    ("post", "/api/v1/students", "student", {"enrollment_year": THIS_YEAR + 1}),
    ("post", "/api/v1/students", "student", {"email": "nobody"}),
    ("post", "/api/v1/students", "student", {"phone_number": "twelve"}),
    ("patch", "/api/v1/students/{student_id}", {"enrollment_year": THIS_YEAR + 1}),
    ("post", "/api/v1/chats", {"type": "private"}),
    ("post", "/api/v1/chats", {"type": "private", "user_id": 2, "title": "Us"}),
    ("post", "/api/v1/chats", {"type": "private", "user_id": 2, "member_ids": [3]}),
    ("post", "/api/v1/chats", {"type": "group", "member_ids": [2]}),
    ("post", "/api/v1/chats", {"type": "group", "title": "Club", "user_id": 2}),
    ("post", "/api/v1/chats/{chat_id}/messages", {"client_id": "c1"}),
    ("post", "/api/v1/chats/{chat_id}/messages", {"client_id": "c1", "body": " \n "}),
    ("post", "/api/v1/chats/{chat_id}/messages", {"client_id": "c1", "body": None, "attachment_id": None}),
    ("post", "/api/v1/chats/{chat_id}/messages", {"client_id": "c1", "body": "x" * 4001}),
    ("post", "/api/v1/chats/{chat_id}/messages", {"client_id": "c1", "body": "a\u0000b"}),
    ("post", "/api/v1/chats/{chat_id}/messages", {"client_id": "   ", "body": "hi"}),
]
ACCEPTED = [
    ("post", "/api/v1/auth/register", {**REGISTER, "phone": "+7 912 345-67-89"}),
    ("post", "/api/v1/auth/register", {**REGISTER, "phone": None}),
    ("post", "/api/v1/students", "student", {"enrollment_year": THIS_YEAR, "course": 1}),
    ("post", "/api/v1/chats", {"type": "private", "user_id": "other"}),
    ("post", "/api/v1/chats", {"type": "group", "title": "Club", "member_ids": ["other"]}),
    ("post", "/api/v1/chats/{chat_id}/messages", {"client_id": "c2", "body": "  hi"}),
    ("post", "/api/v1/chats/{chat_id}/messages", {"client_id": "c3", "body": "x" * 4000, "attachment_id": None}),
]


@pytest.fixture
def world(client, make_user, make_student, auth):
    """An admin (headers), another user, a student record and a group chat of the admin's."""
    admin = make_user("admin")
    other = make_user()
    headers = auth.headers(admin)
    chat = client.post("/api/v1/chats", json={"type": "group", "title": "G"}, headers=headers).get_json()
    student_id = make_student()
    major_id = client.get(f"/api/v1/students/{student_id}", headers=headers).get_json()["major_id"]
    return {"headers": headers, "other": other, "chat_id": chat["id"], "student_id": student_id, "major_id": major_id}


def _call(client, world, case):
    method, path, *rest = case
    body = rest[-1]
    if rest[0] == "student":
        body = student_payload(world["major_id"], **body)
    body = {key: world["other"] if value == "other" else value for key, value in body.items()}
    if "member_ids" in body:
        body["member_ids"] = [world["other"] if value == "other" else value for value in body["member_ids"]]
    url = path.format(chat_id=world["chat_id"], student_id=world["student_id"])
    response = client.open(url, method=method.upper(), json=body, headers=world["headers"])
    return path, body, response


@pytest.mark.parametrize("case", REFUSED, ids=lambda case: f"{case[0]} {case[1]} {case[-1]}"[:80])
def test_what_the_server_refuses_the_document_refuses(spec, client, world, case):
    path, body, response = _call(client, world, case)
    assert response.status_code in (413, 422), (response.status_code, response.get_json())
    assert not document_accepts(spec, case[0], path, body), body


@pytest.mark.parametrize("case", ACCEPTED, ids=lambda case: f"{case[0]} {case[1]} {case[-1]}"[:80])
def test_what_the_document_accepts_the_server_accepts(spec, client, world, case):
    path, body, response = _call(client, world, case)
    assert document_accepts(spec, case[0], path, body), body
    assert response.status_code in (200, 201), (response.status_code, response.get_json())


def test_the_enrollment_year_bound_follows_the_calendar(spec):
    year = body_schema(spec, "post", "/api/v1/students")["properties"]["enrollment_year"]
    assert (year["minimum"], year["maximum"]) == (2002, THIS_YEAR)


def test_what_json_schema_cannot_say_is_in_the_descriptions(spec):
    """Rules of the database, the date or two query parameters, for client authors."""
    paths = spec["paths"]
    assert "not both" in paths["/api/v1/chats/{chat_id}/messages"]["get"]["description"]
    assert "not both" in paths["/api/v1/messages/{user_id}"]["get"]["description"]
    assert "`last_seq`" in paths["/api/v1/chats/{chat_id}/read"]["post"]["description"]
    assert "reply_to" in paths["/api/v1/chats/{chat_id}/messages"]["post"]["description"]
    assert "age of" in paths["/api/v1/students"]["post"]["description"]
    assert "current_password" in paths["/api/v1/users/me/password"]["post"]["description"]
    cursor = next(p for p in paths["/api/v1/majors"]["get"]["parameters"] if p["name"] == "cursor")
    assert cursor["schema"]["pattern"] == "^[A-Za-z0-9_-]*$" and "next_cursor" in cursor["description"]


def test_unknown_query_parameters_are_refused_like_unknown_fields(client, make_user, auth):
    headers = auth.headers(make_user())
    response = client.get("/api/v1/users?q=ann&page=2", headers=headers)
    assert response.status_code == 422
    assert "page" in str(response.get_json()["error"]["fields"])
