"""The import page: preview first (nothing written), then all rows or none; the file dialects an
office saves; bad files refused with a reason; only admins, only their own upload."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from campus.audit.models import AuditEntry
from campus.extensions import db
from campus.students.models import Student
from tests.support.directory import student_payload
from tests.support.spreadsheets import csv_bytes, xlsx_bytes, zip_bomb_xlsx

THIS_YEAR = date.today().year
TOKEN = re.compile(r'name="token" type="hidden" value="([^"]+)"')


def count_students(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Student.id)))


@pytest.fixture
def office(make_user, browser_for):
    return browser_for(make_user("admin"))


def upload(browser, data: bytes, name: str):
    # Encoded here: the test client would spool a large body to a temporary file it never closes.
    boundary, body = encode_multipart(
        {"csrf_token": browser.csrf("/students/import"), "file": FileStorage(io.BytesIO(data), name)}
    )
    return browser.client.post(
        "/students/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"Accept": "text/html"},
    )


def decide(browser, preview, what: str):
    token = TOKEN.search(preview.get_data(as_text=True)).group(1)
    return browser.client.post(
        f"/students/import/{what}",
        data={"csrf_token": browser.csrf("/students/import"), "token": token},
        headers={"Accept": "text/html"},
    )


def problems_of(response) -> list[tuple[str, str, str]]:
    """The preview's problem table as (row, column, text)."""
    html = response.get_data(as_text=True)
    table = html.partition('id="import-problems"')[2].partition("</table>")[0]
    cells = re.findall(r"<td[^>]*>(?:<code>)?(.*?)(?:</code>)?</td>", table)
    return [tuple(cells[i : i + 3]) for i in range(0, len(cells), 3)]


def test_preview_writes_nothing_then_commit_adds_every_row_with_an_audit_entry(app, office, make_major):
    major = make_major("Физика")
    rows = [student_payload(major, last_name=f"Орлова{n}") for n in range(3)]
    preview = upload(office, csv_bytes(rows), "students.csv")
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Орлова2" in html and "Физика" in html and 'id="import-commit"' in html
    assert count_students(app) == 0
    done = decide(office, preview, "commit")
    assert done.status_code == 302 and done.headers["Location"].endswith("/students/")
    assert count_students(app) == 3
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "students.imported"))
        assert entry.new_value == '{"created": 3, "updated": 0}' and entry.actor_id is not None
    again = decide(office, preview, "commit")  # the file is gone once committed
    assert again.status_code == 404 and count_students(app) == 3


def test_cancel_forgets_the_file_and_writes_nothing(app, office, make_major):
    preview = upload(office, csv_bytes([student_payload(make_major())]), "students.csv")
    assert decide(office, preview, "cancel").status_code == 302
    assert decide(office, preview, "commit").status_code == 404
    assert count_students(app) == 0


def test_every_problem_is_named_by_row_and_column_and_nothing_can_be_committed(app, office, make_major, make_student):
    major = make_major()
    make_student(major, email="taken@example.test")
    rows = [
        student_payload(major),  # 1 good
        student_payload(999),  # 2 unknown major
        student_payload(major, phone_number="12"),  # 3 bad phone
        student_payload(major, email="TAKEN@example.test"),  # 4 in the directory: an update
        student_payload(major, email="twin@example.test"),  # 5
        student_payload(major, email="twin@example.test"),  # 6 same as row 5
        student_payload(major, enrollment_year=THIS_YEAR + 20),  # 7 the seed's fault
        student_payload(major, first_name='=HYPERLINK("http://evil")'),  # 8 a formula
    ]
    preview = upload(office, csv_bytes(rows), "students.csv")
    assert preview.status_code == 200
    problems = problems_of(preview)
    assert ("2", "major_id", "No such major.") in problems
    assert ("3", "phone_number", "Not a valid phone number.") in problems
    assert ("6", "email", "Same as row 5.") in problems
    assert any(row == "7" and column == "enrollment_year" for row, column, _t in problems)
    assert ("8", "first_name", "A formula, not a value.") in problems
    assert not any(row in ("1", "4", "5") for row, _c, _t in problems)
    assert 'id="import-commit"' not in preview.get_data(as_text=True)
    refused = decide(office, preview, "commit")  # a forged commit checks again
    assert refused.status_code == 409 and count_students(app) == 1


def student_named(app, email: str) -> tuple[str, str]:
    with app.app_context():
        return db.session.execute(select(Student.last_name, Student.phone_number).where(Student.email == email)).one()


def updates_of(response) -> list[tuple[str, str, str]]:
    """The preview's update table as (row, email, changes as text)."""
    html = response.get_data(as_text=True)
    table = html.partition('id="import-updates"')[2].partition("</table>")[0]
    rows = re.findall(r"<tr><td[^>]*>(\d+)</td><td[^>]*><a [^>]*>(.*?)</a></td>(.*?)</tr>", table, re.S)
    return [(number, email, " ".join(re.sub(r"<[^>]+>", "", changes).split())) for number, email, changes in rows]


