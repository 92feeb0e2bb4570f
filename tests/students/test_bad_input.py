"""Forged and hostile input to the directory's lists and forms: always a 4xx or a form error, never
a 500 (on PostgreSQL a NUL in a bound string or a lone surrogate is a driver error; on SQLite an
integer beyond 64 bits is)."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import func, select

from campus.core.api import encode_cursor
from campus.extensions import db
from tests.support.directory import form_data
from tests.support.images import image_bytes, png_bomb
from tests.support.pages import Browser


def raw_cursor(json_text: str) -> str:
    """A cursor carrying exactly this JSON (to smuggle what `encode_cursor` would never write)."""
    return base64.urlsafe_b64encode(json_text.encode()).decode().rstrip("=")


FORGED_STUDENT_CURSORS = {
    "int beyond 64 bits": encode_cursor(["name", "a", "b", 2**70]),
    "NUL in a name": encode_cursor(["name", "a\x00", "b", 1]),
    "lone surrogate": raw_cursor('["name", "\\ud800", "b", 1]'),
    "NaN id": raw_cursor('["name", "a", "b", NaN]'),
    "float id": encode_cursor(["name", "a", "b", 1.5]),
    "year beyond 64 bits": encode_cursor(["enrollment_year", 2**70, "a", "b", 1]),
    "object": encode_cursor([{"a": 1}, "a", "b", 1]),
    "too long": "A" * 501,
}
FORGED_MAJOR_CURSORS = {
    "int beyond 64 bits": encode_cursor(["a", 2**70]),
    "NUL": encode_cursor(["a\x00", 1]),
    "lone surrogate": raw_cursor('["\\udfff", 1]'),
    "wrong arity": encode_cursor(["a"]),
}


@pytest.fixture
def admin_id(make_user):
    return make_user("admin")


@pytest.fixture
def filled(make_major, make_student):
    major = make_major("Физика")
    make_student(major, last_name="Абрамов")
    make_student(major, last_name="Борисов")
    return major


@pytest.mark.parametrize("name", FORGED_STUDENT_CURSORS)
def test_forged_student_cursors_are_422(client, auth, admin_id, filled, name):
    query = {"cursor": FORGED_STUDENT_CURSORS[name]}
    if name == "year beyond 64 bits":
        query["sort"] = "enrollment_year"
    response = client.get("/api/v1/students", headers=auth.headers(admin_id), query_string=query)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "cursor" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("name", FORGED_MAJOR_CURSORS)
def test_forged_major_cursors_are_422(client, auth, admin_id, filled, name):
    response = client.get(
        "/api/v1/majors", headers=auth.headers(admin_id), query_string={"cursor": FORGED_MAJOR_CURSORS[name]}
    )
    assert response.status_code == 422
    assert "cursor" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    "query, field",
    [
        ({"limit": "9" * 40}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "1e3"}, "limit"),
        ({"q": "a\x00b"}, "q"),
        ({"course": "\x00"}, "course"),
        ({"enrollment_year": "0"}, "enrollment_year"),
    ],
)
def test_hostile_list_queries_are_422(client, auth, admin_id, filled, query, field):
    response = client.get("/api/v1/students", headers=auth.headers(admin_id), query_string=query)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_a_lone_surrogate_on_the_wire_is_read_as_a_replacement_character(client, auth, admin_id, filled):
    # Percent-encoded UTF-16 surrogate bytes are not UTF-8; Werkzeug decodes them as U+FFFD.
    response = client.get("/api/v1/students?q=%ED%A0%80", headers=auth.headers(admin_id))
    assert response.status_code == 200 and response.get_json()["items"] == []


@pytest.mark.parametrize(
    "path",
    [
        "/students/?cursor=" + FORGED_STUDENT_CURSORS["int beyond 64 bits"],
        "/students/?cursor=" + FORGED_STUDENT_CURSORS["NUL in a name"],
        "/students/?cursor=" + FORGED_STUDENT_CURSORS["lone surrogate"],
        "/students/?q=%00",
        "/students/?q=" + "x" * 5000,
        "/students/?enrollment_year=" + "9" * 40,
        "/students/?major_id=" + "9" * 40,
        "/students/?course=99",
        "/students/?sort=zzz",
    ],
)
def test_the_list_page_shows_hostile_filters_as_form_errors(app, auth, admin_id, filled, path):
    response = Browser(app, auth).sign_in(admin_id).get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="field-errors"' in page, page[-3000:]


@pytest.mark.parametrize("cursor", FORGED_MAJOR_CURSORS.values(), ids=list(FORGED_MAJOR_CURSORS))
def test_the_majors_page_refuses_forged_cursors(app, auth, admin_id, filled, cursor):
    response = Browser(app, auth).sign_in(admin_id).get("/majors/", query_string={"cursor": cursor})
    assert response.status_code == 422


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"account_email": "a\x00@example.test"}, "control characters"),
        ({"account_email": "not an email"}, "Not a valid email address."),
        ({"date_of_birth": "0001-01-01"}, "Age must be between 14 and 100."),
        ({"date_of_birth": "9999-12-31"}, "Must be in the past."),
        ({"date_of_birth": "2004-02-30"}, "Not a valid date value."),
        ({"enrollment_year": "9" * 40}, "less than or equal to"),
        ({"course": "x"}, "Not a valid choice."),
        ({"major_id": "9" * 40}, "Not a valid choice."),
        ({"first_name": "A\x00B"}, "Must not contain NUL characters."),
        ({"address": "Москва\x00, ул. Ленина 1"}, "Must not contain NUL characters."),
        ({"special_notes": "n" * 5000}, "500"),
    ],
)
def test_the_admin_form_shows_hostile_values_as_errors_and_saves_nothing(app, auth, admin_id, filled, changes, message):
    from campus.students.models import Student

    browser = Browser(app, auth).sign_in(admin_id)
    data = form_data(filled) | changes | {"csrf_token": browser.csrf("/students/new")}
    response = browser.client.post("/students/new", data=data, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Student.id))) == 2


@pytest.mark.parametrize(
    "data, message",
    [
        ({"phone_number": "\x00", "address": "Москва, ул. Ленина 1"}, "Must not contain NUL characters."),
        ({"phone_number": "9" * 5000, "address": "Москва, ул. Ленина 1"}, "Field cannot be longer than 40 characters."),
        ({"phone_number": "+79031112233", "address": "a" * 100_000}, "Field cannot be longer than 200 characters."),
    ],
)
def test_my_record_shows_hostile_values_as_errors(app, auth, make_user, make_student, filled, data, message):
    user = make_user("student")
    student = make_student(filled, user_id=user)
    browser = Browser(app, auth).sign_in(user)
    response = browser.client.post(
        "/students/me", data=data | {"csrf_token": browser.csrf("/students/me")}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    from campus.students.models import Student

    with app.app_context():
        assert db.session.get(Student, student).phone_number == "+79123456789"


@pytest.mark.parametrize(
    "photo, name, message",
    [
        ("bomb", "bomb.png", "too many pixels"),
        ("big", "big.png", "too large"),
        ("png", "photo.jpg", "extension does not match"),
        ("png", "photo", "JPEG, PNG or WebP only."),
        ("half", "half.png", "damaged"),
    ],
)
def test_refused_photos_on_the_admin_form_are_form_errors(app, auth, admin_id, filled, photo, name, message):
    import io

    from PIL import Image

    from campus.students.models import Student

    out = io.BytesIO()
    Image.effect_noise((300, 300), 80).convert("RGB").save(out, "PNG")
    data = {
        "bomb": png_bomb(50_000, 50_000),
        "big": out.getvalue(),
        "png": image_bytes("PNG", size=(40, 40)),
        "half": out.getvalue()[:2000],
    }[photo]
    app.config["MEDIA_IMAGE_MAX_BYTES"] = 100_000
    browser = Browser(app, auth).sign_in(admin_id)
    form = form_data(filled) | {"csrf_token": browser.csrf("/students/new"), "photo": (io.BytesIO(data), name)}
    response = browser.client.post(
        "/students/new", data=form, content_type="multipart/form-data", headers={"Accept": "text/html"}
    )
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Student.id))) == 2
