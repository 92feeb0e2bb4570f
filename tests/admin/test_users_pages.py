"""Admin user pages: who may open them, search and filters, and role / activation changes within
the limits of docs/design.md#roles-and-permissions — every change audited, every refusal leaving the data as it was."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from campus.audit.models import AuditEntry
from campus.extensions import db
from campus.users.models import User
from tests.support.accounts import bearer


def role_of(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).role.name


def is_active(app, user_id: int) -> bool:
    with app.app_context():
        return db.session.get(User, user_id).is_active


def audit_rows(app) -> list[tuple]:
    with app.app_context():
        return [
            (e.actor_id, e.action, e.target_type, e.target_id, e.old_value, e.new_value)
            for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def change_role(browser, target_id: int, role: str):
    page = f"/admin/users/{target_id}"
    return browser.post(f"{page}/role", {"role": role}, csrf_from=page)


def set_active(browser, target_id: int, active: bool):
    page = f"/admin/users/{target_id}"
    return browser.post(f"{page}/active", {"active": "1" if active else "0"}, csrf_from=page)


# --- who may open the pages -----------------------------------------------------------------


@pytest.mark.parametrize("role", ["guest", "user", "student", "teacher", "moderator"])
@pytest.mark.parametrize("path", ["/admin/", "/admin/users", "/admin/users/1", "/admin/audit"])
def test_non_admins_get_a_403_page(make_user, browser_for, role, path):
    response = browser_for(make_user(role)).get(path)
    assert response.status_code == 403
    assert response.mimetype == "text/html"


@pytest.mark.parametrize("path", ["/admin/users", "/admin/audit", "/admin/users/1"])
def test_signed_out_visitors_are_sent_to_the_login_page(client, path):
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=" + path


def test_signed_out_posts_change_nothing(app, client, make_user):
    target = make_user("user")
    response = client.post(f"/admin/users/{target}/role", data={"role": "moderator"})
    assert response.status_code in (302, 403)
    assert role_of(app, target) == "user"


@pytest.mark.parametrize("role", ["admin", "super_admin"])
def test_admins_open_the_users_and_audit_pages(make_user, browser_for, role):
    browser = browser_for(make_user(role))
    assert browser.get("/admin/users").status_code == 200
    assert browser.get("/admin/audit").status_code == 200
    assert browser.get("/admin/").status_code == 302


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("POST", "/api/v1/majors", {"name": "Physics"}),
        ("POST", "/api/v1/students", {}),
        ("DELETE", "/api/v1/majors/1", None),
    ],
)
def test_a_student_calling_an_admin_endpoint_gets_403(client, make_user, auth, method, path, body):
    response = client.open(path, method=method, json=body, headers=auth.headers(make_user("student")))
    assert response.status_code == 403
    assert response.get_json() == {"error": {"code": "forbidden", "message": response.get_json()["error"]["message"]}}


def test_a_student_posting_a_role_change_is_refused(app, make_user, browser_for, auth):
    """Same browser session, a valid CSRF token from an admin's page: the role is still checked."""
    admin = make_user("admin")
    student = make_user("student")
    target = make_user("user")
    browser = browser_for(admin)
    token = browser.csrf(f"/admin/users/{target}")
    browser.sign_in(student)
    response = browser.post(f"/admin/users/{target}/role", {"role": "moderator", "csrf_token": token})
    assert response.status_code == 403
    assert role_of(app, target) == "user"
    assert audit_rows(app) == []


def test_a_form_without_its_csrf_token_is_refused(app, make_user, browser_for):
    admin = make_user("admin")
    target = make_user("user")
    response = browser_for(admin).post(f"/admin/users/{target}/role", {"role": "moderator"})
    assert response.status_code == 403
    assert "security token" in response.get_data(as_text=True)
    assert role_of(app, target) == "user"


def test_the_admin_link_shows_only_to_user_managers(make_user, browser_for):
    assert "/admin/users" in browser_for(make_user("admin")).get("/").get_data(as_text=True)
    assert "/admin/users" not in browser_for(make_user("teacher")).get("/").get_data(as_text=True)


def test_unknown_user_page_is_404(make_user, browser_for):
    assert browser_for(make_user("admin")).get("/admin/users/999999").status_code == 404


# --- role changes within §3 -----------------------------------------------------------------


@pytest.mark.parametrize("new_role", ["guest", "student", "teacher", "moderator"])
def test_admin_changes_roles_up_to_moderator_and_it_is_audited(app, make_user, browser_for, new_role):
    admin = make_user("admin")
    target = make_user("user")
    response = change_role(browser_for(admin), target, new_role)
    assert response.status_code == 200
    assert role_of(app, target) == new_role
    assert audit_rows(app) == [(admin, "user.role_changed", "user", target, "user", new_role)]


@pytest.mark.parametrize("new_role", ["admin", "super_admin"])
def test_admin_trying_to_grant_admin_is_refused_and_nothing_changes(app, make_user, browser_for, new_role):
    admin = make_user("admin")
    target = make_user("user")
    response = change_role(browser_for(admin), target, new_role)
    assert "You may not grant this role." in response.get_data(as_text=True)
    assert role_of(app, target) == "user"
    assert audit_rows(app) == []


