"""Benchmark: GET /api/v1/students on 100,000 students (SQLite, the embedded default).

    .venv/bin/python bench/students_api.py [--students 100000] [--requests 300]

Seeds a temporary SQLite database (migrations, roles, 10 majors, N students by one bulk insert),
then times the list endpoint through the Flask test client — the whole request: token check and
permission read from the database, query-string parsing, the keyset query, serialisation — for a
bounded number of requests per scenario, and prints p50/p99 per scenario. Nothing runs longer
than --seconds per scenario. Figures go to docs/performance.md ("Directory").
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import insert, select, text

from campus import create_app
from campus.core.models import utcnow
from campus.extensions import db
from config import TestingConfig

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def build_app(workdir: Path):
    config = type(
        "BenchConfig",
        (TestingConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}",
            "MEDIA_ROOT": str(workdir / "media"),
            "PROPAGATE_EXCEPTIONS": True,
        },
    )
    return create_app(config)


def seed(app, students: int) -> dict:
    """Schema, roles, majors, a teacher and a user, and `students` rows in one bulk insert."""
    from campus.majors.services import create_major
    from campus.roles.services import seed_roles
    from campus.students.models import Student
    from campus.students.sample import MAJORS, SampleStudents
    from campus.users.services import register_user

    with app.app_context():
        upgrade(directory=MIGRATIONS)
        seed_roles()
        majors = [create_major(None, name=name, description=about).id for name, about in MAJORS]
        teacher = register_user(
            email="teacher@bench.test",
            password="bench password",
            first_name="T",
            last_name="Bench",
            role_name="teacher",
        ).id
        reader = register_user(
            email="user@bench.test", password="bench password", first_name="U", last_name="Bench", role_name="user"
        ).id
        sample, now = SampleStudents(seed=2024), utcnow()
        started = time.perf_counter()
        batch = []
        for row in sample.rows(students, email_domain="bench.test"):
            row |= {
                "major_id": sample.random.choice(majors),
                "created_at": now,
                "updated_at": now,
                "search_name": Student.search_name_for(row["first_name"], row["last_name"]),
            }
            row["date_of_birth"] = __import__("datetime").date.fromisoformat(row["date_of_birth"])
            batch.append(row)
            if len(batch) == 10_000:
                db.session.execute(insert(Student), batch)
                batch.clear()
        if batch:
            db.session.execute(insert(Student), batch)
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        seeded_in = time.perf_counter() - started
        count = db.session.scalar(select(db.func.count(Student.id)))
        return {"majors": majors, "teacher": teacher, "reader": reader, "seconds": seeded_in, "count": count}


def tokens(app, user_ids):
    from campus.users.models import User
    from campus.users.tokens import issue_tokens

    with app.test_request_context():
        return {uid: issue_tokens(db.session.get(User, uid), refresh=False)["access_token"] for uid in user_ids}


def measure(client, headers, query, *, requests: int, seconds: float, follow: bool = False) -> dict:
    """Time `requests` calls (or fewer if `seconds` run out); `follow` walks next_cursor pages."""
    timings, cursor, deadline = [], None, time.monotonic() + seconds
    for _ in range(3):  # warm-up
        client.get("/api/v1/students", headers=headers, query_string=query)
    while len(timings) < requests and time.monotonic() < deadline:
        params = dict(query) | ({"cursor": cursor} if cursor else {})
        started = time.perf_counter()
        response = client.get("/api/v1/students", headers=headers, query_string=params)
        timings.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{query}: HTTP {response.status_code} {response.get_data(as_text=True)[:200]}")
        body = response.get_json()
        if follow:
            cursor = body["next_cursor"]
    timings.sort()
    return {
        "n": len(timings),
        "p50": statistics.median(timings) * 1000,
        "p99": timings[min(len(timings) - 1, int(len(timings) * 0.99))] * 1000,
        "items": len(body["items"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=30.0, help="time bound per scenario")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="campus-bench-") as tmp:
        app = build_app(Path(tmp))
        info = seed(app, args.students)
        print(f"seeded {info['count']:,} students in {info['seconds']:.1f} s (bulk insert, SQLite WAL)")
        token = tokens(app, [info["teacher"], info["reader"]])
        teacher = {"Authorization": f"Bearer {token[info['teacher']]}"}
        reader = {"Authorization": f"Bearer {token[info['reader']]}"}
        major = info["majors"][3]
        scenarios = [
            ("all, by name (teacher, full records)", teacher, {}, False),
            ("all, by name (user, public fields)", reader, {}, False),
            ("major_id", teacher, {"major_id": major}, False),
            ("major_id + course", teacher, {"major_id": major, "course": 2}, False),
            ("major_id + enrollment_year", teacher, {"major_id": major, "enrollment_year": 2024}, False),
            ("course, sort -enrollment_year", teacher, {"course": 3, "sort": "-enrollment_year"}, False),
            ("major_id, walking next_cursor", teacher, {"major_id": major}, True),
            ("q=иван (Cyrillic search)", teacher, {"q": "иван"}, False),
            ("q=иван + major_id", teacher, {"q": "иван", "major_id": major}, False),
            # Worst case: a substring nobody has — LIKE '%…%' reads the whole name index.
            ("q=зюзя, no match (whole index read)", teacher, {"q": "зюзя"}, False),
        ]
        client = app.test_client()
        rows = []
        for name, headers, query, follow in scenarios:
            result = measure(
                client, headers, query | {"limit": 50}, requests=args.requests, seconds=args.seconds, follow=follow
            )
            rows.append((name, result))
        print(
            f"\nGET /api/v1/students?limit=50 on {info['count']:,} students, Flask test client, "
            f"{sys.platform}, Python {sys.version.split()[0]}"
        )
        print(f"{'scenario':42} {'requests':>8} {'items':>5} {'p50 ms':>8} {'p99 ms':>8}")
        for name, r in rows:
            print(f"{name:42} {r['n']:>8} {r['items']:>5} {r['p50']:>8.2f} {r['p99']:>8.2f}")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
