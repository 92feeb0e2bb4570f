"""The admin lists page both ways: next, previous, first, and a page size."""

from __future__ import annotations

import re


def link(html: str, rel: str) -> str | None:
    match = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
    return match.group(1).replace("&amp;", "&") if match else None


def emails(html: str) -> list[str]:
    return re.findall(r">([^<>]+@example\.test)</td>", html)


def test_users_page_forward_then_back_to_the_first_page(app, make_user, browser_for):
    admin = make_user("admin", email="a00@example.test")
    for n in range(1, 45):
        make_user(email=f"a{n:02d}@example.test")
    browser = browser_for(admin)
    path, pages, html = "/admin/users?size=20", [], ""
    while path:
        html = browser.get(path).get_data(as_text=True)
        pages.append(emails(html))
        path = link(html, "next")
    assert [len(page) for page in pages] == [20, 20, 5]
    assert [email for page in pages for email in page] == [f"a{n:02d}@example.test" for n in range(45)]
    back = []
    while path := link(html, "prev"):
        html = browser.get(path).get_data(as_text=True)
        back.append(emails(html))
    assert back == pages[:-1][::-1]


def test_a_page_size_that_is_not_offered_is_a_form_error(make_user, browser_for):
    html = browser_for(make_user("admin")).get("/admin/users?size=1000").get_data(as_text=True)
    assert "field-error" in html
