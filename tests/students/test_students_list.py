"""GET /api/v1/students: filters, Cyrillic search, sorts and keyset pages over thousands of rows."""

from __future__ import annotations

import random

import pytest

PEOPLE = [("Иван", "ИВАНОВ"), ("Пётр", "Петров"), ("Семён", "Ёлкин"), ("Anna", "Smith"), ("Олег", "Иванченко")]


@pytest.fixture
def teacher(make_user, auth):
    return auth.headers(make_user("teacher"))


def fetch_all(client, headers, **query):
    """Every item, following next_cursor; asserts pages are full but the last."""
    items, cursor, pages = [], None, 0
    while True:
        params = dict(query) | ({"cursor": cursor} if cursor else {})
        response = client.get("/api/v1/students", headers=headers, query_string=params)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages
        assert len(body["items"]) == query.get("limit", 50)


@pytest.mark.parametrize(
    "q, expected",
    [
        ("иван", {"ИВАНОВ", "Иванченко"}),
        ("ИВАНОВ", {"ИВАНОВ"}),
        ("иванов иван", {"ИВАНОВ"}),
        ("иван иванов", {"ИВАНОВ"}),
        ("петр", {"Петров"}),  # е finds ё
        ("ёлкин", {"Ёлкин"}),
        ("елкин", {"Ёлкин"}),
        ("SMITH", {"Smith"}),
        ("%", set()),
        ("_", set()),
        ("нет такого", set()),
    ],
)
def test_search_is_case_insensitive_in_russian_too(client, teacher, make_major, make_student, q, expected):
    major = make_major()
    for first, last in PEOPLE:
        make_student(major, first_name=first, last_name=last)
    items, _pages = fetch_all(client, teacher, q=q)
    assert {item["last_name"] for item in items} == expected


def test_search_by_email_for_full_viewers(client, teacher, make_student):
    make_student(email="unique.handle@example.test", last_name="Кто-то")
    items, _pages = fetch_all(client, teacher, q="UNIQUE.HANDLE")
    assert [item["last_name"] for item in items] == ["Кто-то"]


def test_filters_combine(client, teacher, make_major, bulk_students):
    physics, history = make_major(), make_major()
    rows = []
    for n in range(120):
        rows.append(
            {
                "first_name": f"Имя{n}",
                "last_name": f"Фамилия{n % 7}",
                "major_id": (physics, history)[n % 2],
                "enrollment_year": 2020 + n % 3,
                "course": 1 + n % 4,
            }
        )
    bulk_students(rows)
    expected = {
        r["first_name"] for r in rows if r["major_id"] == history and r["course"] == 2 and r["enrollment_year"] == 2021
    }
    items, _pages = fetch_all(client, teacher, major_id=history, course=2, enrollment_year=2021, limit=5)
    assert {item["first_name"] for item in items} == expected and expected
    for item in items:
        assert (item["major_id"], item["course"], item["enrollment_year"]) == (history, 2, 2021)


@pytest.mark.parametrize(
    "sort, key",
    [
        ("name", lambda r: (r["last_name"], r["first_name"], r["id"])),
        ("-name", lambda r: (r["last_name"], r["first_name"], r["id"])),
        ("enrollment_year", lambda r: (r["enrollment_year"], r["last_name"], r["first_name"], r["id"])),
        ("-enrollment_year", lambda r: (r["enrollment_year"], r["last_name"], r["first_name"], r["id"])),
    ],
)
def test_cursor_pages_cover_thousands_of_rows_exactly_once_in_order(
    client, teacher, make_major, bulk_students, sort, key
):
    majors = [make_major() for _ in range(3)]
    chooser = random.Random(7)
    # Few distinct names, so that ties are broken by first name and id across page boundaries.
    bulk_students(
        [
            {
                "first_name": chooser.choice(["Анна", "Борис", "Вера"]),
                "last_name": chooser.choice(["Орлова", "Орлов", "Иванов", "Ёжиков"]),
                "major_id": chooser.choice(majors),
                "enrollment_year": chooser.choice([2021, 2022, 2023]),
                "course": chooser.choice([1, 2, 3]),
            }
            for _ in range(3000)
        ]
    )
    items, pages = fetch_all(client, teacher, sort=sort, limit=100)
    assert pages == 30
    assert len({item["id"] for item in items}) == 3000
    keys = [key(item) for item in items]
    assert keys == sorted(keys, reverse=sort.startswith("-"))


