"""Every admin write in the directory — API and pages alike — is one audit entry with its actor,
in the same commit; a refused write leaves none."""

from __future__ import annotations

import io
import json

from sqlalchemy import select

from campus.audit.models import AuditEntry
from campus.extensions import db
from tests.support.directory import form_data, student_payload
from tests.support.images import image_bytes
from tests.support.pages import Browser


def entries(app, since: int = 0) -> list[tuple[str, int | None, str | None, str | None]]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.id > since).order_by(AuditEntry.id))
        return [(e.action, e.actor_id, e.old_value, e.new_value) for e in rows]


def last_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(db.func.max(AuditEntry.id))) or 0


def test_every_api_write_is_audited_with_its_actor(app, client, make_user, auth, make_major):
    admin = make_user("admin")
    headers = auth.headers(admin)
    start = last_id(app)
    major = client.post("/api/v1/majors", headers=headers, json={"name": "Геология"}).get_json()["id"]
    client.patch(f"/api/v1/majors/{major}", headers=headers, json={"description": "Камни"})
    student = client.post(
        "/api/v1/students", headers=headers, json=student_payload(major, special_notes="Медицинская справка")
    ).get_json()["id"]
    client.patch(f"/api/v1/students/{student}", headers=headers, json={"course": 2, "special_notes": "Другое"})
    client.post(
        f"/api/v1/students/{student}/photo",
        headers=headers,
        data={"photo": (io.BytesIO(image_bytes()), "p.jpg")},
        content_type="multipart/form-data",
    )
    client.delete(f"/api/v1/students/{student}/photo", headers=headers)
    client.delete(f"/api/v1/students/{student}", headers=headers)
    client.delete(f"/api/v1/majors/{major}", headers=headers)
    logged = entries(app, start)
    assert [action for action, *_ in logged] == [
        "major.created",
        "major.updated",
        "student.created",
        "student.updated",
        "student.photo_changed",
        "student.photo_removed",
        "student.deleted",
        "major.deleted",
    ]
    assert {actor for _a, actor, *_ in logged} == {admin}
    # Special notes are sensitive: the log says they changed, not what they say.
    assert not any(
        "справка" in (old or "") + (new or "") or "Другое" in (old or "") + (new or "") for _a, _b, old, new in logged
    )


def test_refused_writes_leave_no_entry(app, client, make_user, auth, make_major, make_student):
    headers = auth.headers(make_user("admin"))
    major = make_major("Физика")
    student = make_student(major, email="taken@example.test")
    start = last_id(app)
    assert client.post("/api/v1/majors", headers=headers, json={"name": "ФИЗИКА"}).status_code == 409
    assert client.delete(f"/api/v1/majors/{major}", headers=headers).status_code == 409
    assert (
        client.post(
            "/api/v1/students", headers=headers, json=student_payload(major, email="TAKEN@example.test")
        ).status_code
        == 409
    )
    assert client.patch(f"/api/v1/students/{student}", headers=headers, json={"course": 6}).status_code == 422
    assert (
        client.post(
            f"/api/v1/students/{student}/photo",
            headers=headers,
            data={"photo": (io.BytesIO(b"#!/bin/sh\n"), "x.jpg")},
            content_type="multipart/form-data",
        ).status_code
        == 415
    )
    assert (
        client.patch(
            f"/api/v1/students/{student}", headers=auth.headers(make_user("teacher")), json={"course": 1}
        ).status_code
        == 403
    )
    assert entries(app, start) == []


def test_every_page_write_is_audited_with_its_actor(app, auth, make_user, make_major, make_student):
    admin = make_user("admin")
    browser = Browser(app, auth).sign_in(admin)
    major = make_major("Физика")
    start = last_id(app)
    data = form_data(major, last_name="Страничкин", email="page@example.test") | {
        "csrf_token": browser.csrf("/students/new"),
        "photo": (io.BytesIO(image_bytes()), "p.jpg"),
    }
    created = browser.client.post(
        "/students/new", data=data, content_type="multipart/form-data", headers={"Accept": "text/html"}
    )
    student = int(created.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    edit = f"/students/{student}/edit"
    browser.post(
        edit,
        form_data(major, last_name="Страничкин", email="page@example.test", course="2") | {"remove_photo": "y"},
        csrf_from=edit,
    )
    browser.post(f"/students/{student}/delete", {}, csrf_from=f"/students/{student}")
    browser.post("/majors/new", {"name": "Геология", "description": ""}, csrf_from="/majors/new")
    with app.app_context():
        from campus.majors.models import Major

        geology = db.session.scalar(select(Major.id).where(Major.name == "Геология"))
    browser.post(
        f"/majors/{geology}/edit", {"name": "Геология", "description": "Камни"}, csrf_from=f"/majors/{geology}/edit"
    )
    browser.post(f"/majors/{geology}/delete", {}, csrf_from="/majors/")
    logged = entries(app, start)
    assert [action for action, *_ in logged] == [
        "student.created",
        "student.updated",
        "student.deleted",
        "major.created",
        "major.updated",
        "major.deleted",
    ]
    assert {actor for _a, actor, *_ in logged} == {admin}
    assert "photo_key" in json.loads(logged[0][3])
    assert json.loads(logged[1][3]) == {"course": 2, "photo_key": None}


def test_a_students_own_correction_is_audited_as_theirs(app, auth, make_user, make_student):
    user = make_user("student")
    make_student(user_id=user)
    browser = Browser(app, auth).sign_in(user)
    start = last_id(app)
    browser.post(
        "/students/me",
        {"phone_number": "8 903 111 22 33", "address": "Казань, ул. Баумана, 5"},
        csrf_from="/students/me",
    )
    [(action, actor, old, new)] = entries(app, start)
    assert (action, actor) == ("student.contacts_updated", user)
    assert json.loads(new)["phone_number"] == "+79031112233" and json.loads(old)["phone_number"] == "+79123456789"
