"""The suite's HTTP scenarios: history pages of a large chat, and logins at the real hash cost.

- `history`: a chat of 1,000,000 messages (quick: 20,000) seeded by one bulk SQL statement, on
  SQLite and on PostgreSQL (a throwaway database on `Options.postgres_url`); then
  `GET /api/v1/chats/{id}/messages?before=<random seq>&limit=50` through the Flask test client,
  in-process (issue 14's measurement: the request's own cost, no network), alternated with
  `GET /healthz`, the floor of a request through the same stack.
- `logins`: `POST /api/v1/auth/token` from several concurrent clients (each signing in again and
  again with its own account) against `python wsgi.py` (eventlet, SQLite), at the production hash
  parameters and at OWASP's smallest argon2id setting for comparison, while one more client polls
  `/healthz` (password hashing runs off the event loop: the health check must keep answering).

    .venv/bin/python -m bench.suite.http [--quick] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from bench.suite.report import Options, Scenario, Table, percentile, process_cpu_seconds

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script or as `-m bench.suite.http`
    sys.path.insert(0, str(ROOT))

HISTORY_MESSAGES, QUICK_HISTORY_MESSAGES = 1_000_000, 20_000
HISTORY_REQUESTS, QUICK_HISTORY_REQUESTS = 1_000, 100
PAGE = 50
WARM_UP = 20


# --- history -----------------------------------------------------------------------------------


def history_config(url: str, workdir: Path):
    """The testing configuration (cheap hashing, no background mail loop) on `url`."""
    from config import TestingConfig

    return type(
        "HistoryBenchConfig",
        (TestingConfig,),
        {"SQLALCHEMY_DATABASE_URI": url, "MEDIA_ROOT": str(workdir / "media"), "PROPAGATE_EXCEPTIONS": True},
    )


@contextmanager
def history_app(url: str, workdir: Path) -> Iterator:
    """A migrated app on `url`, disposed of afterwards."""
    from flask_migrate import upgrade

    from campus import create_app
    from campus.extensions import db

    app = create_app(history_config(url, workdir))
    try:
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def seed_history(app, count: int) -> tuple[int, int, str, float]:
    """Two members and a group chat holding `count` messages of theirs: (chat id, last seq, the
    owner's access token, seconds the messages took).

    The messages go in by one `INSERT … SELECT` over a series (PostgreSQL's `generate_series`,
    SQLite's recursive CTE) with the search index's triggers off: a history page never reads the
    index, and building it would be most of the seeding time.
    """
    from sqlalchemy import insert, text

    from campus.chat.models import Chat, ChatMember
    from campus.core.models import utcnow
    from campus.extensions import db
    from campus.users.services import register_user
    from campus.users.tokens import issue_tokens

    with app.test_request_context():
        owner, other = (
            register_user(
                email=f"{name}@bench.test",
                password="bench-password-1",
                first_name=name,
                last_name="Bench",
                verified=True,
            )
            for name in ("owner", "other")
        )
        chat_id = db.session.execute(insert(Chat).values(type="group", title="History").returning(Chat.id)).scalar_one()
        db.session.execute(insert(ChatMember), [{"chat_id": chat_id, "user_id": u.id} for u in (owner, other)])
        db.session.commit()
        token = issue_tokens(owner)["access_token"]
        postgres = db.engine.dialect.name == "postgresql"
        started = time.perf_counter()
        fill = (
            "INSERT INTO messages (chat_id, seq, rev, sender_id, client_id, body, created_at)"
            " SELECT :chat, n, n, :sender, 'h-' || n, 'History message number ' || n || '.', :created"
        )
        if postgres:
            db.session.execute(text("ALTER TABLE messages DISABLE TRIGGER messages_search"))
            statement = fill + " FROM generate_series(1, :count) AS n"
        else:
            db.session.execute(text("DROP TRIGGER messages_search_insert"))
            statement = (
                "WITH RECURSIVE series(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM series WHERE n < :count) "
                + fill
                + " FROM series"
            )
        values = {"chat": chat_id, "sender": owner.id, "created": utcnow(), "count": count}
        db.session.execute(text(statement), values)
        db.session.execute(
            text("UPDATE chats SET last_seq = :n, rev = :n WHERE id = :chat"), {"n": count, "chat": chat_id}
        )
        db.session.commit()
        filled = time.perf_counter() - started
        if postgres:
            db.session.execute(text("ALTER TABLE messages ENABLE TRIGGER messages_search"))
            db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    return chat_id, count, token, filled


def time_requests(
    client, calls: dict[str, Callable[[], None]], requests: int, seconds: float
) -> dict[str, list[float]]:
    """Each call of `calls` in turn (page, floor, page, …) until each ran `requests` times or
    `seconds` passed: wall-clock seconds per request, by name."""
    timings: dict[str, list[float]] = {name: [] for name in calls}
    deadline = time.monotonic() + seconds
    for _ in range(requests):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            timings[name].append(time.perf_counter() - started)
        if time.monotonic() > deadline:
            break
    return timings


def measure_history(app, chat_id: int, last_seq: int, token: str, requests: int, seconds: float) -> dict:
    """p50/p99/max milliseconds of random pages of 50 and of /healthz, and CPU ms per page.

    The client keeps no cookies, as an API client with a Bearer token (werkzeug's cookie jar
    would parse the URL twice a request on the client's side)."""
    client = app.test_client(use_cookies=False)
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/chats/{chat_id}/messages"
    rng = random.Random(14)

    def page() -> None:
        response = client.get(f"{path}?before={rng.randint(PAGE + 1, last_seq + 1)}&limit={PAGE}", headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"history page: HTTP {response.status_code} {response.get_data()[:200]!r}")

    def healthz() -> None:
        if client.get("/healthz").status_code != 200:
            raise RuntimeError("/healthz did not answer 200")

    first = client.get(f"{path}?before={last_seq + 1}&limit={PAGE}", headers=headers).get_json()
    if [m["seq"] for m in first["items"]] != list(range(last_seq - PAGE + 1, last_seq + 1)):
        raise RuntimeError(f"history page: unexpected items {str(first)[:200]}")
    time_requests(client, {"page": page, "healthz": healthz}, WARM_UP, seconds)
    cpu = time.process_time()
    timings = time_requests(client, {"page": page, "healthz": healthz}, requests, seconds)
    cpu = time.process_time() - cpu
    results = {name: summary(values) for name, values in timings.items()}
    results["cpu_ms_per_pair"] = cpu * 1000 / max(1, len(timings["page"]))
    return results


def summary(seconds: list[float]) -> dict[str, float]:
    millis = [value * 1000 for value in seconds]
    return {
        "n": len(millis),
        "p50": statistics.median(millis) if millis else float("nan"),
        "p99": percentile(millis, 99),
        "max": max(millis, default=float("nan")),
    }


def history_databases(options: Options, workdir: Path) -> Iterator[tuple[str, object]]:
    """(label, a context manager giving the database URL): SQLite, then PostgreSQL if asked for."""
    yield "SQLite", nullcontext(f"sqlite:///{workdir / 'history.db'}")
    if options.postgres_url:
        from config import database_url
        from tests.support.database import throwaway_postgres_database

        yield "PostgreSQL", throwaway_postgres_database(database_url(options.postgres_url), "campus_bench_history")


def run_history(options: Options) -> list[Table]:
    count = QUICK_HISTORY_MESSAGES if options.quick else HISTORY_MESSAGES
    requests = QUICK_HISTORY_REQUESTS if options.quick else HISTORY_REQUESTS
    table = Table(
        f"History page of {PAGE} from a {count:,}-message chat, in-process (Flask test client)",
        ["database", "request", "n", "p50 ms", "p99 ms", "max ms"],
    )
    for label, database in history_databases(options, options.workdir):
        with database as url, history_app(url, options.workdir) as app:
            chat_id, last_seq, token, filled = seed_history(app, count)
            runs = [
                measure_history(app, chat_id, last_seq, token, requests, options.seconds) for _ in range(options.repeat)
            ]
        for name, what in (
            ("healthz", "`GET /healthz` (floor)"),
            ("page", "`GET …/messages?before=<random>&limit=50`"),
        ):
            figures = [run[name] for run in runs]
            table.add(
                label,
                what,
                sum(f["n"] for f in figures),
                *(fmt([f[key] for f in figures]) for key in ("p50", "p99", "max")),
            )
        cpu = ", ".join(f"{run['cpu_ms_per_pair']:.2f}" for run in runs)
        table.notes.append(
            f"{label}: {count:,} messages inserted in {filled:.1f} s; CPU ms per page + floor pair: {cpu}"
        )
    if not options.postgres_url:
        table.notes.append("PostgreSQL: skipped (no server given)")
    table.notes.append("target: the page's p99 ≤ 1 ms (issue 14); repetitions as median (min–max)")
    return [table]


def fmt(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


# --- logins ------------------------------------------------------------------------------------

LOGIN_CLIENTS = 4
LOGIN_SECONDS, QUICK_LOGIN_SECONDS = 15.0, 3.0
LOGINS_PER_CLIENT = 2_000  # a bound on top of the time
OWASP_MINIMUM = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}  # argon2id, OWASP's smallest


def hash_settings() -> list[tuple[str, dict[str, int]]]:
    """(label, argon2 parameters): the production defaults (`Config`), then OWASP's minimum."""
    from config import Config

    production = {
        "time_cost": Config.PASSWORD_HASH_TIME_COST,
        "memory_cost": Config.PASSWORD_HASH_MEMORY_COST,
        "parallelism": Config.PASSWORD_HASH_PARALLELISM,
    }
    return [("production defaults", production), ("OWASP minimum", OWASP_MINIMUM)]


def hash_label(label: str, params: dict[str, int]) -> str:
    return f"{label} (t={params['time_cost']}, {params['memory_cost'] // 1024} MiB, p={params['parallelism']})"


def login_server(workdir: Path, database_url: str | None, params: dict[str, int]):
    """`python wsgi.py` (eventlet, production configuration) hashing with `params`; the login
    limits lifted (only failures count against them, but a bench must never meet them)."""
    from tests.support.server import LIFTED_LOGIN_LIMIT, LiveServer

    env = {
        **LIFTED_LOGIN_LIMIT,
        "LOGIN_ACCOUNT_LIMIT": "100000 per minute",
        "PASSWORD_HASH_TIME_COST": str(params["time_cost"]),
        "PASSWORD_HASH_MEMORY_COST": str(params["memory_cost"]),
        "PASSWORD_HASH_PARALLELISM": str(params["parallelism"]),
    }
    workdir.mkdir(parents=True, exist_ok=True)
    return LiveServer(workdir, database_url=database_url, prepare=database_url is None, env=env).start()


def measure_logins(server, emails: list[str], seconds: float) -> dict:
    """Each client signs in again and again with its own account for `seconds` (keep-alive
    connections), while one more polls `/healthz`: logins/s, login and health latencies (ms),
    the server's CPU per login."""
    import requests

    from tests.support.accounts import PASSWORD

    logins: list[float] = []
    health: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    deadline = time.monotonic() + seconds

    def sign_in(email: str) -> None:
        with requests.Session() as http:
            for _ in range(LOGINS_PER_CLIENT):
                if time.monotonic() > deadline:
                    return
                started = time.perf_counter()
                response = http.post(
                    server.url + "/api/v1/auth/token", json={"email": email, "password": PASSWORD}, timeout=60
                )
                took = time.perf_counter() - started
                with lock:
                    if response.status_code == 200:
                        logins.append(took)
                    else:
                        failures.append(f"HTTP {response.status_code} {response.text[:120]}")

    def poll_health() -> None:
        with requests.Session() as http:
            while not stop.is_set():
                started = time.perf_counter()
                http.get(server.url + "/healthz", timeout=60).raise_for_status()
                health.append(time.perf_counter() - started)
                stop.wait(0.01)

    poller = threading.Thread(target=poll_health, daemon=True)
    clients = [threading.Thread(target=sign_in, args=(email,), daemon=True) for email in emails]
    cpu = process_cpu_seconds(server.process.pid)
    started = time.perf_counter()
    poller.start()
    for client in clients:
        client.start()
    for client in clients:
        client.join(seconds + 120)
    elapsed = time.perf_counter() - started
    cpu = process_cpu_seconds(server.process.pid) - cpu
    stop.set()
    poller.join(60)
    if failures:
        raise RuntimeError(f"{len(failures)} logins failed, e.g. {failures[0]}")
    return {
        "logins": len(logins),
        "per_second": len(logins) / elapsed,
        "login": summary(logins),
        "health": summary(health),
        "cpu_ms_per_login": cpu * 1000 / max(1, len(logins)),
    }


def run_logins(options: Options) -> list[Table]:
    from tests.support.chat_client import CampusApi

    seconds = min(options.seconds, QUICK_LOGIN_SECONDS if options.quick else LOGIN_SECONDS)
    table = Table(
        f"Logins (`POST /api/v1/auth/token`), {LOGIN_CLIENTS} concurrent clients, `python wsgi.py` (eventlet, SQLite)",
        [
            "password hash",
            "logins/s",
            "login p50 ms",
            "login p99 ms",
            "server CPU ms per login",
            "/healthz p50 ms",
            "/healthz p99 ms",
            "/healthz max ms",
        ],
    )
    settings = hash_settings()
    servers, accounts = [], []
    try:
        for n, (_label, params) in enumerate(settings):
            # One database, migrated once; each server's accounts are hashed with its own
            # parameters (a login at other parameters would re-hash the password every time).
            database_url = servers[0].database_url if servers else None
            servers.append(login_server(options.workdir / f"logins-{n}", database_url, params))
            api = CampusApi(servers[-1].url)
            accounts.append([api.register(f"login{n}x{i}").email for i in range(LOGIN_CLIENTS)])
        runs: list[list[dict]] = [[] for _ in settings]
        for _ in range(options.repeat):  # interleaved: each setting in turn, then again
            for n, server in enumerate(servers):
                runs[n].append(measure_logins(server, accounts[n], seconds))
    finally:
        for server in servers:
            server.stop()
    for (label, params), results in zip(settings, runs, strict=True):
        table.add(
            hash_label(label, params),
            fmt([r["per_second"] for r in results]),
            fmt([r["login"]["p50"] for r in results]),
            fmt([r["login"]["p99"] for r in results]),
            fmt([r["cpu_ms_per_login"] for r in results]),
            fmt([r["health"]["p50"] for r in results]),
            fmt([r["health"]["p99"] for r in results]),
            fmt([r["health"]["max"] for r in results]),
        )
    table.notes.append(
        f"each run {seconds:.0f} s (at most {LOGINS_PER_CLIENT:,} logins a client); argon2 runs in OS threads "
        f"(campus.core.concurrency.offload), so /healthz keeps answering while passwords are hashed; "
        f"{os.cpu_count()} CPUs"
    )
    return [table]


SCENARIOS = [Scenario("history", run_history), Scenario("logins", run_logins)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--postgres", help="a PostgreSQL server URL for throwaway databases")
    parser.add_argument("--only", help="one scenario by name")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="campus-bench-http-") as tmp:
        options = Options(
            quick=args.quick,
            repeat=args.repeat or (1 if args.quick else 3),
            seconds=args.seconds,
            workdir=Path(tmp),
            postgres_url=args.postgres,
            redis_url=None,
        )
        started = time.perf_counter()
        for scenario in SCENARIOS:
            if args.only and scenario.name != args.only:
                continue
            for table in scenario.run(options):
                print(table.markdown(), end="\n\n", flush=True)
        print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
