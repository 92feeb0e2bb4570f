"""Admin pages and API docs in a real browser against the real server.

An admin (made with `flask users create-admin`, signed in through the login form) changes a user's role and finds it in the audit log; a form posted without its CSRF token
is refused; /docs renders Swagger UI under the Content-Security-Policy without console errors.
"""

from __future__ import annotations

import uuid

import pytest

from tests.support.browser import sign_in
from tests.support.chat_client import CampusApi

PASSWORD = "admin password 1"


@pytest.fixture(scope="module")
def admin_email(live_server):
    email = f"admin-{uuid.uuid4().hex[:6]}@example.test"
    live_server.flask("users", "create-admin", email, "--password", PASSWORD, "--role", "admin")
    return email


def open_a_new_users_admin_page(page, live_server, admin_email: str) -> None:
    """Register a user, sign in as the admin and open that user's page in the admin pages."""
    target = f"target-{uuid.uuid4().hex[:6]}@example.test"
    CampusApi(live_server.url).register("Target", email=target)
    sign_in(page, admin_email, PASSWORD, "/admin/users")
    page.goto("/admin/users?q=" + target)
    page.locator("#users tbody tr a").first.click()


def test_admin_changes_a_role_and_finds_it_in_the_audit_log(page, live_server, admin_email):
    target = f"target-{uuid.uuid4().hex[:6]}@example.test"
    CampusApi(live_server.url).register("Tatiana", email=target)
    sign_in(page, admin_email, PASSWORD, "/admin/users")
    page.goto("/")
    page.click("a.nav-admin")
    page.fill("input[name=q]", "tatiana")
    page.click("form.filters button")
    row = page.locator("#users tbody tr", has_text=target)
    assert row.locator(".role").inner_text() == "User"
    row.locator("a").click()

    page.select_option("#role-form select[name=role]", "moderator")
    page.click("#role-form button")
    page.wait_for_selector(".flash-success")
    assert page.locator("#current-role").inner_text() == "Moderator"

    page.click("nav.admin-nav >> text=Audit log")
    entry = page.locator("#audit tbody tr", has_text="Tatiana").first
    assert "Role changed" in entry.inner_text()
    assert entry.locator(".change").inner_text() == "User → Moderator"


def test_admin_may_not_grant_admin_in_the_browser(page, live_server, admin_email):
    open_a_new_users_admin_page(page, live_server, admin_email)
    options = page.locator("#role-form select[name=role] option")
    assert options.all_inner_texts() == ["Guest", "User", "Student", "Teacher", "Moderator"]
    assert [options.nth(i).get_attribute("value") for i in range(options.count())] == [
        "guest",
        "user",
        "student",
        "teacher",
        "moderator",
    ]
    # A forged choice, posted with the page's own CSRF token, changes nothing.
    page.evaluate("""() => {
        const select = document.querySelector('#role-form select[name=role]');
        select.add(new Option('Admin', 'admin', true, true));
    }""")
    page.click("#role-form button")
    page.wait_for_selector(".flash-error")
    assert page.locator("#current-role").inner_text() == "User"


def test_a_form_posted_without_its_csrf_token_is_refused(page, live_server, admin_email):
    open_a_new_users_admin_page(page, live_server, admin_email)
    action = page.locator("#role-form").get_attribute("action")
    # The browser's own cookies, the form's fields, but no csrf_token: what a forged post sends.
    response = page.context.request.post(
        live_server.url + action, form={"role": "moderator"}, headers={"Accept": "text/html"}, max_redirects=0
    )
    assert response.status == 403
    assert "security token" in response.text()
    page.reload()
    assert page.locator("#current-role").inner_text() == "User"


def test_swagger_ui_renders_under_the_csp(page):
    page.goto("/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Campus API" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock-summary-path", has_text="/api/v1/users/me").first.wait_for()
    assert page.locator("button.authorize").count() == 1  # bearerAuth is offered
