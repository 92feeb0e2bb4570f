"""Account pages in a real browser against the real server: register (a field error first),
switch the language, edit the profile, log out, log in, reset a forgotten password through the
logged mail; a form posted without its CSRF token is refused; pages fit a phone and show
keyboard focus. Console errors fail every test."""

from __future__ import annotations

import re
import uuid

from tests.support.browser import mailed_reset_link

PASSWORD = "first password 1"
NEW_PASSWORD = "second password 2"


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.test"


def register(page, email: str, password: str = PASSWORD, confirm: str | None = None) -> None:
    page.goto("/register")
    page.get_by_label("Email").fill(email)
    page.get_by_label("First name").fill("Anna")
    page.get_by_label("Last name").fill("Petrova")
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat the password").fill(confirm or password)
    page.get_by_role("button", name="Create account").click()


def log_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.locator("main").get_by_role("button", name="Sign in").click()


def log_out(page) -> None:
    page.locator(".user-menu summary").click()
    page.locator(".user-menu form[action='/logout'] button").click()
    page.locator(".topbar a[href='/login']").wait_for()


def test_register_switch_language_edit_profile_log_out_and_reset_the_password(page, live_server):
    email = unique_email("anna")

    # A field error first, shown next to its field; nothing is created.
    register(page, email, confirm="something else")
    assert page.locator("#confirm-error").inner_text() == "The passwords do not match."
    assert page.get_by_label("Repeat the password").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Email").input_value() == email  # what was typed is kept

    # Then correctly: signed in and sent to the start page.
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(live_server.url + "/")
    assert "Welcome to Campus, Anna!" in page.locator(".flash").inner_text()
    assert page.locator(".user-menu .user-name").inner_text() == "Anna Petrova"

    # The language switch: the page comes back in Russian (and the profile remembers it).
    page.locator(".language-switch button[value=ru]").click()
    page.wait_for_selector("html[lang=ru]")
    assert page.locator("h1").inner_text() == "Здравствуйте, Anna"

    # The profile, through the user menu: edit name, phone and language.
    page.locator(".user-menu summary").click()
    page.locator(".user-menu").get_by_role("link", name="Ваш профиль").click()
    page.wait_for_url(re.compile(r"/profile$"))
    assert page.get_by_label("Язык").input_value() == "ru"
    page.get_by_label("Имя").fill("Anya")
    page.get_by_label("Телефон (необязательно)").fill("8 912 345 67 89")
    page.get_by_label("Язык").select_option("en")
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_selector("html[lang=en]")
    assert page.locator(".flash").inner_text() == "Your profile is saved."
    assert page.get_by_label("First name").input_value() == "Anya"
    assert page.get_by_label("Phone (optional)").input_value() == "+7 912 345-67-89"
    assert "argon2" not in page.content()

    log_out(page)
    assert page.locator(".flash").inner_text() == "You have signed out."
    page.goto("/profile")
    page.wait_for_url(re.compile(r"/login\?next=/profile$"))

    # The wrong password gets the generic error; the right one signs in.
    log_in(page, email, "not my password")
    assert page.locator(".form-errors").inner_text() == "Wrong email or password."
    log_in(page, email, PASSWORD)
    page.wait_for_url(live_server.url + "/")
    log_out(page)

    # A forgotten password: the mailed link (in the server's log) sets a new one, once.
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_url(re.compile(r"/login$"))
    assert "a link to choose a new password is on its way" in page.locator(".flash").inner_text()
    link = mailed_reset_link(live_server, email)
    page.goto(link)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_label("Repeat the password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    page.wait_for_url(re.compile(r"/login$"))
    log_in(page, email, PASSWORD)
    assert page.locator(".form-errors").inner_text() == "Wrong email or password."
    log_in(page, email, NEW_PASSWORD)
    page.wait_for_url(live_server.url + "/")
    assert page.locator(".user-menu .user-name").inner_text() == "Anya Petrova"
    spent = page.context.request.get(link)  # (a 400 page in the tab would log a console error)
    assert spent.status == 400 and "not valid any more" in spent.text()


def test_pages_fit_a_phone_and_show_keyboard_focus(new_page, live_server):
    page = new_page(viewport={"width": 360, "height": 740})
    fits = "document.documentElement.scrollWidth <= window.innerWidth"
    register(page, unique_email("phone"), confirm="not the same")
    assert page.evaluate(fits), "/register with errors"
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(live_server.url + "/")
    for path in ("/", "/profile"):
        page.goto(path)
        assert page.evaluate(fits), path
    page.goto("/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => {
        const element = document.activeElement, style = getComputedStyle(element);
        return {className: element.className, outline: style.outlineStyle, width: style.outlineWidth};
    }""")
    assert focused == {"className": "skip", "outline": "solid", "width": "3px"}


def test_a_form_posted_without_its_csrf_token_is_refused(page, live_server):
    email = unique_email("csrf")
    register(page, email)
    page.wait_for_url(live_server.url + "/")
    page.goto("/profile")
    # The browser's own cookies and the form's fields, but no CSRF token: what a forged
    # cross-site form sends. (Through the context's request API: a refused fetch() in the page
    # would log a console error, which these tests forbid.)
    response = page.context.request.post(
        live_server.url + "/profile",
        max_redirects=0,
        headers={"Accept": "text/html"},
        form={"first_name": "Forged", "last_name": "Name", "phone": "", "language": ""},
    )
    status = response.status
    assert "security token" in response.text()
    assert status == 403
    page.reload()
    assert page.get_by_label("First name").input_value() == "Anna"