@pytest.mark.parametrize("target_role", ["admin", "super_admin"])
def test_admin_may_not_touch_admins(app, make_user, browser_for, target_role):
    admin = make_user("admin")
    target = make_user(target_role)
    browser = browser_for(admin)
    page = browser.get(f"/admin/users/{target}").get_data(as_text=True)
    assert 'id="role-form"' not in page
    # Posting anyway (with a token from another form) is refused by the service.
    token = browser.csrf(f"/admin/users/{make_user('user')}")
    browser.post(f"/admin/users/{target}/role", {"role": "user", "csrf_token": token})
    browser.post(f"/admin/users/{target}/active", {"active": "0", "csrf_token": token})
    assert role_of(app, target) == target_role and is_active(app, target)
    assert audit_rows(app) == []


def test_super_admin_grants_and_removes_admin(app, make_user, browser_for):
    super_admin = make_user("super_admin")
    target = make_user("user")
    browser = browser_for(super_admin)
    change_role(browser, target, "admin")
    assert role_of(app, target) == "admin"
    change_role(browser, target, "super_admin")
    change_role(browser, target, "teacher")
    assert role_of(app, target) == "teacher"
    assert [(row[1], row[4], row[5]) for row in audit_rows(app)] == [
        ("user.role_changed", "user", "admin"),
        ("user.role_changed", "admin", "super_admin"),
        ("user.role_changed", "super_admin", "teacher"),
    ]


def test_nobody_changes_their_own_role(app, make_user, browser_for):
    admin = make_user("admin")
    browser = browser_for(admin)
    assert 'id="role-form"' not in browser.get(f"/admin/users/{admin}").get_data(as_text=True)
    token = browser.csrf(f"/admin/users/{make_user('user')}")
    response = browser.post(f"/admin/users/{admin}/role", {"role": "moderator", "csrf_token": token})
    assert "flash-error" in response.get_data(as_text=True)
    assert role_of(app, admin) == "admin"
    assert audit_rows(app) == []


def test_the_last_super_admin_stays(app, make_user, browser_for):
    only = make_user("super_admin")
    browser = browser_for(only)
    token = browser.csrf(f"/admin/users/{make_user('user')}")
    browser.post(f"/admin/users/{only}/role", {"role": "admin", "csrf_token": token})
    browser.post(f"/admin/users/{only}/active", {"active": "0", "csrf_token": token})
    assert role_of(app, only) == "super_admin" and is_active(app, only)
    assert audit_rows(app) == []


def test_a_bad_role_is_a_form_error(app, make_user, browser_for):
    admin = make_user("admin")
    target = make_user("user")
    response = change_role(browser_for(admin), target, "pope")
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert role_of(app, target) == "user"


# --- activation -----------------------------------------------------------------------------


def test_deactivation_is_audited_and_locks_the_user_out_at_once(app, client, make_user, browser_for, auth):
    admin = make_user("admin")
    target = make_user("student")
    token = auth.token(target)
    set_active(browser_for(admin), target, False)
    assert not is_active(app, target)
    response = client.get("/api/v1/users/me", headers=bearer(token))
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "inactive"
    set_active(browser_for(admin), target, True)
    assert client.get("/api/v1/users/me", headers=bearer(token)).status_code == 200
    assert audit_rows(app) == [
        (admin, "user.deactivated", "user", target, "true", "false"),
        (admin, "user.activated", "user", target, "false", "true"),
    ]


def test_super_admin_deactivates_another_super_admin(app, make_user, browser_for):
    first, second = make_user("super_admin"), make_user("super_admin")
    set_active(browser_for(first), second, False)
    assert not is_active(app, second)


@pytest.mark.parametrize("value", ["", "yes", "2"])
def test_bad_activation_value_is_a_form_error(app, make_user, browser_for, value):
    admin = make_user("admin")
    target = make_user("user")
    browser = browser_for(admin)
    page = f"/admin/users/{target}"
    browser.post(f"{page}/active", {"active": value}, csrf_from=page)
    assert is_active(app, target)
    assert audit_rows(app) == []


# --- permissions come from the database, not the token --------------------------------------


def test_a_demoted_admin_keeps_a_working_token_but_loses_admin_rights(app, client, make_user, browser_for, auth):
    super_admin = make_user("super_admin")
    admin = make_user("admin")
    admin_browser = browser_for(admin)
    token = admin_browser.access_token
    headers = bearer(token)
    assert admin_browser.get("/admin/users").status_code == 200
    assert client.get("/api/v1/users", query_string={"q": "a"}, headers=headers).status_code == 200
    assert client.post("/api/v1/majors", json={"name": "Physics"}, headers=headers).status_code == 201

    change_role(browser_for(super_admin), admin, "guest")

    assert client.get("/api/v1/users/me", headers=headers).status_code == 200  # the token still works
    assert client.get("/api/v1/users", query_string={"q": "a"}, headers=headers).status_code == 403
    refused = client.post("/api/v1/majors", json={"name": "Chemistry"}, headers=headers)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert admin_browser.get("/admin/users").status_code == 403
    assert admin_browser.get("/admin/audit").status_code == 403
    assert "/admin/users" not in admin_browser.get("/").get_data(as_text=True)


