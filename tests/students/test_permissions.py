"""The permission matrix of the directory's JSON API: every role × every endpoint (docs/directory.md#who-sees-and-changes-what)."""

from __future__ import annotations

import io

import pytest

from tests.support.directory import student_payload
from tests.support.images import image_bytes

ROLES = ["anonymous", "guest", "user", "student", "teacher", "moderator", "admin", "super_admin"]
READERS = {"user", "student", "teacher", "moderator", "admin", "super_admin"}
WRITERS = {"admin", "super_admin"}
OWNERS = {"student", "teacher", "moderator", "admin", "super_admin"}  # hold students.own_record


# (name, who may, method, path template, request kwargs factory, success status)
ENDPOINTS = [
    ("list majors", READERS, "get", "/api/v1/majors", None, 200),
    ("get major", READERS, "get", "/api/v1/majors/{major}", None, 200),
    ("create major", WRITERS, "post", "/api/v1/majors", lambda ids: {"json": {"name": "Новая"}}, 201),
    ("update major", WRITERS, "patch", "/api/v1/majors/{major}", lambda ids: {"json": {"description": "d"}}, 200),
    ("delete major", WRITERS, "delete", "/api/v1/majors/{empty_major}", None, 204),
    ("list students", READERS, "get", "/api/v1/students", None, 200),
    ("get student", READERS, "get", "/api/v1/students/{student}", None, 200),
    ("create student", WRITERS, "post", "/api/v1/students", lambda ids: {"json": student_payload(ids["major"])}, 201),
    ("update student", WRITERS, "patch", "/api/v1/students/{student}", lambda ids: {"json": {"course": 1}}, 200),
    ("delete student", WRITERS, "delete", "/api/v1/students/{student}", None, 204),
    (
        "upload photo",
        WRITERS,
        "post",
        "/api/v1/students/{student}/photo",
        lambda ids: {"data": {"photo": (io.BytesIO(image_bytes()), "p.jpg")}, "content_type": "multipart/form-data"},
        200,
    ),
    ("delete photo", WRITERS, "delete", "/api/v1/students/{student}/photo", None, 204),
    ("get photo", READERS, "get", "/api/v1/students/{photo_student}/photo", None, 200),
    ("get thumbnail", READERS, "get", "/api/v1/students/{photo_student}/photo?size=thumb", None, 200),
    ("my record (unlinked)", OWNERS, "get", "/api/v1/students/me", None, 404),
]


@pytest.fixture
def ids(app, make_major, make_student):
    from campus.students import services

    major = make_major("Физика")
    photo_student = make_student(major)
    with app.app_context():
        services.set_photo(None, services.get_student(photo_student), image_bytes(), "p.jpg")
    return {
        "major": major,
        "empty_major": make_major("Пустая"),
        "student": make_student(major),
        "photo_student": photo_student,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name, allowed, method, path, kwargs, success", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_permission_matrix(client, make_user, auth, ids, role, name, allowed, method, path, kwargs, success):
    headers = {} if role == "anonymous" else auth.headers(make_user(role))
    request_kwargs = kwargs(ids) if kwargs else {}
    response = getattr(client, method)(path.format(**ids), headers=headers, **request_kwargs)
    expected = 401 if role == "anonymous" else (success if role in allowed else 403)
    assert response.status_code == expected, response.get_json()
    if expected in (401, 403):
        assert response.get_json()["error"]["code"] in ("token_missing", "forbidden")


def test_deactivated_admin_may_not_write(client, make_user, auth, ids):
    headers = auth.headers(make_user("admin", active=False))
    assert client.post("/api/v1/majors", headers=headers, json={"name": "Новая"}).status_code in (401, 403)


def test_demotion_takes_effect_at_once(app, client, make_user, auth, ids):
    from campus.extensions import db
    from campus.roles.services import get_role
    from campus.users.models import User

    admin = make_user("admin")
    headers = auth.headers(admin)
    assert client.patch(f"/api/v1/majors/{ids['major']}", headers=headers, json={"description": "a"}).status_code == 200
    with app.app_context():
        db.session.get(User, admin).role = get_role("user")
        db.session.commit()
    assert client.patch(f"/api/v1/majors/{ids['major']}", headers=headers, json={"description": "b"}).status_code == 403


def test_cookie_authenticated_writes_need_the_csrf_header(client, make_user, auth, ids):
    auth.sign_in(client, make_user("admin"))
    response = client.patch(f"/api/v1/majors/{ids['major']}", json={"description": "x"})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "csrf_failed"


@pytest.mark.parametrize("role", ROLES[1:])
def test_own_record_matrix(client, make_user, auth, make_student, role):
    """Every role, linked to a record: who reads it whole at /me and corrects its contact fields."""
    user = make_user(role)
    student = make_student(user_id=user)
    headers = auth.headers(user)
    mine = client.get("/api/v1/students/me", headers=headers)
    assert mine.status_code == (200 if role in OWNERS else 403)
    shown = client.get(f"/api/v1/students/{student}", headers=headers)
    assert shown.status_code == (200 if role in READERS else 403)
    if role in READERS:
        assert ("email" in shown.get_json()) == (role in OWNERS)  # a plain user sees public fields only
    response = client.patch(f"/api/v1/students/{student}", headers=headers, json={"phone_number": "8 903 111 22 33"})
    assert response.status_code == (200 if role in OWNERS else 403), response.get_json()
