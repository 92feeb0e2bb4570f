"""The audit log page: every entry with actor, action, target and old → new; filters; pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from campus.audit import services as audit
from campus.audit.models import AuditEntry
from campus.extensions import db


def add_entry(app, actor_id, action, target_id, old, new, at: datetime | None = None, target_type="user"):
    with app.app_context():
        entry = audit.record(actor_id, action, target_type, target_id, old, new)
        if at:
            entry.at = at
        db.session.commit()
        return entry.id


def rows(page: str) -> list[str]:
    return page.split('<tr data-action="')[1:]


@pytest.fixture
def people(make_user):
    return {
        "admin": make_user("admin", email="boss@example.test", first_name="Olga", last_name="Boss"),
        "other": make_user("super_admin", email="other@example.test", first_name="Ivan", last_name="Other"),
        "target": make_user("user", email="target@example.test", first_name="Tanya", last_name="Target"),
    }


def test_a_role_change_shows_with_actor_target_and_old_new(app, people, browser_for):
    add_entry(app, people["admin"], "user.role_changed", people["target"], "user", "moderator")
    page = browser_for(people["admin"]).get("/admin/audit").get_data(as_text=True)
    [row] = rows(page)
    assert "Olga Boss" in row and "Tanya Target" in row
    assert "Role changed" in row and "User → Moderator" in row


def test_entries_are_translated(app, people, make_user, browser_for):
    reader = make_user("admin", language="ru")
    add_entry(app, people["admin"], "user.deactivated", people["target"], True, False)
    page = browser_for(reader).get("/admin/audit").get_data(as_text=True)
    assert "Учётная запись отключена" in page and "активна → отключена" in page


@pytest.mark.parametrize(
    "args, expected",
    [
        ({}, {1, 2, 3, 4}),
        ({"action": "user.role_changed"}, {1, 2}),
        ({"actor": "other@example.test"}, {2, 3}),
        ({"actor": "OTHER@example.test", "action": "user.role_changed"}, {2}),
        ({"target_type": "major"}, {4}),
        ({"target_type": "user", "target_id": "TARGET"}, {1, 2, 3}),
        ({"since": "2026-03-01"}, {2, 3, 4}),
        ({"until": "2026-03-01"}, {1, 2}),
        ({"since": "2026-03-02", "until": "2026-03-31"}, {3}),
    ],
)
def test_filters(app, people, browser_for, args, expected):
    def at(month, day):
        return datetime(2026, month, day, 12, tzinfo=UTC)

    ids = {
        1: add_entry(app, people["admin"], "user.role_changed", people["target"], "user", "teacher", at(2, 1)),
        2: add_entry(app, people["other"], "user.role_changed", people["target"], "teacher", "student", at(3, 1)),
        3: add_entry(app, people["other"], "user.deactivated", people["target"], True, False, at(3, 15)),
        4: add_entry(app, people["admin"], "major.created", 7, None, {"name": "Physics"}, at(4, 1), "major"),
    }
    if args.get("target_id") == "TARGET":
        args = {**args, "target_id": str(people["target"])}
    page = browser_for(people["admin"]).get("/admin/audit", query_string=args).get_data(as_text=True)
    shown = set()
    for number, entry_id in ids.items():
        with app.app_context():
            entry = db.session.get(AuditEntry, entry_id)
            marker = f"{entry.at:%Y-%m-%d %H:%M:%S}"
        if marker in page:
            shown.add(number)
    assert shown == expected


@pytest.mark.parametrize(
    "args, field",
    [
        ({"since": "not a date"}, "since"),
        ({"since": "2026-05-01", "until": "2026-04-01"}, "until"),
        ({"target_id": "12abc"}, "target_id"),
        ({"target_id": str(2**70)}, "target_id"),
        ({"action": "no.such.action"}, "action"),
        ({"actor": "nobody@example.test"}, "actor"),
        ({"actor": "a\x00b"}, "actor"),
    ],
)
def test_bad_filters_are_form_errors(app, people, browser_for, args, field):
    add_entry(app, people["admin"], "user.role_changed", people["target"], "user", "teacher")
    response = browser_for(people["admin"]).get("/admin/audit", query_string=args)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "field-error" in page and "No entries match." in page


def test_the_log_comes_in_keyset_pages(app, people, browser_for, monkeypatch):
    from campus.admin import services

    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    for n in range(5):
        add_entry(app, people["admin"], "user.role_changed", people["target"], f"r{n}", f"r{n + 1}")
    browser = browser_for(people["admin"])
    seen, pages, path = [], 0, "/admin/audit"
    while path:
        page = browser.get(path).get_data(as_text=True)
        pages += 1
        seen += [re.search(r'<ul class="changes">\s*<li>(.*?)</li>', row).group(1) for row in rows(page)]
        links = [part.replace("&amp;", "&") for part in page.split('"') if part.startswith("/admin/audit?")]
        path = links[-1] if 'rel="next"' in page else None
    assert pages == 3
    assert seen == [f"r{n} → r{n + 1}" for n in reversed(range(5))]


def test_teachers_and_moderators_may_not_read_the_log(make_user, browser_for):
    for role in ("teacher", "moderator"):
        assert browser_for(make_user(role)).get("/admin/audit").status_code == 403


def test_values_are_escaped(app, people, browser_for):
    add_entry(
        app,
        people["admin"],
        "major.updated",
        1,
        {"name": "<b>old</b>"},
        {"name": "<script>x</script>"},
        target_type="major",
    )
    page = browser_for(people["admin"]).get("/admin/audit").get_data(as_text=True)
    assert "<script>x" not in page and "&lt;script&gt;x" in page
