"""The audit log reads as people speak: names instead of ids, the change per field as before →
after, links to who and what; the same as CSV; a page size."""

from __future__ import annotations

import re

from tests.support.directory import form_data
from tests.support.spreadsheets import read_csv


def audit_rows(html: str) -> list[str]:
    return html.split('<tr data-action="')[1:]


def changes_of(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", row, re.S)]


def edit_student(browser, student, major, account_email="", **changes):
    path = f"/students/{student}/edit"
    return browser.post(path, form_data(major, **changes) | {"account_email": account_email}, csrf_from=path)


def test_an_edit_reads_as_before_and_after_with_names(app, make_user, make_major, make_student, browser_for):
    admin = make_user("admin", first_name="Ольга", last_name="Деканова")
    physics, chemistry = make_major("Физика"), make_major("Химия")
    student = make_student(physics, first_name="Анна", last_name="Орлова", email="anna@example.test", course=1)
    account = make_user("student", email="anna.account@example.test", first_name="Анна", last_name="Аккаунт")
    browser = browser_for(admin)
    edit_student(
        browser,
        student,
        chemistry,
        first_name="Анна",
        last_name="Орлова",
        email="anna@example.test",
        course=2,
        account_email="anna.account@example.test",
    )
    [row] = audit_rows(browser.get("/admin/audit?action=student.updated").get_data(as_text=True))
    assert "Ольга Деканова" in row and f'href="/admin/users/{admin}"' in row
    assert f'href="/students/{student}"' in row and "Student record: Анна Орлова" in row
    changes = changes_of(row)
    assert "Major: Физика → Химия" in changes
    assert "Course: 1 → 2" in changes
    assert "Account: — → Анна Аккаунт" in changes
    assert not any("Email" in change for change in changes)  # unchanged fields stay out
    assert f'href="/admin/users/{account}"' not in row  # named in the change, the link is the target's


def test_a_deleted_major_keeps_its_name_without_a_link(app, make_user, make_major, browser_for):
    major = make_major("Геология")
    browser = browser_for(make_user("admin"))
    browser.post(f"/majors/{major}/delete", {}, csrf_from="/majors/")
    [row] = audit_rows(browser.get("/admin/audit?action=major.deleted").get_data(as_text=True))
    assert f"Major: Геология (#{major})" in row and f"/majors/{major}/edit" not in row
    assert "Name: Геология → —" in changes_of(row)


def test_the_log_exports_as_csv_per_field_with_the_filters(app, make_user, make_major, make_student, browser_for):
    physics, chemistry = make_major("Физика"), make_major("=Химия")
    student = make_student(physics, first_name="Анна", last_name="Орлова", email="anna@example.test")
    browser = browser_for(make_user("admin"))
    edit_student(browser, student, chemistry, first_name="Анна", last_name="Орлова", email="anna@example.test")
    page = browser.get("/admin/audit?action=student.updated").get_data(as_text=True)
    link = re.search(r'id="audit-export" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert link == "/admin/audit.csv?action=student.updated"
    response = browser.get(link)
    assert response.headers["Content-Type"].startswith("text/csv")
    header, *rows = read_csv(response.data)
    assert header == ["id", "at_utc", "actor", "actor_email", "action", "target", "field", "before", "after"]
    assert {row[4] for row in rows} == {"Student changed"}
    assert ["Major", "Физика", "'=Химия"] in [row[6:] for row in rows]


def test_the_page_size_is_a_choice(app, make_user, make_major, browser_for):
    browser = browser_for(make_user("admin"))
    for n in range(25):
        make_major(f"Направление {n}")
    first = browser.get("/admin/audit?size=20").get_data(as_text=True)
    assert len(audit_rows(first)) == 20 and 'rel="next"' in first
    assert len(audit_rows(browser.get("/admin/audit").get_data(as_text=True))) == 25
    assert browser.get("/admin/audit?size=7").status_code == 200  # not a choice: the form says so
    assert "field-error" in browser.get("/admin/audit?size=7").get_data(as_text=True)


def test_the_readable_log_speaks_russian(app, make_user, make_major, make_student, browser_for):
    physics, chemistry = make_major("Физика"), make_major("Химия")
    student = make_student(physics, first_name="Анна", last_name="Орлова", email="anna@example.test")
    browser = browser_for(make_user("admin"))
    edit_student(browser, student, chemistry, first_name="Анна", last_name="Орлова", email="anna@example.test")
    browser.client.set_cookie("lang", "ru")
    [row] = audit_rows(browser.get("/admin/audit?action=student.updated").get_data(as_text=True))
    assert "Направление: Физика → Химия" in changes_of(row)


def test_only_audit_readers_export_it(make_user, browser_for):
    assert browser_for(make_user("teacher")).get("/admin/audit.csv").status_code == 403


def test_the_log_pages_forward_and_back(app, make_user, make_major, browser_for):
    browser = browser_for(make_user("admin"))
    for n in range(25):
        make_major(f"Направление {n:02d}")
    path, forward, html = "/admin/audit?size=20&action=major.created", [], ""
    while path:
        html = browser.get(path).get_data(as_text=True)
        forward.append(re.findall(r"Направление \d\d", html)[::2])
        match = re.search(r'<a href="([^"]+)" rel="next">', html)
        path = match.group(1).replace("&amp;", "&") if match else None
    assert [len(page) for page in forward] == [20, 5]
    back = re.search(r'<a href="([^"]+)" rel="prev">', html).group(1).replace("&amp;", "&")
    first = browser.get(back).get_data(as_text=True)
    assert re.findall(r"Направление \d\d", first)[::2] == forward[0]
    assert 'rel="prev"' not in first and 'rel="next"' in first
