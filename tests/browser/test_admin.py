"""Admin pages and API docs in a real browser against the real server.

An admin (made with `flask users create-admin`, signed in through the login form) changes a user's role and finds it in the audit log; a form posted without its CSRF token
is refused; /docs renders Swagger UI under the Content-Security-Policy without console errors.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
import requests

from tests.support.server import ROOT

PASSWORD = "admin password 1"


def flask_cli(live_server, *args: str) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": live_server.database_url,
        "CAMPUS_CONFIG": "development",
        "SOCKETIO_MESSAGE_QUEUE": "",
    }
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "campus:create_app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def register(live_server, email: str, first_name: str = "Target") -> None:
    response = requests.post(
        f"{live_server.url}/api/v1/auth/register",
        timeout=10,
        json={"email": email, "password": "user password 1", "first_name": first_name, "last_name": "Person"},
    )
    assert response.status_code == 201, response.text


def sign_in(page, email: str, password: str, next_path: str = "/admin/users") -> None:
    """Open an admin page signed out, get sent to the login form, sign in, land back there."""
    page.goto(next_path)
    assert "/login" in page.url
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form[action*=login] button[type=submit]")
    page.wait_for_url(f"**{next_path}*")


@pytest.fixture(scope="module")
def admin_email(live_server):
    email = f"admin-{uuid.uuid4().hex[:6]}@example.test"
    flask_cli(live_server, "users", "create-admin", email, "--password", PASSWORD, "--role", "admin")
    return email


def test_admin_changes_a_role_and_finds_it_in_the_audit_log(page, live_server, admin_email):
    target = f"target-{uuid.uuid4().hex[:6]}@example.test"
    register(live_server, target, first_name="Tatiana")
    sign_in(page, admin_email, PASSWORD)
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
    target = f"target-{uuid.uuid4().hex[:6]}@example.test"
    register(live_server, target)
    sign_in(page, admin_email, PASSWORD)
    page.goto("/admin/users?q=" + target)
    page.locator("#users tbody tr a").first.click()
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
    target = f"target-{uuid.uuid4().hex[:6]}@example.test"
    register(live_server, target)
    sign_in(page, admin_email, PASSWORD)
    page.goto("/admin/users?q=" + target)
    page.locator("#users tbody tr a").first.click()
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
