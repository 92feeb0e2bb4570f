"""/api/v1/students: the record's rules, who sees what, writes, audit and the membership signal."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from campus.audit.models import AuditEntry
from campus.extensions import db
from campus.students.signals import student_membership_changed
from tests.support.directory import student_payload

THIS_YEAR = date.today().year
PUBLIC_FIELDS = {"id", "first_name", "last_name", "major_id", "major", "course", "photo_url"}
FULL_FIELDS = PUBLIC_FIELDS | {
    "date_of_birth",
    "email",
    "phone_number",
    "address",
    "enrollment_year",
    "special_notes",
    "user_id",
}


class YearsAgo:
    """A date of birth `years` (and `days`) before the day the test runs — not the day the tests
    were collected, which may be yesterday in a run that crosses midnight."""

    def __init__(self, years: int, days: int = 0):
        self.years, self.days = years, days

    def __repr__(self) -> str:
        return f"{self.years}y{self.days:+d}d"


def value_now(value):
    return years_ago(value.years, value.days) if isinstance(value, YearsAgo) else value


def years_ago(years: int, days: int = 0) -> str:
    today = date.today()
    born = (
        today.replace(year=today.year - years)
        if not (today.month == 2 and today.day == 29)
        else today.replace(year=today.year - years, day=28)
    )
    return date.fromordinal(born.toordinal() + days).isoformat()


@pytest.fixture
def major(make_major):
    return make_major("Физика")


# --- validation: each rule, good and bad -------------------------------------------------------

GOOD = [
    ("first_name", "Ё"),
    ("first_name", "x" * 100),
    ("last_name", "О'Коннор-Смит"),
    ("date_of_birth", YearsAgo(14)),
    ("date_of_birth", YearsAgo(100)),
    ("email", "Some.One+tag@Example.TEST"),
    ("phone_number", "+7 (912) 345-67-89"),
    ("phone_number", "8 912 345 67 89"),
    ("phone_number", "9123456789"),
    ("phone_number", "+44 20 7946 0958"),
    ("address", "a" * 10),
    ("address", "a" * 200),
    ("enrollment_year", 2002),
    ("enrollment_year", THIS_YEAR),
    ("course", 1),
    ("special_notes", "n" * 500),
    ("special_notes", ""),
]
BAD = [
    ("first_name", ""),
    ("first_name", "x" * 101),
    ("first_name", "A\x00"),
    ("first_name", "\ud800"),
    ("first_name", 5),
    ("last_name", None),
    ("date_of_birth", YearsAgo(14, days=1)),
    ("date_of_birth", YearsAgo(101, days=-1)),
    ("date_of_birth", YearsAgo(-1)),
    ("date_of_birth", "17.05.2004"),
    ("date_of_birth", 20040517),
    ("date_of_birth", "0001-01-01"),
    ("date_of_birth", "9999-12-31"),
    ("date_of_birth", "2004-02-30"),
    ("email", "not-an-email"),
    ("email", "a@" + "b" * 260 + ".ru"),
    ("phone_number", "12"),
    ("phone_number", "+7 912 345"),
    ("phone_number", "phone"),
    ("phone_number", ""),
    ("address", "a" * 9),
    ("address", "a" * 201),
    ("enrollment_year", 2001),
    ("enrollment_year", THIS_YEAR + 1),
    ("enrollment_year", 2047),
    ("enrollment_year", "2020"),
    ("enrollment_year", True),
    ("enrollment_year", 2**70),
    ("course", 0),
    ("course", 7),
    ("course", 2.5),
    ("major_id", 0),
    ("major_id", "1"),
    ("user_id", -1),
    ("special_notes", "n" * 501),
    ("photo_url", "http://x"),
    ("id", 5),
]


@pytest.mark.parametrize("field, value", GOOD)
def test_good_values_are_accepted(client, admin, major, field, value):
    payload = student_payload(major, **{field: value_now(value)})
    response = client.post("/api/v1/students", headers=admin, json=payload)
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("field, value", BAD)
def test_bad_values_are_422_naming_the_field(client, admin, major, field, value):
    payload = student_payload(major)
    payload[field] = value_now(value)
    response = client.post("/api/v1/students", headers=admin, json=payload)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    "enrollment_year, course, ok",
    [
        (THIS_YEAR, 1, True),
        (THIS_YEAR, 2, False),
        (THIS_YEAR - 2, 3, True),
        (THIS_YEAR - 2, 4, False),
        (THIS_YEAR - 10, 6, True),
        (THIS_YEAR - 10, 7, False),
    ],
)
def test_course_fits_the_years_since_enrollment(client, admin, major, enrollment_year, course, ok):
    payload = student_payload(major, enrollment_year=enrollment_year, course=course)
    response = client.post("/api/v1/students", headers=admin, json=payload)
    assert response.status_code == (201 if ok else 422)
    if not ok:
        assert list(response.get_json()["error"]["fields"]) == ["course"]


@pytest.mark.parametrize("raw", ["+7 (912) 345-67-89", "8 912 345 67 89", "9123456789"])
def test_phone_is_stored_as_e164(client, admin, major, raw):
    body = client.post("/api/v1/students", headers=admin, json=student_payload(major, phone_number=raw)).get_json()
    assert body["phone_number"] == "+79123456789"


def test_unknown_major_or_user_is_422(client, admin, major):
    response = client.post("/api/v1/students", headers=admin, json=student_payload(999))
    assert response.status_code == 422 and "major_id" in response.get_json()["error"]["fields"]
    response = client.post("/api/v1/students", headers=admin, json=student_payload(major, user_id=999))
    assert response.status_code == 422 and "user_id" in response.get_json()["error"]["fields"]


def test_email_is_unique_whatever_the_case(client, admin, major):
    first = client.post("/api/v1/students", headers=admin, json=student_payload(major, email="Ivan@Example.test"))
    assert first.get_json()["email"] == "ivan@example.test"
    response = client.post("/api/v1/students", headers=admin, json=student_payload(major, email="IVAN@example.TEST"))
    assert response.status_code == 409
    assert "email" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    "first, again",
    [
        ("Иван@Пример.РФ", "ИВАН@ПРИМЕР.РФ"),  # Cyrillic mailbox and domain, any case
        ("olga@Университет.рф", "OLGA@университет.РФ"),
        ("Anna@MAIL.RU", "anna@mail.ru"),
    ],
)
def test_email_is_unique_whatever_the_case_in_any_script(client, admin, major, first, again):
    created = client.post("/api/v1/students", headers=admin, json=student_payload(major, email=first))
    assert created.status_code == 201 and created.get_json()["email"] == first.lower()
    response = client.post("/api/v1/students", headers=admin, json=student_payload(major, email=again))
    assert response.status_code == 409 and "email" in response.get_json()["error"]["fields"]


def test_an_account_links_to_one_record_only(client, admin, major, make_user):
    user = make_user("student")
    assert client.post("/api/v1/students", headers=admin, json=student_payload(major, user_id=user)).status_code == 201
    response = client.post("/api/v1/students", headers=admin, json=student_payload(major, user_id=user))
    assert response.status_code == 409 and "user_id" in response.get_json()["error"]["fields"]


def test_patch_checks_rules_on_the_merged_record(client, admin, make_student):
    student = make_student(enrollment_year=THIS_YEAR - 1, course=2)
    response = client.patch(f"/api/v1/students/{student}", headers=admin, json={"enrollment_year": THIS_YEAR})
    assert response.status_code == 422 and "course" in response.get_json()["error"]["fields"]
    response = client.patch(
        f"/api/v1/students/{student}", headers=admin, json={"enrollment_year": THIS_YEAR, "course": 1}
    )
    assert response.status_code == 200
    assert (response.get_json()["enrollment_year"], response.get_json()["course"]) == (THIS_YEAR, 1)


def test_patch_cannot_take_another_students_email(client, admin, make_student):
    make_student(email="taken@example.test")
    student = make_student()
    response = client.patch(f"/api/v1/students/{student}", headers=admin, json={"email": "TAKEN@example.test"})
    assert response.status_code == 409


def test_patch_rejects_null_for_required_fields(client, admin, make_student):
    student = make_student()
    response = client.patch(f"/api/v1/students/{student}", headers=admin, json={"first_name": None})
    assert response.status_code == 422


def test_non_json_body_is_415_and_malformed_json_400(client, admin, major):
    response = client.post(
        "/api/v1/students", headers=admin, data="first_name=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    response = client.post("/api/v1/students", headers=admin, data="{", content_type="application/json")
    assert response.status_code == 400


# --- who sees what ------------------------------------------------------------------------------


def test_users_see_public_fields_teachers_whole_records(client, make_user, auth, make_student):
    student = make_student()
    for role, fields in (
        ("user", PUBLIC_FIELDS),
        ("student", PUBLIC_FIELDS),
        ("teacher", FULL_FIELDS),
        ("admin", FULL_FIELDS),
    ):
        headers = auth.headers(make_user(role))
        assert set(client.get(f"/api/v1/students/{student}", headers=headers).get_json()) == fields, role
        items = client.get("/api/v1/students", headers=headers).get_json()["items"]
        assert set(items[0]) == fields, role


def test_a_student_sees_and_corrects_their_own_record(client, make_user, auth, make_student):
    user = make_user("student")
    student = make_student(user_id=user)
    headers = auth.headers(user)
    assert set(client.get(f"/api/v1/students/{student}", headers=headers).get_json()) == FULL_FIELDS
    mine = client.get("/api/v1/students/me", headers=headers)
    assert mine.status_code == 200 and mine.get_json()["id"] == student
    response = client.patch(
        f"/api/v1/students/{student}",
        headers=headers,
        json={"phone_number": "8 (903) 111-22-33", "address": "Казань, ул. Баумана, 5"},
    )
    assert response.status_code == 200
    assert response.get_json()["phone_number"] == "+79031112233"


@pytest.mark.parametrize(
    "changes",
    [
        {"course": 1},
        {"email": "new@example.test"},
        {"first_name": "Пётр"},
        {"phone_number": "+79031112233", "special_notes": "x"},
    ],
)
def test_a_student_may_not_change_other_fields(client, make_user, auth, make_student, changes):
    user = make_user("student")
    student = make_student(user_id=user)
    response = client.patch(f"/api/v1/students/{student}", headers=auth.headers(user), json=changes)
    assert response.status_code == 403
    assert client.get("/api/v1/students/me", headers=auth.headers(user)).get_json()["phone_number"] == "+79123456789"


def test_a_student_may_not_change_someone_elses_record(client, make_user, auth, make_student):
    user = make_user("student")
    make_student(user_id=user)
    other = make_student()
    response = client.patch(
        f"/api/v1/students/{other}", headers=auth.headers(user), json={"phone_number": "+79031112233"}
    )
    assert response.status_code == 403


def test_unlinked_student_account_has_no_record(client, make_user, auth):
    assert client.get("/api/v1/students/me", headers=auth.headers(make_user("student"))).status_code == 404


def test_public_viewers_may_not_filter_by_enrollment_year_or_search_emails(client, make_user, auth, make_student):
    make_student(first_name="Анна", email="secret-handle@example.test")
    headers = auth.headers(make_user("user"))
    assert client.get("/api/v1/students", headers=headers, query_string={"enrollment_year": 2024}).status_code == 403
    assert client.get("/api/v1/students", headers=headers, query_string={"sort": "enrollment_year"}).status_code == 403
    found = client.get("/api/v1/students", headers=headers, query_string={"q": "secret-handle"}).get_json()
    assert found["items"] == []
    teacher = auth.headers(make_user("teacher"))
    found = client.get("/api/v1/students", headers=teacher, query_string={"q": "secret-handle"}).get_json()
    assert len(found["items"]) == 1


# --- writes: audit and the membership signal ---------------------------------------------------


def test_admin_writes_are_audited(app, client, admin, major, make_user, auth, make_student):
    created = client.post("/api/v1/students", headers=admin, json=student_payload(major)).get_json()
    client.patch(f"/api/v1/students/{created['id']}", headers=admin, json={"course": 2})
    client.delete(f"/api/v1/students/{created['id']}", headers=admin)
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.target_type == "student").order_by(AuditEntry.id)
        ).all()
        assert [e.action for e in entries] == ["student.created", "student.updated", "student.deleted"]
        assert entries[1].old_value == '{"course": 1}' and entries[1].new_value == '{"course": 2}'
        assert all(e.actor_id is not None for e in entries)


def test_delete_is_204_then_404(client, admin, make_student):
    student = make_student()
    assert client.delete(f"/api/v1/students/{student}", headers=admin).status_code == 204
    assert client.get(f"/api/v1/students/{student}", headers=admin).status_code == 404
    assert client.delete(f"/api/v1/students/{student}", headers=admin).status_code == 404


@pytest.fixture
def signals(app):
    received = []

    def receiver(sender, user_ids):
        # After commit: the change is visible from a brand-new session.
        from campus.students.models import Student

        with db.engine.connect() as connection:
            linked = connection.execute(select(Student.user_id).where(Student.user_id.in_(user_ids))).scalars().all()
        received.append((sorted(user_ids), sorted(linked)))

    student_membership_changed.connect(receiver)
    yield received
    student_membership_changed.disconnect(receiver)


def test_membership_signal_after_commit(client, admin, make_major, make_user, signals):
    physics, history = make_major(), make_major()
    ann, bob = make_user("student"), make_user("student")
    created = client.post("/api/v1/students", headers=admin, json=student_payload(physics, user_id=ann)).get_json()
    assert signals == [([ann], [ann])]
    client.patch(f"/api/v1/students/{created['id']}", headers=admin, json={"address": "Новый адрес, дом 7"})
    assert len(signals) == 1  # contact fields do not move anybody between chats
    client.patch(f"/api/v1/students/{created['id']}", headers=admin, json={"major_id": history})
    assert signals[-1] == ([ann], [ann])
    client.patch(f"/api/v1/students/{created['id']}", headers=admin, json={"user_id": bob})
    assert signals[-1] == ([ann, bob], [bob])
    client.delete(f"/api/v1/students/{created['id']}", headers=admin)
    assert signals[-1] == ([bob], [])
    client.post("/api/v1/students", headers=admin, json=student_payload(physics))
    assert len(signals) == 4  # no linked account, nothing to tell


def test_failed_write_sends_no_signal(client, admin, major, make_user, signals):
    user = make_user("student")
    client.post("/api/v1/students", headers=admin, json=student_payload(major, email="a@example.test"))
    response = client.post(
        "/api/v1/students", headers=admin, json=student_payload(major, email="a@example.test", user_id=user)
    )
    assert response.status_code == 409
    assert signals == []
