"""Benchmark: GET /api/v1/messages/search over 1,000,000 messages, on SQLite and PostgreSQL.

    .venv/bin/python bench/search.py [--messages 1000000] [--queries 200] [--postgres URL]
    .venv/bin/python bench/search.py --url DATABASE_URL   # keep the database: seeded once, reused

Seeds a database (migrations, roles, two users, 200 group chats) with --messages messages of
5–15 words drawn from a Zipf law over 20,000 pseudo-words (Russian and English syllables), plus
a rare word in 20 messages, by bulk inserts — the search index is written by the same triggers
as every send. The searching user is a member of 50 of the 200 chats (a quarter of the
messages); the other user sent everything. Then the whole request through the Flask test client
(token check, permission read, membership join, ranking, snippets) is timed --queries times per
word: a common one (the most frequent after "the", which PostgreSQL drops as a stop word: in
about 40% of the messages), a rare one, one nobody used; prints p50/p99 and
the size of the first page. Figures go to docs/performance.md ("Search").

PostgreSQL: pass --postgres postgresql://postgres@127.0.0.1:5432/postgres; a throwaway database
is created on that server and dropped afterwards.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import insert, text

from campus import create_app
from campus.chat.models import Chat, ChatMember, Message
from campus.core.models import utcnow
from campus.extensions import db
from config import TestingConfig, database_url

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")
CHATS, MEMBER_OF, VOCABULARY = 200, 50, 20_000
RARE, NOBODY = "квазикристалл", "xylophonequartz"
SYLLABLES_RU = ["ка", "ло", "ми", "ну", "ре", "сто", "ва", "ден", "пра", "ко", "лит", "ша"]
SYLLABLES_EN = ["ka", "lo", "mi", "nu", "re", "sto", "va", "den", "pra", "ko", "lit", "sha"]


def vocabulary() -> list[str]:
    """20,000 distinct pseudo-words, every other one Cyrillic; the most frequent is "the"."""
    words = ["the"]
    for n in itertools.count(1):
        syllables = SYLLABLES_RU if n % 2 else SYLLABLES_EN
        word, k = "", n
        while True:
            word += syllables[k % len(syllables)]
            k //= len(syllables)
            if not k:
                break
        words.append(word + ("ами" if n % 2 else "ings"))
        if len(words) == VOCABULARY:
            return words
    raise AssertionError


def build_app(url: str, workdir: Path):
    config = type(
        "BenchConfig",
        (TestingConfig,),
        {"SQLALCHEMY_DATABASE_URI": url, "MEDIA_ROOT": str(workdir / "media"), "PROPAGATE_EXCEPTIONS": True},
    )
    return create_app(config)


def seed(app, count: int) -> tuple[int, int]:
    """Users, chats and `count` messages; `(searcher, seconds to fill)`."""
    from campus.roles.services import seed_roles
    from campus.users.services import register_user

    rng = random.Random(2026)
    words = vocabulary()
    weights = list(itertools.accumulate(1 / rank for rank in range(1, VOCABULARY + 1)))
    rare_at = set(rng.sample(range(count), 20))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        seed_roles()
        searcher = register_user(
            email="searcher@bench.test", password="bench-password-1", first_name="S", last_name="S"
        ).id
        sender = register_user(email="sender@bench.test", password="bench-password-1", first_name="T", last_name="T").id
        now = utcnow()
        chat_ids = [
            db.session.execute(insert(Chat).values(type="group", title=f"Chat {n}").returning(Chat.id)).scalar_one()
            for n in range(CHATS)
        ]
        db.session.execute(insert(ChatMember), [{"chat_id": c, "user_id": sender} for c in chat_ids])
        db.session.execute(insert(ChatMember), [{"chat_id": c, "user_id": searcher} for c in chat_ids[:MEMBER_OF]])
        db.session.commit()
        started = time.perf_counter()
        per_chat = count // CHATS
        batch = []
        for n in range(count):
            chat = chat_ids[n % CHATS]
            size = rng.randint(5, 15)
            body = [words[bisect.bisect(weights, rng.random() * weights[-1])] for _ in range(size)]
            if n in rare_at:
                body[rng.randrange(size)] = RARE
            seq = n // CHATS + 1
            batch.append(
                {
                    "chat_id": chat,
                    "seq": seq,
                    "rev": seq,
                    "sender_id": sender,
                    "client_id": f"b-{n}",
                    "body": " ".join(body),
                    "created_at": now,
                }
            )
            if len(batch) == 20_000:
                db.session.execute(insert(Message), batch)
                db.session.commit()
                batch = []
        if batch:
            db.session.execute(insert(Message), batch)
        db.session.execute(text("UPDATE chats SET last_seq = :n, rev = :n"), {"n": per_chat})
        db.session.commit()
        filled = time.perf_counter() - started
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return searcher, filled


def measure(app, searcher: int, queries: int) -> dict:
    from campus.users.models import User
    from campus.users.tokens import issue_tokens

    with app.test_request_context():
        token = issue_tokens(db.session.get(User, searcher))["access_token"]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    results = {}
    for label, word in (("common", vocabulary()[1]), ("rare", RARE), ("nobody", NOBODY)):
        times, found = [], None
        for _ in range(queries):
            started = time.perf_counter()
            response = client.get("/api/v1/messages/search", query_string={"q": word}, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{word}: HTTP {response.status_code} {response.get_data(as_text=True)[:200]}")
            found = len(response.get_json()["items"])
        times.sort()
        results[label] = {
            "p50_ms": statistics.median(times),
            "p99_ms": times[min(len(times) - 1, int(len(times) * 0.99))],
            "first_page": found,
        }
    return results


def run(url: str, workdir: Path, args) -> None:
    app = build_app(url, workdir)
    with app.app_context():
        seeded = db.inspect(db.engine).has_table("messages") and db.session.scalar(
            text("SELECT count(*) FROM messages")
        )
        searcher = (
            db.session.scalar(text("SELECT id FROM users WHERE email = 'searcher@bench.test'")) if seeded else None
        )
    if seeded:
        print(f"{url.split(':')[0]}: reusing {seeded:,} messages")
    else:
        searcher, filled = seed(app, args.messages)
        print(f"{url.split(':')[0]}: {args.messages:,} messages inserted (index by triggers) in {filled:.1f} s")
    for label, figures in measure(app, searcher, args.queries).items():
        print(
            f"  {label:13} p50 {figures['p50_ms']:7.1f} ms  p99 {figures['p99_ms']:7.1f} ms"
            f"  ({figures['first_page']} on the first page)"
        )
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a throwaway database is made on it)")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--url", help="a database to seed once and reuse (nothing is dropped)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.url:
            run(database_url(args.url), workdir, args)
            return
        if not args.skip_sqlite:
            run(f"sqlite:///{workdir / 'search.db'}", workdir, args)
        if args.postgres:
            from tests.support.database import throwaway_postgres_database

            with throwaway_postgres_database(database_url(args.postgres), "campus_bench_search") as url:
                run(url, workdir, args)


if __name__ == "__main__":
    main()
