"""The directory in a real browser against the real server, on `flask seed demo` data.

Filter and page the students list, open a student; an admin creates a student with a photo and
finds it in the list; a linked student corrects their phone on "my record".
"""

from __future__ import annotations

import re

import pytest
from PIL import Image

from campus.demo import DEMO_PASSWORD, demo_email
from tests.support.browser import sign_in


@pytest.fixture(scope="module", autouse=True)
def demo_data(live_server):
    output = live_server.flask("seed", "demo")
    assert "300 students" in output


def sign_in_as(page, role: str, next_path: str) -> None:
    """Sign in as the demo account of `role` (`flask seed demo`), landing on `next_path`."""
    sign_in(page, demo_email(role), DEMO_PASSWORD, next_path)


def card_names(page) -> list[str]:
    return page.locator("#students .student-card .name").all_inner_texts()


def card_ids(page) -> list[str]:
    return [card.get_attribute("data-student-id") for card in page.locator("#students .student-card").all()]


def test_filter_and_page_the_list_then_open_a_student(page):
    sign_in_as(page, "user", "/students/")
    first_page = card_ids(page)
    assert len(first_page) == 24
    # Filter by a major with the keyboard-usable select, and by course.
    page.select_option("select[name=major_id]", label="Физика")
    page.select_option("select[name=course]", value="1")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"major_id=\d+"))
    majors = set(page.locator("#students .major").all_inner_texts())
    courses = set(page.locator("#students .course").all_inner_texts())
    assert majors == {"Физика"} and len(courses) == 1
    # Back to everyone, then the next page: new cards, filters kept in the link.
    page.select_option("select[name=major_id]", value="")
    page.select_option("select[name=course]", value="")
    page.click("form.filters button[type=submit]")
    page.click("nav.pager a[rel=next]")
    page.wait_for_url(re.compile(r"cursor="))
    second_page = card_ids(page)
    assert len(second_page) == 24 and not set(second_page) & set(first_page)
    # Search in Russian, any case.
    surname = card_names(page)[0].split()[0]
    page.fill("input[name=q]", surname.upper())
    page.press("input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"q="))
    assert all(surname in name for name in card_names(page))
    # Open a student.
    page.locator("#students .student-card .name").first.click()
    page.wait_for_url(re.compile(r"/students/\d+$"))
    assert surname in page.locator("h1").inner_text()
    assert page.locator("#student .major").inner_text()


def test_admin_creates_a_student_with_a_photo_and_finds_it_in_the_list(page, tmp_path):
    photo = tmp_path / "portrait.png"
    image = Image.new("RGB", (320, 240), (30, 90, 160))
    image.save(photo, "PNG")
    sign_in_as(page, "admin", "/students/new")
    page.fill("input[name=first_name]", "Василиса")
    page.fill("input[name=last_name]", "Браузерова")
    page.fill("input[name=date_of_birth]", "2005-03-08")
    page.fill("input[name=email]", "vasilisa.browser@example.test")
    page.fill("input[name=phone_number]", "8 912 345 67 89")
    page.fill("textarea[name=address]", "г. Москва, ул. Тверская, д. 1")
    page.select_option("select[name=major_id]", label="Химия")
    page.fill("input[name=enrollment_year]", "2024")
    page.select_option("select[name=course]", value="2")
    page.set_input_files("input[name=photo]", str(photo))
    page.click("form.record-form button[type=submit]")
    page.wait_for_url(re.compile(r"/students/\d+$"))
    assert page.locator("h1").inner_text() == "Браузерова Василиса"
    assert page.locator("#student .phone").inner_text() == "+7 912 345-67-89"
    photo_element = page.locator("#student img.photo")
    assert photo_element.evaluate("img => img.complete && img.naturalWidth") == 320
    page.goto("/students/?q=браузерова")
    card = page.locator("#students .student-card")
    assert card.count() == 1
    assert card.locator(".name").inner_text() == "Браузерова Василиса"
    thumb = card.locator("img.photo")
    thumb.evaluate("img => img.decode()")
    assert thumb.evaluate("img => img.naturalWidth") == 256


def test_a_student_corrects_their_phone_on_my_record(page):
    sign_in_as(page, "student", "/students/")
    page.click("nav a[href='/students/me']")
    page.wait_for_url("**/students/me")
    page.fill("input[name=phone_number]", "+7 (903) 555-12-34")
    page.click("form.record-form button[type=submit]")
    page.wait_for_selector(".flash")
    assert page.locator("#my-record .phone").inner_text() == "+7 903 555-12-34"
    # A bad number is refused with the error next to the field, and the saved one stays.
    page.fill("input[name=phone_number]", "12345")
    page.click("form.record-form button[type=submit]")
    error = page.locator("#phone_number-errors")
    assert error.is_visible()
    assert page.locator("input[name=phone_number]").get_attribute("aria-invalid") == "true"
    assert page.locator("#my-record .phone").inner_text() == "+7 903 555-12-34"


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_on_a_phone_in_russian_with_the_keyboard_only(new_page):
    """A 360 px wide screen, Russian, no mouse: every directory page fits without sideways scrolling;
    search, open a card and come back with keys alone."""
    page = new_page(viewport={"width": 360, "height": 740}, locale="ru-RU", is_mobile=True, has_touch=True)
    sign_in_as(page, "teacher", "/students/")
    page.click("form.language-switch button[value=ru]")  # the demo accounts prefer English
    page.wait_for_selector("form.language-switch button[value=ru][aria-pressed=true]")
    try:
        check_phone_and_keyboard(page)
    finally:
        page.click("form.language-switch button[value=en]")


def check_phone_and_keyboard(page) -> None:
    page.goto("/students/")
    assert page.locator("h1").inner_text() == "Студенты"
    for path in ("/students/", "/majors/"):
        page.goto(path)
        assert fits_the_width(page), path
    page.goto("/students/")
    student_path = page.locator("#students .student-card .name").first.get_attribute("href")
    page.goto(student_path)
    assert fits_the_width(page), student_path
    # Keyboard: Tab reaches the search box, Enter searches, Tab reaches a card's link, Enter opens it.
    page.goto("/students/")
    surname = card_names(page)[0].split()[0]
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "q":
            break
    else:
        pytest.fail("Tab never reached the search box")
    page.keyboard.type(surname.lower())
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q="))
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.student-card') !== null"):
            break
    else:
        pytest.fail("Tab never reached a student card")
    focused = page.evaluate("document.activeElement.textContent")
    assert surname in focused
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/students/\d+$"))
    assert surname in page.locator("h1").inner_text()
    # Every visible control of the list's filter form has a label.
    page.goto("/students/")
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('form.filters input, form.filters select')]
        .filter(el => el.type !== 'hidden' && !(el.labels && el.labels.length))
        .map(el => el.name)""")
    assert unlabelled == []


def test_admin_pages_fit_a_phone_and_label_every_field(new_page):
    page = new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    sign_in_as(page, "admin", "/students/new")
    student_path = None
    for path in ("/students/new", "/majors/", "/majors/new", "/students/"):
        page.goto(path)
        assert fits_the_width(page), path
    student_path = page.locator("#students .student-card .name").first.get_attribute("href")
    for path in ("/students/new", student_path + "/edit", "/majors/new"):
        page.goto(path)
        assert fits_the_width(page), path
        unlabelled = page.evaluate("""() => [...document.querySelectorAll('main form input, main form select, main form textarea')]
            .filter(el => el.type !== 'hidden' && !(el.labels && el.labels.length))
            .map(el => el.name)""")
        assert unlabelled == [], path
