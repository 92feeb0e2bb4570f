"""The home page shows each role its work: guests what they may do, students their chats and
record, teachers their majors and cohorts, the office its figures, recent changes and shortcuts."""

from __future__ import annotations

import re

import pytest

from campus.extensions import db
from campus.users.models import User


def section(html: str, section_id: str) -> str:
    """The text of one `<section id=…>` of the page ("" when absent)."""
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', html, re.S)
    return match.group(0) if match else ""


def home(browser_for, user_id) -> str:
    response = browser_for(user_id).get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


PANELS = {
    "guest": {"home-guest"},
    "user": {"home-chats"},
    "student": {"home-chats", "home-student"},
    "teacher": {"home-chats", "home-student", "home-teaching"},
    "moderator": {"home-chats", "home-student", "home-teaching"},
    "admin": {"home-chats", "home-student", "home-teaching", "home-office", "home-audit"},
}
ALL_PANELS = set().union(*PANELS.values())


@pytest.mark.parametrize("role", PANELS)
def test_each_role_sees_its_panels_and_no_others(app, make_user, browser_for, role):
    html = home(browser_for, make_user(role))
    shown = {panel for panel in ALL_PANELS if section(html, panel)}
    assert shown == PANELS[role]


def test_signed_out_visitors_are_invited_to_register(client):
    html = client.get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/register"' in html and "home-chats" not in html


def test_a_student_sees_unread_counts_record_and_campus_chats(app, make_user, browser_for, make_major, make_student):
    from campus.chat.chats import create_private_chat
    from campus.chat.messages import send_message

    me, friend = make_user("student", first_name="Анна"), make_user("user", first_name="Пётр", last_name="Сидоров")
    make_student(make_major("Физика"), user_id=me, course=2, enrollment_year=2025)
    with app.app_context():
        chat, _created = create_private_chat(db.session.get(User, friend), me)
        for n in range(3):
            send_message(db.session.get(User, friend), chat["id"], client_id=f"c{n}", body="привет")
    html = home(browser_for, me)
    chats = section(html, "home-chats")
    assert "Пётр Сидоров" in chats and "3 unread" in chats
    record = section(html, "home-student")
    assert "Физика" in record and "/students/me" in record
    campus_chats = re.findall(r'/chat/\d+">([^<]+)</a>', record)
    assert campus_chats == ["Физика", "Физика, 2025"]  # the major's and the cohort's chats


def test_teachers_see_their_campus_chats_with_student_counts_and_a_search(
    app, make_user, browser_for, make_major, make_student
):
    from campus.chat.campus_chats import list_campus_chats
    from campus.chat.chats import add_member

    teacher = make_user("teacher")
    major = make_major("Химия")
    for n in range(3):
        make_student(major, user_id=make_user("student"), enrollment_year=2025, course=1, last_name=f"Х{n}")
    with app.app_context():
        user = db.session.get(User, teacher)
        major_chat = next(chat for chat in list_campus_chats(user) if chat["kind"] == "major")
        add_member(user, major_chat["id"], teacher)
    teaching = section(home(browser_for, teacher), "home-teaching")
    assert "Химия" in teaching and "3 students" in teaching
    assert 'action="/students/"' in teaching and 'name="q"' in teaching


def test_the_office_sees_counts_waiting_accounts_and_recent_changes(
    app, make_user, browser_for, make_major, make_student, bulk_students
):
    admin = make_user("admin", first_name="Ольга", last_name="Деканова")
    physics = make_major("Физика")
    bulk_students(
        [{"first_name": "А", "last_name": f"Б{n}", "major_id": physics, "course": 1 + n % 2} for n in range(5)]
    )
    make_user("guest")
    make_user("guest")
    browser = browser_for(admin)
    browser.post(
        f"/majors/{physics}/edit",
        {"name": "Физика и астрономия", "description": ""},
        csrf_from=f"/majors/{physics}/edit",
    )
    html = home(browser_for, admin)
    office = section(html, "home-office")
    row = re.search(r"<tr>\s*<th[^>]*><a[^>]*>Физика и астрономия</a></th>(.*?)</tr>", office, re.S).group(1)
    assert re.findall(r">(\d+)<", row) == ["3", "2", "5"]
    assert "2 accounts waiting for approval" in office
    assert "/students/import" in office and "/students/export.csv" in office and "/students/export.xlsx" in office
    audit = section(html, "home-audit")
    assert "Ольга Деканова" in audit and "Major changed" in audit


def test_the_home_page_speaks_russian(app, make_user, browser_for):
    browser = browser_for(make_user("admin"))
    browser.client.set_cookie("lang", "ru")
    html = browser.get("/").get_data(as_text=True)
    assert "Деканат" in html and "Последние изменения" in html
