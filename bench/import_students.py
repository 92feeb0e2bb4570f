"""Benchmark: previewing and committing a 10,000-row student import in the browser's pages, and
the chat while previews run.

    .venv/bin/python bench/import_students.py             # about a minute on this 2-core machine
    .venv/bin/python bench/import_students.py --rows 2000 # a short look

Starts Campus (`python wsgi.py`, eventlet, SQLite: the embedded defaults) on a free loopback port,
signs an admin in through the login form (the page session, as a browser has it) and measures:

- **preview**: `POST /students/import` of a CSV (semicolons, BOM) and of an XLSX of --rows
  students, each --repeat times: seconds until the preview page is back (read, checked, kept);
- **commit**: `POST /students/import/commit` of the CSV's preview: read and checked again, every
  row inserted in one transaction with its audit entry;
- **1:1 chat latency**: bench/chat.py's send → receipt p50/p99/max (one message in flight, raw
  WebSocket clients), with nothing else going on, then while a client previews the CSV again and
  again (bounded in count and time).

Figures go to docs/performance.md ("Import").
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chat import CAMPUS_ENV, RawSocket, drain, machine_load, one_to_one  # noqa: E402
from tests.support.accounts import PASSWORD  # noqa: E402
from tests.support.chat_client import CampusApi  # noqa: E402
from tests.support.server import LiveServer  # noqa: E402
from tests.support.spreadsheets import csv_bytes, xlsx_bytes  # noqa: E402

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
TOKEN = re.compile(r'name="token" type="hidden" value="([^"]+)"')


def rows(count: int, major: str) -> list[dict]:
    year = date.today().year - 1
    return [
        {
            "first_name": "Фёкла",
            "last_name": f"Импортова{n}",
            "date_of_birth": "2004-05-17",
            "email": f"bench{n}@example.test",
            "phone_number": "+7 912 345-67-89",
            "address": "Москва, ул. Ленина, д. 1",
            "enrollment_year": year,
            "course": 1,
            "major": major,
        }
        for n in range(count)
    ]


class Office:
    """An admin's page session (cookies and CSRF token, as the login form gives them)."""

    def __init__(self, base_url: str, email: str):
        self.base_url, self.http = base_url, requests.Session()
        login = self.http.get(f"{base_url}/login", timeout=30)
        answer = self.http.post(
            f"{base_url}/login",
            data={"email": email, "password": PASSWORD, "csrf_token": CSRF.search(login.text).group(1)},
            timeout=30,
        )
        assert answer.ok and "access_token_cookie" in self.http.cookies, answer.status_code
        self.csrf = CSRF.search(self.http.get(f"{base_url}/students/import", timeout=30).text).group(1)

    def preview(self, data: bytes, name: str) -> tuple[float, str]:
        started = time.perf_counter()
        answer = self.http.post(
            f"{self.base_url}/students/import",
            data={"csrf_token": self.csrf},
            files={"file": (name, data)},
            timeout=300,
        )
        elapsed = time.perf_counter() - started
        assert answer.status_code == 200 and 'id="import-commit"' in answer.text, answer.status_code
        return elapsed, TOKEN.search(answer.text).group(1)

    def decide(self, token: str, what: str) -> float:
        started = time.perf_counter()
        answer = self.http.post(
            f"{self.base_url}/students/import/{what}",
            data={"csrf_token": self.csrf, "token": token},
            allow_redirects=False,
            timeout=300,
        )
        assert answer.status_code == 302, answer.status_code
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--samples", type=int, default=1000, help="1:1 messages per latency measurement")
    parser.add_argument("--seconds", type=float, default=30.0, help="bound on each latency measurement")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="campus-bench-import-") as folder:
        server = LiveServer(Path(folder), env=CAMPUS_ENV).start()
        try:
            email = "office@example.test"
            server.flask("users", "create-admin", email, "--password", PASSWORD, "--role", "admin")
            api = CampusApi(server.url)
            admin_tokens = api.token_pair(email)
            major = "Прикладная математика"
            made = api.http.post(
                f"{server.url}/api/v1/majors",
                json={"name": major},
                headers={"Authorization": f"Bearer {admin_tokens['access_token']}"},
                timeout=30,
            )
            assert made.status_code == 201, made.text
            office = Office(server.url, email)
            students = rows(args.rows, major)
            csv_file = csv_bytes(students, delimiter=";", bom=True)
            xlsx_file = xlsx_bytes(students)

            csv_times, xlsx_times, token = [], [], None
            for _ in range(args.repeat):
                elapsed, token = office.preview(csv_file, "students.csv")
                csv_times.append(elapsed)
                office.decide(token, "cancel")
                elapsed, xlsx_token = office.preview(xlsx_file, "students.xlsx")
                xlsx_times.append(elapsed)
                office.decide(xlsx_token, "cancel")

            ann, bob = api.register("ann"), api.register("bob")
            chat_id = api.ok(ann, "POST", "/chats", json={"type": "private", "user_id": bob.id})["id"]
            sender = RawSocket("127.0.0.1", server.port, {"token": ann.token})
            recipient = RawSocket("127.0.0.1", server.port, {"token": bob.token})
            drain([sender, recipient])
            quiet = one_to_one(sender, recipient, chat_id, samples=args.samples, seconds=args.seconds)

            stop, busy_previews = threading.Event(), []

            def preview_again_and_again() -> None:
                other = Office(server.url, email)
                deadline = time.monotonic() + args.seconds + 60
                while not stop.is_set() and time.monotonic() < deadline and len(busy_previews) < 50:
                    elapsed, kept = other.preview(csv_file, "students.csv")
                    busy_previews.append(elapsed)
                    other.decide(kept, "cancel")

            worker = threading.Thread(target=preview_again_and_again, daemon=True)
            worker.start()
            time.sleep(0.5)
            busy = one_to_one(sender, recipient, chat_id, samples=args.samples, seconds=args.seconds)
            stop.set()
            worker.join(timeout=120)
            sender.close()
            recipient.close()

            _elapsed, token = office.preview(csv_file, "students.csv")
            commit = office.decide(token, "commit")
        finally:
            server.stop()

    def spread(values: list[float]) -> str:
        return f"{min(values):.2f} / {sorted(values)[len(values) // 2]:.2f}"

    print(f"\nCampus import of {args.rows} students (eventlet, SQLite); load: {machine_load()}\n")
    print("| step | best / median s |")
    print("|---|---|")
    print(f"| preview, CSV ({len(csv_file) / 1e6:.1f} MB) | {spread(csv_times)} |")
    print(f"| preview, XLSX ({len(xlsx_file) / 1e6:.1f} MB) | {spread(xlsx_times)} |")
    print(f"| commit (read, check, insert, audit) | {commit:.2f} |")
    print("\n1:1 chat, one message in flight:\n")
    print("| while | n | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|")
    for label, figures in (("nothing else", quiet), (f"CSV previews run ({len(busy_previews)} done)", busy)):
        print(
            f"| {label} | {figures['n']} | {figures['p50']:.2f} | {figures['p99']:.2f} "
            f"| {figures.get('max', float('nan')):.2f} |"
        )


if __name__ == "__main__":
    main()
