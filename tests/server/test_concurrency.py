"""The production server keeps serving while one request waits: on PostgreSQL, on argon2.

Overlap is proven by order, never by durations: PostgreSQL's own clock shows a short query
running and finishing inside a long one's sleep, and /healthz answers many times while password
hashes are being computed.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
import requests
import sqlalchemy as sa

from tests.support.accounts import PASSWORD, bearer
from tests.support.chat_client import CampusApi
from tests.support.database import throwaway_postgres_database
from tests.support.directory import student_payload
from tests.support.images import image_bytes
from tests.support.server import LIFTED_LOGIN_LIMIT, LiveServer
from tests.support.services_available import require_postgres
from tests.support.waiting import eventually

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def postgres_server(tmp_path_factory):
    """`python wsgi.py` (eventlet) on a fresh PostgreSQL database, plus /test/slow-query."""
    with throwaway_postgres_database(require_postgres(), "campus_live") as url:
        server = LiveServer(
            tmp_path_factory.mktemp("slow-queries"), database_url=url, entry=("-m", "tests.server.slow_queries")
        )
        server.start()
        try:
            yield server
        finally:
            server.stop()


def active_sleeps(database_url: str) -> int:
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg2://", 1))
    try:
        with engine.connect() as conn:
            return conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state = 'active' AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()"
                )
            ).scalar()
    finally:
        engine.dispose()


def sleeps_seen_together(database_url: str, count: int, while_running) -> bool:
    """Poll pg_stat_activity until `count` pg_sleep queries are active at once (True), or until
    `while_running()` turns false or a minute has passed (False)."""
    seen = False

    def settled() -> bool:
        nonlocal seen
        seen = active_sleeps(database_url) >= count
        return seen or not while_running()

    eventually(settled, timeout=60)
    return seen


def slow_query(server: LiveServer, seconds: float) -> dict:
    response = requests.get(server.url + "/test/slow-query", params={"seconds": seconds}, timeout=120)
    assert response.status_code == 200, response.text
    data = response.json()
    return {
        "pid": data["pid"],
        "started": datetime.fromisoformat(data["started"]),
        "ended": datetime.fromisoformat(data["ended"]),
    }


@pytest.mark.postgres
def test_two_slow_queries_do_not_block_each_other_under_eventlet(postgres_server):
    with ThreadPoolExecutor(2) as pool:
        long = pool.submit(slow_query, postgres_server, 6)
        # The long query is sleeping in PostgreSQL before the short one is even sent.
        assert sleeps_seen_together(postgres_server.database_url, 1, lambda: not long.done())
        short = pool.submit(slow_query, postgres_server, 0.5)
        both_active = sleeps_seen_together(postgres_server.database_url, 2, lambda: not long.done())
        long, short = long.result(), short.result()

    assert both_active, "the two backends were never seen sleeping at the same time"
    assert long["pid"] != short["pid"]
    # A server blocked by the first query could not even read the second request until it ended.
    assert long["started"] < short["started"] < short["ended"] < long["ended"]


@pytest.mark.postgres
def test_the_database_answers_many_requests_at_once(postgres_server):
    """Many concurrent requests on a cold pool: no connection hangs, every one is answered."""
    token = CampusApi(postgres_server.url).register("live").token
    headers = bearer(token)

    def me(_):
        return requests.get(postgres_server.url + "/api/v1/users/me", headers=headers, timeout=60).status_code

    with ThreadPoolExecutor(24) as pool:
        statuses = list(pool.map(me, range(240)))
    assert statuses == [200] * 240


# --- argon2 off the event loop --------------------------------------------------------------

LOGINS = 6


@pytest.fixture
def sqlite_server(tmp_path):
    server = LiveServer(tmp_path, env=LIFTED_LOGIN_LIMIT).start()
    yield server
    server.stop()


def health_answers_during(url: str, work, items) -> tuple[list, int]:
    """Run `work(item)` for every item at once while /healthz is polled: the results, and how
    many health answers came before the last piece of work finished."""
    lock = threading.Lock()
    timeline: list[str] = []
    work_done = threading.Event()

    def record(event: str) -> None:
        with lock:
            timeline.append(event)

    def timed(item):
        result = work(item)
        record("work")
        return result

    def heartbeat() -> None:
        for _ in range(100_000):
            if work_done.is_set():
                return
            if requests.get(url + "/healthz", timeout=60).status_code == 200:
                record("beat")

    items = list(items)
    beating = threading.Thread(target=heartbeat)
    with ThreadPoolExecutor(len(items)) as pool:
        results = pool.map(timed, items)
        beating.start()
        results = list(results)
    work_done.set()
    beating.join(120)
    last_work = len(timeline) - timeline[::-1].index("work")
    return results, timeline[:last_work].count("beat")


def test_health_check_answers_while_passwords_are_hashed(sqlite_server):
    """Production's argon2 parameters; /healthz is polled while LOGINS logins are in flight.

    If a hash ran on the event loop, nothing else could be answered while it ran: the health
    check could only slip in between hashes, about once per login. Offloaded to threads, it
    keeps answering all along.
    """
    email = CampusApi(sqlite_server.url).register("hasher").email

    def login(_) -> int:
        return requests.post(
            sqlite_server.url + "/api/v1/auth/token", timeout=120, json={"email": email, "password": PASSWORD}
        ).status_code

    statuses, beats = health_answers_during(sqlite_server.url, login, range(LOGINS))
    assert statuses == [200] * LOGINS
    # On the event loop: at most one answer between hashes (about LOGINS in all). Offloaded: many
    # more — but the hashes take both cores of a small machine, so not many more; twice is clear.
    assert beats > 2 * LOGINS, f"/healthz answered only {beats} times during {LOGINS} logins"


# --- image processing off the event loop -----------------------------------------------------

PHOTOS = 4


def test_health_check_answers_while_photos_are_processed(sqlite_server):
    """Student photos of 36 Mpx (~0.5 s of decoding and re-encoding each) uploaded at once while
    /healthz is polled: on the event loop the health check could only slip in between photos."""
    email = "photo-admin@example.test"
    sqlite_server.flask("users", "create-admin", email, "--password", PASSWORD, "--role", "admin")
    api = CampusApi(sqlite_server.url)
    headers = bearer(api.token_pair(email)["access_token"])
    major = requests.post(
        sqlite_server.url + "/api/v1/majors", json={"name": "Optics", "description": ""}, headers=headers, timeout=60
    )
    assert major.status_code == 201, major.text
    students = [
        requests.post(
            sqlite_server.url + "/api/v1/students",
            json=student_payload(major.json()["id"]),
            headers=headers,
            timeout=60,
        ).json()["id"]
        for _ in range(PHOTOS)
    ]
    photo = image_bytes("PNG", size=(6000, 6000))

    def upload(student_id: int) -> int:
        return requests.post(
            f"{sqlite_server.url}/api/v1/students/{student_id}/photo",
            files={"photo": ("big.png", photo, "image/png")},
            headers=headers,
            timeout=120,
        ).status_code

    statuses, beats = health_answers_during(sqlite_server.url, upload, students)
    assert statuses == [200] * PHOTOS
    assert beats > 3 * PHOTOS, f"/healthz answered only {beats} times during {PHOTOS} photo uploads"
