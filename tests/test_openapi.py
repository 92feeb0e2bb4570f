"""The OpenAPI document (from the marshmallow schemas) and Swagger UI at /docs from local assets."""

from __future__ import annotations

import re

import pytest

from campus.core.api import ErrorSchema

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
