"""/api/v1/majors: reading with computed counts, admin writes, conflicts, validation, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campus.audit.models import AuditEntry
from campus.extensions import db


def test_list_has_student_counts_computed_from_the_students(client, make_user, auth, make_major, make_student):
    physics, history = make_major("Физика"), make_major("History")
    for _ in range(3):
        make_student(physics)
    make_student(history)
    response = client.get("/api/v1/majors", headers=auth.headers(make_user("user")))
    assert response.status_code == 200
    body = response.get_json()
    assert body["next_cursor"] is None
    assert [(m["name"], m["student_count"]) for m in body["items"]] == [("History", 1), ("Физика", 3)]
    assert set(body["items"][0]) == {"id", "name", "description", "student_count"}


def test_count_follows_deletions(client, admin, make_major, make_student):
    major = make_major()
    student = make_student(major)
    client.delete(f"/api/v1/students/{student}", headers=admin)
    assert client.get(f"/api/v1/majors/{major}", headers=admin).get_json()["student_count"] == 0


def test_list_pages_with_a_cursor(client, admin, make_major):
    names = [f"Major {n:02d}" for n in range(7)]
    for name in names:
        make_major(name)
    seen, cursor = [], None
    while True:
        query = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        body = client.get("/api/v1/majors", headers=admin, query_string=query).get_json()
        seen += [m["name"] for m in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == names


def test_create_update_delete_are_audited(app, client, admin):
    response = client.post("/api/v1/majors", headers=admin, json={"name": " Математика ", "description": "Числа"})
    assert response.status_code == 201
    major = response.get_json()
    assert major["name"] == "Математика" and major["student_count"] == 0
    response = client.patch(f"/api/v1/majors/{major['id']}", headers=admin, json={"description": "Всё о числах"})
    assert response.status_code == 200 and response.get_json()["description"] == "Всё о числах"
    assert client.delete(f"/api/v1/majors/{major['id']}", headers=admin).status_code == 204
    assert client.get(f"/api/v1/majors/{major['id']}", headers=admin).status_code == 404
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "major")).all()
    assert actions == ["major.created", "major.updated", "major.deleted"]


def test_deleting_a_major_with_students_is_a_conflict(client, admin, make_major, make_student):
    major = make_major()
    make_student(major)
    response = client.delete(f"/api/v1/majors/{major}", headers=admin)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "major_has_students"
    assert client.get(f"/api/v1/majors/{major}", headers=admin).status_code == 200


@pytest.mark.parametrize("name", ["Физика", "ФИЗИКА", "физика", " физика "])
def test_duplicate_names_conflict_whatever_the_case(client, admin, make_major, name):
    make_major("Физика")
    response = client.post("/api/v1/majors", headers=admin, json={"name": name})
    assert response.status_code == 409
    assert "name" in response.get_json()["error"]["fields"]


def test_renaming_onto_another_name_conflicts(client, admin, make_major):
    make_major("Biology")
    other = make_major("Chemistry")
    response = client.patch(f"/api/v1/majors/{other}", headers=admin, json={"name": "BIOLOGY"})
    assert response.status_code == 409


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "X"}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": 12}, "name"),
        ({"name": "Nul\x00"}, "name"),
        ({"name": "Fine", "description": "d" * 1001}, "description"),
        ({"name": "Fine", "student_count": 5}, "student_count"),
    ],
)
def test_create_validation(client, admin, body, field):
    response = client.post("/api/v1/majors", headers=admin, json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("name", ["AI", "x" * 100, "Прикладная математика"])
def test_create_accepts_good_names(client, admin, name):
    assert client.post("/api/v1/majors", headers=admin, json={"name": name}).status_code == 201


def test_unknown_major_is_404(client, admin):
    assert client.get("/api/v1/majors/999", headers=admin).status_code == 404
    assert client.patch("/api/v1/majors/999", headers=admin, json={"name": "New one"}).status_code == 404
    assert client.delete("/api/v1/majors/999", headers=admin).status_code == 404


def test_bad_cursor_is_422(client, admin):
    response = client.get("/api/v1/majors", headers=admin, query_string={"cursor": "garbage!"})
    assert response.status_code == 422


def test_a_major_may_change_the_case_of_its_own_name(client, admin, make_major):
    major = make_major("прикладная физика")
    response = client.patch(f"/api/v1/majors/{major}", headers=admin, json={"name": "Прикладная физика"})
    assert response.status_code == 200 and response.get_json()["name"] == "Прикладная физика"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": None}, "name"),
        ({"name": "x"}, "name"),
        ({"description": "N\x00"}, "description"),
        ({"student_count": 0}, "student_count"),
        ({"id": 5}, "id"),
    ],
)
def test_update_validation(client, admin, make_major, body, field):
    major = make_major("Физика")
    response = client.patch(f"/api/v1/majors/{major}", headers=admin, json=body)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    assert client.get(f"/api/v1/majors/{major}", headers=admin).get_json()["name"] == "Физика"


def test_a_major_is_exactly_the_contract_fields(client, admin, make_major):
    make_major("Физика")
    body = client.get("/api/v1/majors", headers=admin).get_json()
    assert set(body) == {"items", "next_cursor"}
    assert set(body["items"][0]) == {"id", "name", "description", "student_count"}