def test_a_known_email_is_previewed_as_an_update_with_its_changes_then_committed(app, office, make_major, make_student):
    major = make_major()
    make_student(major, email="known@example.test", phone_number="+79120000001")
    make_student(major, email="same@example.test", phone_number="+79120000003", last_name="Иванова")
    rows = [
        student_payload(major, email="Known@example.test", last_name="Сидорова", phone_number="+79120000002"),
        student_payload(major, email="same@example.test", phone_number="+79120000003", last_name="Иванова"),
        student_payload(major, email="new@example.test"),
    ]
    preview = upload(office, csv_bytes(rows), "students.csv")
    assert preview.status_code == 200 and problems_of(preview) == []
    html = preview.get_data(as_text=True)
    assert "1 student will be updated" in html and "1 row is unchanged" in html and "1 student will be added" in html
    assert updates_of(preview) == [
        ("1", "known@example.test", "last_name: Петров → Сидорова phone_number: +79120000001 → +79120000002")
    ]
    assert student_named(app, "known@example.test") == ("Петров", "+79120000001")  # the preview wrote nothing
    done = decide(office, preview, "commit")
    assert done.status_code == 302 and count_students(app) == 3
    assert student_named(app, "known@example.test") == ("Сидорова", "+79120000002")
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "students.imported"))
        assert entry.new_value == '{"created": 1, "updated": 1}'
    audit = office.client.get("/admin/audit.csv").get_data(as_text=True)
    assert "Students updated" in audit and "Сидорова" in audit


def test_a_file_of_unchanged_rows_offers_nothing_to_commit(app, office, make_major, make_student):
    major = make_major()
    make_student(major, email="same@example.test", phone_number="+79120000003")
    preview = upload(
        office, csv_bytes([student_payload(major, email="same@example.test", phone_number="+79120000003")]), "s.csv"
    )
    html = preview.get_data(as_text=True)
    assert "1 row is unchanged" in html and 'id="import-commit"' not in html and updates_of(preview) == []


def test_a_duplicate_within_the_file_is_still_refused_even_for_a_known_email(app, office, make_major, make_student):
    major = make_major()
    make_student(major, email="known@example.test")
    rows = [student_payload(major, email="known@example.test", last_name="Новая") for _ in range(2)]
    preview = upload(office, csv_bytes(rows), "s.csv")
    assert ("2", "email", "Same as row 1.") in problems_of(preview)
    assert decide(office, preview, "commit").status_code == 409
    assert student_named(app, "known@example.test")[0] == "Петров"


def test_the_directory_changing_after_the_preview_is_caught_at_commit(app, office, make_major, make_student):
    major = make_major()
    preview = upload(office, csv_bytes([student_payload(major, email="late@example.test", last_name="Новая")]), "s.csv")
    make_student(major, email="late@example.test")  # the row to create is now an update
    refused = decide(office, preview, "commit")
    assert refused.status_code == 409 and 'id="import-stale"' in refused.get_data(as_text=True)
    assert [row[:2] for row in updates_of(refused)] == [("1", "late@example.test")]
    assert count_students(app) == 1 and student_named(app, "late@example.test")[0] == "Петров"
    agreed = decide(office, refused, "commit")  # committing the new preview is agreeing to it
    assert agreed.status_code == 302 and student_named(app, "late@example.test")[0] == "Новая"


def test_a_record_edited_after_the_preview_refuses_the_whole_commit(app, office, make_major, make_student):
    from campus.students.services import update_student

    major = make_major()
    known = make_student(major, email="known@example.test")
    rows = [student_payload(major, email="known@example.test", last_name="Сидорова"), student_payload(major)]
    preview = upload(office, csv_bytes(rows), "s.csv")
    assert updates_of(preview)[0][:2] == ("1", "known@example.test")
    with app.app_context():
        update_student(None, db.session.get(Student, known), {"phone_number": "+79120000009"})
    refused = decide(office, preview, "commit")
    assert refused.status_code == 409 and 'id="import-stale"' in refused.get_data(as_text=True)
    assert count_students(app) == 1
    assert student_named(app, "known@example.test") == ("Петров", "+79120000009")