def test_filtered_cursor_pages(client, teacher, make_major, bulk_students):
    physics, history = make_major(), make_major()
    bulk_students(
        [{"first_name": f"N{n:04d}", "last_name": "Same", "major_id": (physics, history)[n % 2]} for n in range(1001)]
    )
    items, pages = fetch_all(client, teacher, major_id=physics, limit=37)
    assert len(items) == 501 and pages == 14
    assert [item["first_name"] for item in items] == [f"N{n:04d}" for n in range(0, 1001, 2)]


def test_limit_defaults_to_50_and_caps_at_100(client, teacher, make_major, bulk_students):
    major = make_major()
    bulk_students([{"first_name": "A", "last_name": f"L{n}", "major_id": major} for n in range(120)])
    assert len(client.get("/api/v1/students", headers=teacher).get_json()["items"]) == 50
    assert client.get("/api/v1/students", headers=teacher, query_string={"limit": 101}).status_code == 422
    assert len(client.get("/api/v1/students", headers=teacher, query_string={"limit": 100}).get_json()["items"]) == 100


@pytest.mark.parametrize(
    "query, field",
    [
        ({"limit": 0}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"course": 7}, "course"),
        ({"major_id": 0}, "major_id"),
        ({"major_id": "abc"}, "major_id"),
        ({"sort": "email"}, "sort"),
        ({"sort": "course"}, "sort"),
        ({"q": "x" * 101}, "q"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"major_id": str(2**70)}, "major_id"),
    ],
)
def test_bad_query_is_422(client, teacher, query, field):
    response = client.get("/api/v1/students", headers=teacher, query_string=query)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_a_cursor_from_another_sort_or_forged_types_is_422(client, teacher, make_major, bulk_students):
    from campus.core.api import encode_cursor

    major = make_major()
    bulk_students([{"first_name": "A", "last_name": f"L{n}", "major_id": major} for n in range(3)])
    cursor = client.get("/api/v1/students", headers=teacher, query_string={"limit": 1}).get_json()["next_cursor"]
    response = client.get(
        "/api/v1/students", headers=teacher, query_string={"cursor": cursor, "sort": "enrollment_year"}
    )
    assert response.status_code == 422
    forged = encode_cursor(["name", "L1", "A", "1"])
    assert client.get("/api/v1/students", headers=teacher, query_string={"cursor": forged}).status_code == 422


@pytest.mark.parametrize("q, sort", [("иванов", "name"), ("ЁЛКИН", "-name"), ("елкина", "enrollment_year")])
def test_cyrillic_search_pages_over_thousands_of_rows(client, teacher, make_major, bulk_students, q, sort):
    """A search's keyset pages hold every match exactly once, in order, and nothing else."""
    majors = [make_major() for _ in range(2)]
    chooser = random.Random(11)
    surnames = ["ИВАНОВ", "Иванов", "иванова", "Иваненко", "Ёлкин", "ЕЛКИНА", "елкин", "Ёлкина", "Петров", "Smith"]
    rows = [
        {
            "first_name": chooser.choice(["Анна", "Борис", "Ёжик"]),
            "last_name": chooser.choice(surnames),
            "major_id": chooser.choice(majors),
            "enrollment_year": chooser.choice([2022, 2023]),
        }
        for _ in range(3000)
    ]
    bulk_students(rows)
    needle = q.casefold().replace("ё", "е")
    expected = sorted(
        (r for r in rows if needle in r["last_name"].casefold().replace("ё", "е")),
        key=lambda r: (
            (r["enrollment_year"], r["last_name"], r["first_name"])
            if sort == "enrollment_year"
            else (r["last_name"], r["first_name"])
        ),
        reverse=sort.startswith("-"),
    )
    items, pages = fetch_all(client, teacher, q=q, sort=sort, limit=37)
    assert len(expected) > 500
    assert len(items) == len(expected) and len({item["id"] for item in items}) == len(items)
    assert pages == -(-len(expected) // 37)
    order = (
        (lambda i: (i["enrollment_year"], i["last_name"], i["first_name"]))
        if sort == "enrollment_year"
        else (lambda i: (i["last_name"], i["first_name"]))
    )
    assert [order(item) for item in items] == [order(r) for r in expected]