# --- listing --------------------------------------------------------------------------------


def test_search_by_name_or_email_folds_cyrillic_case(make_user, browser_for):
    admin = make_user("admin")
    make_user(first_name="Анна", last_name="Иванова", email="anna@example.test")
    make_user(first_name="Boris", last_name="Petrov", email="boris@example.test")
    browser = browser_for(admin)
    for q in ("аННа", "ИВАНОВА", "анна иван", "ANNA@"):
        page = browser.get("/admin/users", query_string={"q": q}).get_data(as_text=True)
        assert "anna@example.test" in page and "boris@example.test" not in page, q
    page = browser.get("/admin/users", query_string={"q": "%"}).get_data(as_text=True)
    assert "No users match." in page


def test_role_filter(make_user, browser_for):
    admin = make_user("admin")
    make_user("teacher", email="teach@example.test")
    make_user("student", email="stud@example.test")
    page = browser_for(admin).get("/admin/users", query_string={"role": "teacher"}).get_data(as_text=True)
    assert "teach@example.test" in page and "stud@example.test" not in page


def test_bad_filters_are_form_errors_not_500s(make_user, browser_for):
    browser = browser_for(make_user("admin"))
    for args in ({"role": "pope"}, {"q": "a\x00"}, {"q": "x" * 500}):
        response = browser.get("/admin/users", query_string=args)
        assert response.status_code == 200
        assert "field-error" in response.get_data(as_text=True)
    assert browser.get("/admin/users", query_string={"cursor": "nonsense"}).status_code == 422


def test_users_come_in_keyset_pages(app, make_user, browser_for, monkeypatch):
    from campus.admin import services

    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    admin = make_user("admin", email="a0@example.test")
    for n in range(1, 6):
        make_user(email=f"a{n}@example.test")
    browser = browser_for(admin)
    seen, pages, path = [], 0, "/admin/users"
    while path:
        page = browser.get(path).get_data(as_text=True)
        pages += 1
        seen += re.findall(r">([^<>]+@example\.test)</td>", page)
        next_link = [part for part in page.split('"') if "cursor=" in part and part.startswith("/admin/users")]
        path = next_link[-1].replace("&amp;", "&") if 'rel="next"' in page else None
    assert pages == 3
    assert seen == [f"a{n}@example.test" for n in range(6)]


def test_names_are_escaped(make_user, browser_for):
    admin = make_user("admin")
    make_user(first_name="<script>alert(1)</script>")
    page = browser_for(admin).get("/admin/users").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_role_names_are_translated(app, make_user, browser_for):
    admin = make_user("admin", language="ru")
    make_user("moderator")
    page = browser_for(admin).get("/admin/users").get_data(as_text=True)
    assert "Модератор" in page and "Пользователи" in page


# --- roles ----------------------------------------------------------------------------------


def test_roles_page_shows_the_design_table_with_counts(make_user, browser_for):
    admin = make_user("admin")
    make_user("teacher")
    make_user("teacher")
    page = browser_for(admin).get("/admin/roles").get_data(as_text=True)
    rows = {chunk.split('"')[0]: chunk for chunk in page.split('<tr data-role="')[1:]}
    assert list(rows) == ["guest", "user", "student", "teacher", "moderator", "admin", "super_admin"]
    assert '/admin/users?role=teacher">2</a>' in rows["teacher"]
    assert "Read the audit log" in rows["admin"] and "Read the audit log" not in rows["super_admin"]
    assert "Grant and remove admin and super_admin" in rows["super_admin"]
    assert "See and edit one&#39;s own profile" in rows["guest"] and "See and edit" in rows["user"]


def test_roles_page_in_russian_and_only_for_admins(make_user, browser_for):
    page = browser_for(make_user("admin", language="ru")).get("/admin/roles").get_data(as_text=True)
    assert "Главный администратор" in page and "Читать журнал аудита" in page
    assert browser_for(make_user("moderator")).get("/admin/roles").status_code == 403


@pytest.mark.parametrize(
    "language, admin, super_admin",
    [("en", "Administrator", "Super administrator"), ("ru", "Администратор", "Главный администратор")],
)
def test_a_role_has_one_name_on_the_profile_and_the_admin_pages(make_user, browser_for, language, admin, super_admin):
    chief = make_user("super_admin", language=language)
    other = make_user("admin", language=language)
    chief_browser = browser_for(chief)
    assert f"<dd>{super_admin}</dd>" in chief_browser.get("/profile").get_data(as_text=True)
    assert f"<dd>{admin}</dd>" in browser_for(other).get("/profile").get_data(as_text=True)
    detail = chief_browser.get(f"/admin/users/{other}").get_data(as_text=True)
    assert f'<dd id="current-role">{admin}</dd>' in detail
    listing = chief_browser.get("/admin/users").get_data(as_text=True)
    roles = re.findall(r'<td class="role"[^>]*>([^<]+)</td>', listing)
    assert admin in roles and super_admin in roles