def test_windows_1251_with_semicolons_and_a_bom_is_read(app, office, make_major):
    major = make_major("История")
    rows = [student_payload(major, first_name="Фёкла", last_name="Щукина")]
    cp1251 = upload(office, csv_bytes(rows, delimiter=";", encoding="cp1251"), "excel.csv")
    assert "Щукина Фёкла" in cp1251.get_data(as_text=True) and not problems_of(cp1251)
    rows = [student_payload(major, first_name="Анна", last_name="Ёлкина") | {"major_id": None, "major": "история"}]
    with_bom = upload(office, csv_bytes(rows, delimiter=";", bom=True), "bom.csv")
    assert not problems_of(with_bom)
    assert decide(office, with_bom, "commit").status_code == 302
    with app.app_context():
        student = db.session.scalar(select(Student))
        assert (student.first_name, student.major_id) == ("Анна", major)


def test_xlsx_is_read_and_a_formula_cell_is_refused(app, office, make_major):
    major = make_major()
    good = student_payload(major, last_name="Табличная")
    preview = upload(office, xlsx_bytes([good]), "students.xlsx")
    assert "Табличная" in preview.get_data(as_text=True) and not problems_of(preview)
    assert decide(office, preview, "commit").status_code == 302 and count_students(app) == 1
    formula = upload(office, xlsx_bytes([student_payload(major, address="=1+1")]), "formula.xlsx")
    assert ("1", "address", "A formula, not a value.") in problems_of(formula)


def test_ten_thousand_rows_with_one_bad_row_name_it_and_write_nothing(app, office, make_major):
    major = make_major()
    rows = [student_payload(major, email=f"many{n}@example.test") for n in range(10_000)]
    rows[7_776]["phone_number"] = "not a phone"
    preview = upload(office, csv_bytes(rows), "many.csv")
    assert problems_of(preview) == [("7777", "phone_number", "Not a valid phone number.")]
    assert "10000 rows checked" in preview.get_data(as_text=True)
    assert decide(office, preview, "commit").status_code == 409
    assert count_students(app) == 0


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b"\x00\x01garbage", "x.xlsx", "not a readable XLSX workbook"),
        (zip_bomb_xlsx(), "bomb.xlsx", "unpacks to far more than its size"),
        (b"{not json", "x.json", "not valid JSON"),
        (b'{"a": 1}', "x.json", "must be a list of students"),
        (b"first_name\n", "x.txt", "Choose a .csv, .xlsx or .json file."),
        (b"", "empty.csv", "has no header row"),
    ],
    ids=["not-xlsx", "zip-bomb", "bad-json", "json-object", "extension", "empty"],
)
def test_unreadable_files_are_a_form_error(app, office, data, name, message):
    response = upload(office, data, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count_students(app) == 0


def test_a_file_over_the_limit_is_refused_before_it_is_read(app, office, make_major):
    app.config["STUDENT_IMPORT_MAX_BYTES"] = 4096
    rows = [student_payload(make_major()) for _n in range(100)]
    response = upload(office, csv_bytes(rows), "big.csv")
    assert response.status_code == 413
    assert "larger than" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["user", "student", "teacher", "moderator"])
def test_only_directory_writers_import(app, make_user, browser_for, role):
    assert browser_for(make_user(role)).get("/students/import").status_code == 403


def test_one_admin_cannot_commit_anothers_upload(app, office, make_user, browser_for, make_major):
    preview = upload(office, csv_bytes([student_payload(make_major())]), "students.csv")
    other = browser_for(make_user("admin"))
    assert decide(other, preview, "commit").status_code == 404
    assert count_students(app) == 0


def test_a_commit_without_the_csrf_token_is_refused(app, office, make_major):
    preview = upload(office, csv_bytes([student_payload(make_major())]), "students.csv")
    token = TOKEN.search(preview.get_data(as_text=True)).group(1)
    response = office.client.post("/students/import/commit", data={"token": token}, headers={"Accept": "text/html"})
    assert response.status_code == 403 and count_students(app) == 0


def test_the_preview_speaks_russian(app, office, make_major):
    office.client.set_cookie("lang", "ru")
    preview = upload(office, csv_bytes([student_payload(999)]), "students.csv")
    assert ("1", "major_id", "Такого направления нет.") in problems_of(preview)


def test_the_update_preview_speaks_russian(app, office, make_major, make_student):
    major = make_major()
    make_student(major, email="known@example.test")
    office.client.set_cookie("lang", "ru")
    preview = upload(
        office, csv_bytes([student_payload(major, email="known@example.test", last_name="Новая")]), "s.csv"
    )
    html = preview.get_data(as_text=True)
    assert "Будет обновлён 1 студент" in html and "Будут обновлены" in html and "Добавить 0, обновить 1" in html


def test_a_body_over_the_request_limit_is_a_413_before_anything_is_read(app, office, make_major):
    """A 100 MB file meets MAX_CONTENT_LENGTH (25 MB) first; here the limit is lowered to match."""
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    rows = [student_payload(make_major()) for _n in range(1000)]
    response = upload(office, csv_bytes(rows), "huge.csv")
    assert response.status_code == 413
    assert count_students(app) == 0
