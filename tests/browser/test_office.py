"""The dean's office's pages in a real browser on `flask seed demo` data: import preview → commit
and → cancel, export as CSV and XLSX, delete asks first, the audit entry of an edit reads as
before → after with names; every page of every role passes axe at 1280 and 360 px in English
and Russian, fits a phone, and works by keyboard."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from campus.demo import DEMO_PASSWORD, demo_email
from tests.support.accessibility import serious_violations
from tests.support.browser import sign_in
from tests.support.spreadsheets import csv_bytes, read_csv, read_xlsx

WIDE = {"width": 1280, "height": 900}
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module", autouse=True)
def demo_data(live_server):
    assert "300 students" in live_server.flask("seed", "demo")


def sign_in_as(page, role: str) -> None:
    """Sign in as the demo account of `role`, landing on the home page."""
    sign_in(page, demo_email(role), DEMO_PASSWORD, "/profile")
    page.goto("/")


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def a_major(page) -> str:
    page.goto("/majors/")
    return page.locator("#majors tbody th a").first.inner_text()


def import_rows(major: str, surname: str, count: int = 2) -> bytes:
    rows = [
        {
            "first_name": "Фёкла",
            "last_name": f"{surname}{n}",
            "date_of_birth": "2004-05-17",
            "email": f"{surname.lower()}{n}@example.test",
            "phone_number": "+7 912 345-67-89",
            "address": "Москва, ул. Ленина, д. 1",
            "enrollment_year": date.today().year - 1,
            "course": 1,
            "major": major,
        }
        for n in range(count)
    ]
    return csv_bytes(rows, delimiter=";", bom=True)


def choose_file(page, data: bytes, name: str) -> None:
    page.set_input_files("input[type=file]", files=[{"name": name, "mimeType": "text/csv", "buffer": data}])


def test_import_preview_then_commit_by_keyboard_and_preview_then_cancel(new_page):
    page = new_page(viewport=WIDE)
    sign_in_as(page, "admin")
    major = a_major(page)
    page.goto("/")
    page.click("#home-office >> text=Import students")
    choose_file(page, import_rows(major, "Импортова"), "office.csv")
    page.focus("input[type=file]")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Preview"
    page.keyboard.press("Enter")
    page.wait_for_selector("#import-rows")
    assert page.locator("#import-rows tbody tr").count() == 2
    assert "2 students will be added" in page.locator("#import-summary").inner_text()
    page.focus("#import-commit")
    page.keyboard.press("Enter")
    page.wait_for_url("**/students/")
    assert "Imported: 2 added, 0 updated." in page.locator(".flash").inner_text()
    page.goto("/students/?q=Импортова")
    assert page.locator("#students .student-card").count() == 2
    # The same file with a new address: both rows are updates, shown as before → after.
    page.goto("/students/import")
    moved = import_rows(major, "Импортова").replace("ул. Ленина".encode(), "ул. Гоголя".encode())
    choose_file(page, moved, "office.csv")
    page.click("text=Preview")
    page.wait_for_selector("#import-updates")
    assert page.locator("#import-updates tbody tr").count() == 2
    assert "Москва, ул. Ленина, д. 1 → Москва, ул. Гоголя, д. 1" in page.locator("#import-updates").inner_text()
    assert "2 students will be updated" in page.locator("#import-summary").inner_text()
    page.click("#import-commit")
    page.wait_for_url("**/students/")
    assert "Imported: 0 added, 2 updated." in page.locator(".flash").inner_text()
    # A file with a problem: named by row and column; cancelling writes nothing.
    page.goto("/students/import")
    choose_file(page, import_rows("Нет такого направления", "Отменова", 3), "bad.csv")
    page.click("text=Preview")
    problems = page.locator("#import-problems tbody tr")
    assert problems.count() == 3
    assert re.match(r"1\s+major\s+No such major", problems.first.inner_text())
    assert page.locator("#import-commit").count() == 0
    page.click("#import-cancel")
    page.wait_for_url("**/students/import")
    page.goto("/students/?q=Отменова")
    assert page.locator("#students .student-card").count() == 0


def test_export_downloads_open_as_csv_and_xlsx_with_the_viewers_fields(new_page, tmp_path):
    page = new_page(viewport=WIDE, accept_downloads=True)
    sign_in_as(page, "teacher")
    page.goto("/students/?course=2")
    shown = page.locator("#students .student-card").count()
    with page.expect_download() as csv_download:
        page.click("text=Export CSV")
    header, *rows = read_csv(Path(csv_download.value.path()).read_bytes())
    assert "email" in header and {row[header.index("course")] for row in rows} == {"2"}
    assert len(rows) >= shown
    with page.expect_download() as xlsx_download:
        page.click("text=Export XLSX")
    sheet = read_xlsx(Path(xlsx_download.value.path()).read_bytes())
    assert len(sheet) == len(rows) + 1
    # A user sees public fields only, and so does their export.
    other = new_page(viewport=WIDE, accept_downloads=True)
    sign_in_as(other, "user")
    other.goto("/students/")
    with other.expect_download() as public:
        other.click("text=Export CSV")
    header, *_rows = read_csv(Path(public.value.path()).read_bytes())
    assert header == ["id", "last_name", "first_name", "major", "course"]


def imported_student(page, surname: str) -> tuple[str, str]:
    """A new student of the admin's own (through the import page): its name and path."""
    major = a_major(page)
    page.goto("/students/import")
    choose_file(page, import_rows(major, surname, 1), "one.csv")
    page.click("form.record-form button[type=submit]")
    page.click("#import-commit")
    page.wait_for_url("**/students/")
    page.goto(f"/students/?q={surname}")
    record = page.locator("#students .student-card .name").first
    return record.inner_text(), record.get_attribute("href")


