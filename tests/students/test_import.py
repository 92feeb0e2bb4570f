"""`flask students import FILE` (JSON and CSV): every bad row reported, nothing written unless all are good;
and the deterministic sample data behind `flask seed demo`."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from campus.audit.models import AuditEntry
from campus.extensions import db
from campus.students.models import Student
from tests.support.directory import student_payload

THIS_YEAR = date.today().year


def count_students(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Student.id)))


def write_json(tmp_path, rows, name="students.json"):
    path = tmp_path / name
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return str(path)


def write_csv(tmp_path, rows, name="students.csv"):
    path = tmp_path / name
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def test_json_import_adds_every_row_in_one_audited_unit(app, runner, tmp_path, make_major):
    major = make_major()
    rows = [student_payload(major, last_name=f"Иванов{n}") for n in range(5)]
    result = runner.invoke(args=["students", "import", write_json(tmp_path, rows)])
    assert result.exit_code == 0, result.output
    assert "Imported: 5 created, 0 updated, 0 unchanged." in result.output
    assert count_students(app) == 5
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "students.imported"))
        assert entry.new_value == '{"created": 5, "updated": 0}'


def test_json_import_reports_every_bad_row_and_writes_nothing(app, runner, tmp_path, make_major, make_student):
    major = make_major()
    make_student(major, email="taken@example.test")
    rows = [
        student_payload(major),  # 1 good
        student_payload(major, phone_number="12", course=9),  # 2 two problems
        student_payload(major),  # 3 good
        student_payload(major, enrollment_year=2047),  # 4 the seed's fault
        student_payload(999),  # 5 unknown major
        student_payload(major, email="TAKEN@example.test"),  # 6 already in the directory: an update
        student_payload(major, email="twin@example.test"),  # 7
        student_payload(major, email="Twin@example.test"),  # 8 same as row 7
        "not an object",  # 9
        {**student_payload(major), "role": "admin"},  # 10 unknown field
    ]
    result = runner.invoke(args=["students", "import", write_json(tmp_path, rows)])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.startswith("row ")]
    assert "row 2: phone_number: Not a valid phone number." in lines
    assert any(line.startswith("row 2: course: ") for line in lines)
    assert any(line.startswith("row 4: enrollment_year: Must be between 2002 and") for line in lines)
    assert "row 5: major_id: No such major." in lines
    assert "row 8: email: Same as row 7." in lines
    assert any(line.startswith("row 9: _schema: ") for line in lines)
    assert "row 10: role: Unknown field." in lines
    assert not any(line.startswith(("row 1:", "row 3:", "row 6:", "row 7:")) for line in lines)
    assert "nothing was imported" in result.output
    assert count_students(app) == 1
    with app.app_context():
        assert db.session.scalar(select(Student.first_name)) == "Иван"  # row 6 was not applied


def student_of(app, email: str) -> Student:
    with app.app_context():
        student = db.session.scalar(select(Student).where(Student.email == email))
        db.session.expunge(student)
        return student


def test_a_known_email_updates_its_record_and_the_counts_are_printed(app, runner, tmp_path, make_major, make_student):
    major, other_major = make_major("Физика"), make_major("Химия")
    make_student(major, email="known@example.test", phone_number="+79120000001")
    make_student(major, email="same@example.test")
    before = student_of(app, "same@example.test")
    rows = [
        student_payload(other_major, email="KNOWN@example.test", last_name="Сидорова", phone_number="+79120000002"),
        {key: str(getattr(before, key)) for key in ("first_name", "last_name", "date_of_birth", "email")}
        | {key: getattr(before, key) for key in ("phone_number", "address", "enrollment_year", "course", "major_id")},
        student_payload(major, email="new@example.test"),
    ]
    result = runner.invoke(args=["students", "import", write_json(tmp_path, rows)])
    assert result.exit_code == 0, result.output
    assert "Imported: 1 created, 1 updated, 1 unchanged." in result.output
    assert count_students(app) == 3
    known = student_of(app, "known@example.test")
    assert (known.last_name, known.phone_number, known.major_id) == ("Сидорова", "+79120000002", other_major)
    assert "сидорова" in known.search_name
    assert student_of(app, "same@example.test").updated_at == before.updated_at
    with app.app_context():
        summary = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "students.imported"))
        assert json.loads(summary.new_value) == {"created": 1, "updated": 1}
        edit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "student.updated"))
        assert edit.target_id == known.id
        assert json.loads(edit.old_value) == {"last_name": "Петров", "phone_number": "+79120000001", "major_id": major}
        assert json.loads(edit.new_value) == {
            "last_name": "Сидорова",
            "phone_number": "+79120000002",
            "major_id": other_major,
        }


def test_create_only_refuses_a_known_email(app, runner, tmp_path, make_major, make_student):
    major = make_major()
    make_student(major, email="known@example.test")
    path = write_json(tmp_path, [student_payload(major, email="Known@example.test", last_name="Новая")])
    result = runner.invoke(args=["students", "import", "--create-only", path])
    assert result.exit_code != 0
    assert "row 1: email: Already used by another student." in result.output
    assert student_of(app, "known@example.test").last_name == "Петров"


def test_an_update_taking_another_students_account_is_a_problem(
    app, runner, tmp_path, make_major, make_student, make_user
):
    major, account = make_major(), make_user("student")
    make_student(major, email="linked@example.test", user_id=account)
    make_student(major, email="known@example.test")
    path = write_json(tmp_path, [student_payload(major, email="known@example.test", user_id=account)])
    result = runner.invoke(args=["students", "import", path])
    assert result.exit_code != 0
    assert "row 1: user_id: Already used by another student." in result.output
    assert student_of(app, "known@example.test").user_id is None


def test_an_update_keeps_the_account_link_and_columns_the_file_lacks(
    app, runner, tmp_path, make_major, make_student, make_user
):
    major, account = make_major(), make_user("student")
    make_student(major, email="linked@example.test", user_id=account, special_notes="Староста")
    row = student_payload(
        major, email="linked@example.test", user_id="", special_notes=None, address="Казань, ул. Баумана, д. 5"
    )
    result = runner.invoke(args=["students", "import", write_csv(tmp_path, [row])])
    assert result.exit_code == 0, result.output
    assert "0 created, 1 updated" in result.output
    linked = student_of(app, "linked@example.test")
    assert (linked.user_id, linked.special_notes, linked.address) == (account, "Староста", "Казань, ул. Баумана, д. 5")


def test_csv_import_reads_numbers_and_empty_account_links(app, runner, tmp_path, make_major, make_user):
    major = make_major()
    account = make_user("student")
    rows = [student_payload(major) | {"user_id": ""}, student_payload(major) | {"user_id": account}]
    result = runner.invoke(args=["students", "import", write_csv(tmp_path, rows)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        links = sorted(db.session.scalars(select(Student.user_id)), key=lambda v: v or 0)
    assert links == [None, account]


def test_csv_import_reports_bad_rows(app, runner, tmp_path, make_major):
    major = make_major()
    rows = [
        student_payload(major) | {"course": "first"},
        student_payload(major) | {"major_id": ""},
        student_payload(major),
    ]
    result = runner.invoke(args=["students", "import", write_csv(tmp_path, rows)])
    assert result.exit_code != 0
    assert "row 1: course: Not a valid integer." in result.output
    assert "row 2: major_id: Missing data for required field." in result.output
    assert count_students(app) == 0


def test_the_same_account_twice_in_a_file_is_refused(app, runner, tmp_path, make_major, make_user):
    major, account = make_major(), make_user("student")
    rows = [student_payload(major, user_id=account), student_payload(major, user_id=account)]
    result = runner.invoke(args=["students", "import", write_json(tmp_path, rows)])
    assert "row 2: user_id: Same as row 1." in result.output
    assert count_students(app) == 0


@pytest.mark.parametrize(
    "content, name, message",
    [
        ("{not json", "bad.json", "not valid JSON"),
        ('{"a": 1}', "object.json", "must be a list"),
        ("first_name\n", "x.txt", "unknown format"),
    ],
)
def test_unreadable_files_are_clean_errors(app, runner, tmp_path, content, name, message):
    path = tmp_path / name
    path.write_text(content)
    result = runner.invoke(args=["students", "import", str(path)])
    assert result.exit_code != 0 and message in result.output
    assert "Traceback" not in result.output


def test_sample_students_are_deterministic_and_valid(app):
    from campus.students.sample import SampleStudents
    from campus.students.schemas import StudentWriteSchema

    first = list(SampleStudents(7).rows(50))
    again = list(SampleStudents(7).rows(50))
    assert first == again
    assert len({row["email"] for row in first}) == 50
    with app.test_request_context():
        for row in first:
            StudentWriteSchema().load(row | {"major_id": 1})


def test_seed_demo_adds_majors_and_students_once(db_url, tmp_path):
    from campus import create_app
    from campus.demo import demo_email
    from campus.majors.models import Major
    from campus.users.models import User
    from config import DevelopmentConfig

    config = type(
        "DevTest",
        (DevelopmentConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": db_url,
            "MEDIA_ROOT": str(tmp_path / "media"),
            "PASSWORD_HASH_TIME_COST": 1,
            "PASSWORD_HASH_MEMORY_COST": 1024,
            "PASSWORD_HASH_PARALLELISM": 1,
        },
    )
    app = create_app(config)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    again = runner.invoke(args=["seed", "demo"])
    assert again.exit_code == 0 and "left as they are" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Major.id))) >= 8
        assert db.session.scalar(select(func.count(Student.id))) == 300
        student_account = db.session.scalar(select(User).where(User.email == demo_email("student")))
        assert db.session.scalar(select(Student).where(Student.user_id == student_account.id)) is not None
        db.session.remove()
        db.engine.dispose()
