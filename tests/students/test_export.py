"""Export of the student list: the filtered list, every page of it, only the fields the viewer may
see, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import pytest

from campus.students import exporting
from tests.support.spreadsheets import read_csv, read_xlsx

EVIL = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture
def directory(make_major, make_student):
    physics, history = make_major("Физика"), make_major("История")
    make_student(physics, first_name=EVIL, last_name="Анна", email="anna@example.test", special_notes="@SUM(1)")
    make_student(physics, first_name="Борис", last_name="Белов", email="boris@example.test")
    make_student(history, first_name="Вера", last_name="Волкова", email="vera@example.test")
    return {"physics": physics, "history": history}


def test_admin_csv_has_the_whole_record_of_the_filtered_list_with_formulas_neutralised(
    app, make_user, browser_for, directory, monkeypatch
):
    monkeypatch.setattr(exporting, "BATCH", 1)  # several keyset pages
    response = browser_for(make_user("admin")).get(f"/students/export.csv?major_id={directory['physics']}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    header, *rows = read_csv(response.data)
    assert header == list(exporting.FULL_COLUMNS)
    by_email = {row[header.index("email")]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_email) == {"anna@example.test", "boris@example.test"}
    anna = by_email["anna@example.test"]
    assert anna["first_name"] == "'" + EVIL
    assert anna["special_notes"] == "'@SUM(1)"
    assert anna["phone_number"] == "'+79123456789"
    assert anna["major"] == "Физика"


def test_a_public_viewer_gets_only_public_fields(app, make_user, browser_for, directory):
    response = browser_for(make_user("user")).get("/students/export.csv")
    header, *rows = read_csv(response.data)
    assert header == list(exporting.PUBLIC_COLUMNS)
    assert len(rows) == 3
    assert b"@example.test" not in response.data and b"+7912" not in response.data


def test_a_public_viewer_may_not_filter_by_a_hidden_field(app, make_user, browser_for, directory):
    response = browser_for(make_user("user")).get("/students/export.csv?enrollment_year=2020")
    _header, *rows = read_csv(response.data)
    assert len(rows) == 3  # the form has no such filter for them: ignored, like the list page


def test_xlsx_cells_are_text_never_formulas(app, make_user, browser_for, directory):
    response = browser_for(make_user("teacher")).get("/students/export.xlsx?q=анна")
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    header, *rows = read_xlsx(response.data)
    assert [cell.value for cell in header] == list(exporting.FULL_COLUMNS)
    assert len(rows) == 1
    first_name = rows[0][exporting.FULL_COLUMNS.index("first_name")]
    assert first_name.value == EVIL and first_name.data_type == "s"


def test_export_needs_a_directory_reader(app, make_user, browser_for, client):
    assert browser_for(make_user("guest")).get("/students/export.csv").status_code == 403
    assert client.get("/students/export.csv").status_code == 302  # to the login page
    assert browser_for(make_user("admin")).get("/students/export.pdf").status_code == 404