def test_delete_asks_first_and_cancel_keeps_the_record(new_page):
    page = new_page(viewport=WIDE)
    sign_in_as(page, "admin")
    name, path = imported_student(page, "Удаляемова")
    page.goto(path)
    page.click(".directory-actions >> text=Delete")
    page.wait_for_url(f"**{path}/delete")
    assert "cannot be undone" in page.locator("main").inner_text()
    page.click("#confirm-form >> text=Cancel")
    page.wait_for_url(f"**{path}")
    page.click(".directory-actions >> text=Delete")
    page.click("#confirm-form button")
    page.wait_for_url("**/students/")
    assert name.split()[0] in page.locator(".flash").inner_text()
    assert page.goto(path).status == 404
    page.expected_errors.append("404")


def test_an_edit_reads_in_the_audit_log_as_before_and_after_with_names(new_page):
    page = new_page(viewport=WIDE)
    sign_in_as(page, "admin")
    page.goto("/students/?course=1")
    path = page.locator("#students .student-card .name").first.get_attribute("href")
    page.goto(path + "/edit")
    name = page.input_value("input[name=first_name]") + " " + page.input_value("input[name=last_name]")
    old_address = page.input_value("[name=address]")
    page.fill("[name=address]", "Казань, ул. Баумана, д. 5")
    page.click("form.record-form button[type=submit]")
    page.wait_for_url(f"**{path}")
    page.goto("/admin/audit?action=student.updated")
    row = page.locator("#audit tbody tr").first
    text = row.inner_text()
    assert "Admin Demo" in text and name in text
    assert f"Address: {old_address} → Казань, ул. Баумана, д. 5" in text
    assert row.locator("time").inner_text() != ""  # shown in the reader's zone


PAGES = {
    "guest": ["/"],
    "user": ["/", "/students/"],
    "student": ["/", "/students/me"],
    "teacher": ["/", "/students/?size=12"],
    "admin": ["/", "/students/import", "/admin/audit", "/admin/users", "/admin/roles", "/majors/"],
}


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("width", ["wide", "phone"])
@pytest.mark.parametrize("role", PAGES)
def test_every_page_passes_axe_and_fits(new_page, role, width, language):
    page = new_page(**({"viewport": WIDE} if width == "wide" else PHONE))
    sign_in_as(page, role)
    if language == "ru":
        page.click("form.language-switch button[value=ru]")
        page.wait_for_selector("form.language-switch button[value=ru][aria-pressed=true]")
    try:
        paths = list(PAGES[role])
        if role == "admin":
            page.goto("/students/")
            paths.append(page.locator("#students .student-card .name").first.get_attribute("href") + "/delete")
        for path in paths:
            page.goto(path)
            assert serious_violations(page) == [], path
            if width == "phone":
                assert fits_the_width(page), path
        if role == "admin":  # the import preview, with its problem table
            page.goto("/students/import")
            choose_file(page, import_rows("Нет такого", "Аксе"), "a11y.csv")
            page.click("form.record-form button[type=submit]")
            page.wait_for_selector("#import-problems")
            assert serious_violations(page) == []
            assert width == "wide" or fits_the_width(page)
    finally:
        if language == "ru":
            page.click("form.language-switch button[value=en]")


def test_the_home_page_by_keyboard(new_page):
    """Tab from the top reaches every shortcut of the office's home, and Enter follows it."""
    page = new_page(viewport=WIDE)
    sign_in_as(page, "admin")
    reached = set()
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.getAttribute('href') || ''"))
    assert {"/students/import", "/students/export.csv", "/students/export.xlsx"} <= reached
    assert any(re.match(r"/admin/users\?role=guest", href) for href in reached)
