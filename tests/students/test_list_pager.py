"""The student list's pager: next and previous pages (keyset both ways), first page, page size."""

from __future__ import annotations

import re

import pytest


def names_on(html: str) -> list[str]:
    return re.findall(r'<a class="name" href="/students/\d+">([^<]+)</a>', html)


def link(html: str, rel: str) -> str | None:
    match = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
    return match.group(1).replace("&amp;", "&") if match else None


@pytest.mark.parametrize("sort", ["name", "-name", "enrollment_year", "-enrollment_year"])
def test_next_then_previous_walks_the_same_pages_back(app, make_user, make_major, bulk_students, browser_for, sort):
    major = make_major()
    bulk_students(
        [
            {"first_name": "Имя", "last_name": f"Фамилия{n:02d}", "major_id": major, "enrollment_year": 2020 + n % 4}
            for n in range(30)
        ]
    )
    browser = browser_for(make_user("teacher"))
    path, forward = f"/students/?sort={sort}&size=12", []
    while path:
        html = browser.get(path).get_data(as_text=True)
        forward.append(names_on(html))
        last_html, path = html, link(html, "next")
    assert [len(page) for page in forward] == [12, 12, 6]
    everyone = [name for page in forward for name in page]
    assert len(set(everyone)) == 30
    backward, html = [forward[-1]], last_html
    while path := link(html, "prev"):
        html = browser.get(path).get_data(as_text=True)
        backward.append(names_on(html))
    assert backward[::-1] == forward
    assert link(html, "prev") is None and link(html, "next") is not None  # back on the first page


def test_the_page_size_is_a_choice_and_a_bad_one_is_a_form_error(
    app, make_user, make_major, bulk_students, browser_for
):
    major = make_major()
    bulk_students([{"first_name": "А", "last_name": f"Б{n:02d}", "major_id": major} for n in range(50)])
    browser = browser_for(make_user("user"))
    assert len(names_on(browser.get("/students/").get_data(as_text=True))) == 24
    assert len(names_on(browser.get("/students/?size=48").get_data(as_text=True))) == 48
    response = browser.get("/students/?size=100000")
    assert response.status_code == 200 and "field-errors" in response.get_data(as_text=True)


def test_a_forged_backward_cursor_of_another_sort_is_refused(app, make_user, make_major, bulk_students, browser_for):
    major = make_major()
    bulk_students([{"first_name": "А", "last_name": f"Б{n:02d}", "major_id": major} for n in range(30)])
    browser = browser_for(make_user("teacher"))
    html = browser.get("/students/?size=12").get_data(as_text=True)
    html = browser.get(link(html, "next")).get_data(as_text=True)
    prev = link(html, "prev").replace("sort=name", "sort=-enrollment_year")
    if "sort=" not in prev:
        prev += "&sort=-enrollment_year"
    response = browser.get(prev)
    assert response.status_code == 200 and "This page link is broken" in response.get_data(as_text=True)
