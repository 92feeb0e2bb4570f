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
    assert "Imported 5 students." in result.output
    assert count_students(app) == 5
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "students.imported"))
        assert entry.new_value == '{"count": 5}'


def test_json_import_reports_every_bad_row_and_writes_nothing(app, runner, tmp_path, make_major, make_student):
    major = make_major()
    make_student(major, email="taken@example.test")
    rows = [
        student_payload(major),  # 1 good
        student_payload(major, phone_number="12", course=9),  # 2 two problems
        student_payload(major),  # 3 good
        student_payload(major, enrollment_year=2047),  # 4 the seed's fault
        student_payload(999),  # 5 unknown major
        student_payload(major, email="TAKEN@example.test"),  # 6 already in the directory
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
    assert "row 6: email: Already used by another student." in lines
    assert "row 8: email: Same as row 7." in lines
    assert any(line.startswith("row 9: _schema: ") for line in lines)
    assert "row 10: role: Unknown field." in lines
    assert not any(line.startswith(("row 1:", "row 3:", "row 7:")) for line in lines)
    assert "nothing was imported" in result.output
    assert count_students(app) == 1


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
