"""Destructive actions ask first, on a page that works without JavaScript: deleting a student or a
major (refused with the reason while it has students), deactivating an account."""

from __future__ import annotations

import re

from sqlalchemy import select

from campus.extensions import db
from campus.majors.models import Major
from campus.students.models import Student
from campus.users.models import User

CONFIRM_FORM = re.compile(
    r'<form method="post" action="([^"]+)" class="actions-row" id="confirm-form">(.*?)</form>', re.S
)


def confirm_form(response) -> tuple[str, dict[str, str]]:
    """The confirmation page's form: where it posts and its fields."""
    assert response.status_code == 200
    action, body = CONFIRM_FORM.search(response.get_data(as_text=True)).groups()
    inputs = re.findall(r"<input[^>]*>", body)
    fields = {}
    for tag in inputs:
        name, value = re.search(r'name="([^"]+)"', tag).group(1), re.search(r'value="([^"]*)"', tag).group(1)
        fields[name] = value
    return action, fields


def test_the_record_page_links_to_a_question_and_only_its_form_deletes(app, make_user, browser_for, make_student):
    student = make_student()
    browser = browser_for(make_user("admin"))
    detail = browser.get(f"/students/{student}").get_data(as_text=True)
    assert f'href="/students/{student}/delete"' in detail
    assert 'method="post" action="/students/' not in detail  # no one-click delete
    page = browser.get(f"/students/{student}/delete")
    text = page.get_data(as_text=True)
    assert "cannot be undone" in text and f'href="/students/{student}"' in text  # cancel goes back
    with app.app_context():
        assert db.session.get(Student, student) is not None  # asking deletes nothing
    action, fields = confirm_form(page)
    assert action == f"/students/{student}/delete" and "csrf_token" in fields
    done = browser.client.post(action, data=fields, headers={"Accept": "text/html"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Student, student) is None


def test_the_confirmation_form_without_its_csrf_token_deletes_nothing(app, make_user, browser_for, make_student):
    student = make_student()
    browser = browser_for(make_user("admin"))
    response = browser.client.post(f"/students/{student}/delete", data={}, headers={"Accept": "text/html"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Student, student) is not None


def test_a_major_with_students_says_why_it_cannot_go(app, make_user, browser_for, make_major, make_student):
    busy, empty = make_major("Физика"), make_major("Геология")
    make_student(busy)
    make_student(busy)
    browser = browser_for(make_user("admin"))
    refused = browser.get(f"/majors/{busy}/delete")
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "Физика still has 2 students; move or delete them first." in text
    assert 'id="confirm-form"' not in text
    action, fields = confirm_form(browser.get(f"/majors/{empty}/delete"))
    assert browser.client.post(action, data=fields).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Major.name)).all() == ["Физика"]


def test_deactivating_asks_first_and_activating_does_not(app, make_user, browser_for):
    target = make_user("user")
    browser = browser_for(make_user("admin"))
    detail = browser.get(f"/admin/users/{target}").get_data(as_text=True)
    assert f'href="/admin/users/{target}/active"' in detail
    page = browser.get(f"/admin/users/{target}/active")
    with app.app_context():
        assert db.session.get(User, target).is_active
    action, fields = confirm_form(page)
    assert fields.get("active") == "0"
    browser.client.post(action, data=fields)
    with app.app_context():
        assert not db.session.get(User, target).is_active
    detail = browser.get(f"/admin/users/{target}").get_data(as_text=True)
    assert (
        'id="active-form"' in detail and "Activate" in detail and f'href="/admin/users/{target}/active"' not in detail
    )


def test_only_writers_reach_the_questions(app, make_user, browser_for, make_major, make_student):
    major = make_major()
    student = make_student(major)
    teacher = browser_for(make_user("teacher"))
    assert teacher.get(f"/students/{student}/delete").status_code == 403
    assert teacher.get(f"/majors/{major}/delete").status_code == 403
    assert teacher.get(f"/admin/users/{make_user('user')}/active").status_code == 403


def test_the_questions_speak_russian(app, make_user, browser_for, make_major, make_student):
    major = make_major("Физика")
    make_student(major)
    browser = browser_for(make_user("admin"))
    browser.client.set_cookie("lang", "ru")
    text = browser.get(f"/majors/{major}/delete").get_data(as_text=True)
    assert "Отмена" in text and "студент" in text
    text = browser.get(f"/students/{make_student(major)}/delete").get_data(as_text=True)
    assert "Отмена" in text and "необратимо" in text


def test_removing_a_photo_asks_first(app, make_user, browser_for, make_student):
    from tests.support.images import image_bytes

    student = make_student()
    browser = browser_for(make_user("admin"))
    assert browser.get(f"/students/{student}/photo/delete").status_code == 302  # no photo: nothing to ask
    with app.app_context():
        from campus.students.services import set_photo

        set_photo(None, db.session.get(Student, student), image_bytes("PNG", (64, 64)), "me.png")
    detail = browser.get(f"/students/{student}").get_data(as_text=True)
    assert f'href="/students/{student}/photo/delete"' in detail
    page = browser.get(f"/students/{student}/photo/delete")
    with app.app_context():
        assert db.session.get(Student, student).photo_key is not None
    action, fields = confirm_form(page)
    assert browser.client.post(action, data=fields).status_code == 302
    with app.app_context():
        assert db.session.get(Student, student).photo_key is None
    assert browser_for(make_user("teacher")).get(f"/students/{student}/photo/delete").status_code == 403
