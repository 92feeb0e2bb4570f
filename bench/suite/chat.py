"""The chat scenarios of the bench suite: Campus's send path against its peers, and against itself.

Targets, each started on a free loopback port through `tests/support/server.LiveServer`, one after
the other (never two servers at once), interleaved per repetition (Campus, textbook, bare, Node;
then again):

- **Campus**: `python wsgi.py` (eventlet), SQLite with the embedded defaults, the chat flood limit
  raised as `bench/chat.py`'s CAMPUS_ENV does. Its accounts and chats are registered once through
  the API (`tests/support/chat_client.CampusApi`) and the database file snapshotted: every later
  start begins from a copy, so each repetition starts from the same state.
- **textbook Flask-SocketIO** (`bench/peers/textbook_flask_socketio.py`), **bare python-socketio**
  (`bench/peers/bare_socketio.py`), **Node socket.io** (`bench/peers/node_server.mjs`): they
  persist nothing and check nothing.

The load is the official socket.io-client in a Node process per measurement
(`bench/js/chat_load.mjs`); the server's CPU time comes from /proc over the measured part only.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.chat import CAMPUS_ENV
from bench.suite.report import Options, Scenario, Table, percentile, process_cpu_seconds, ratios, spread
from tests.support.chat_client import Account, CampusApi
from tests.support.database import throwaway_postgres_database
from tests.support.server import LiveServer, prepare_database

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "bench" / "js" / "chat_load.mjs"
NODE_PROGRAM = shutil.which("node") or "node"
WINDOW = 8  # group sends awaiting their ack at once
SATURATED = 0.9  # the load generator's CPU, as a fraction of one core, at which its figure is its own ceiling
MAX_MEMBERS_AT_CREATION = 500  # campus/chat/schemas.py's MAX_GROUP_MEMBERS: the rest are added one by one
# Accounts registered once serve every repetition of a run: their tokens must outlive it.
# Tokens that outlive a full run; the mail queue polled at the production default (the tests'
# server polls it every 0.5 s, each poll a query on the event loop).
BENCH_CAMPUS_ENV = {**CAMPUS_ENV, "JWT_ACCESS_TOKEN_SECONDS": str(6 * 3600), "MAIL_QUEUE_INTERVAL": "5"}
CAMPUS, TEXTBOOK, BARE, NODE = "Campus", "textbook Flask-SocketIO", "bare python-socketio", "Node socket.io"


def progress(text: str) -> None:
    print(f"  chat: {text}", file=sys.stderr, flush=True)


# --- sizes ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    one_to_one_warmup: int
    one_to_one_messages: int
    group_warmup: int
    group_messages: int
    big_group_messages: int  # the 1,000-member group's
    big_group_members: int  # the 1,000-member group's size (quick: smaller)
    comparison_group_members: int  # the group of async_modes and workers (100; quick: smaller)

    @classmethod
    def of(cls, options: Options) -> Sizes:
        if options.quick:
            return cls(5, 30, 3, 20, 20, 50, 10)
        return cls(200, 3000, 20, 1000, 200, 1000, 100)

    def group_size(self, members: int) -> int:
        return self.big_group_members if members >= 1000 else members

    def group_messages_for(self, members: int) -> int:
        return self.big_group_messages if members >= 1000 else self.group_messages


# --- targets --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Client:
    url: str
    auth: dict


@dataclass
class Running:
    """A started target: its server processes, the 1:1 pair's clients and the group's."""

    servers: list[LiveServer]
    pair: list[Client]  # sender, recipient
    pair_chat: object
    group: list[Client]  # the sender first
    group_chat: object

    def pids(self) -> list[int]:
        return [server.process.pid for server in self.servers]

    def stop(self) -> None:
        # SIGKILL: the measurement is over and nothing is left to keep; Campus's graceful
        # shutdown would add a second to every start of the run.
        for server in self.servers:
            server.kill()


class Peer:
    """A peer server: rooms named by the clients, nothing persisted, nothing checked."""

    def __init__(self, name: str, entry: tuple[str, ...], program: str = sys.executable):
        self.name, self.entry, self.program = name, entry, program

    def start(self, workdir: Path, members: int) -> Running:
        server = LiveServer(workdir, prepare=False, entry=self.entry, program=self.program).start()
        return Running(
            servers=[server],
            pair=[Client(server.url, {"room": "pair"}) for _ in range(2)],
            pair_chat="pair",
            group=[Client(server.url, {"room": "group"}) for _ in range(members)],
            group_chat="group",
        )


def peers() -> list[Peer]:
    return [
        Peer(TEXTBOOK, ("bench/peers/textbook_flask_socketio.py",)),
        Peer(BARE, ("bench/peers/bare_socketio.py",)),
        Peer(NODE, ("bench/peers/node_server.mjs",), program=NODE_PROGRAM),
    ]


@dataclass
class Seed:
    """Campus's accounts and chats for a group of `members`, registered once through the API.

    SQLite: the migrated template is copied for the first start, the database is snapshotted once
    seeded, and every later start begins from a copy of the snapshot. PostgreSQL: one database,
    seeded once, shared by every start (the messages of earlier runs stay in it).
    """

    members: int
    template: Path | None = None  # SQLite: the migrated, empty database
    database_url: str | None = None  # PostgreSQL
    snapshot: Path | None = None
    accounts: list[Account] = field(default_factory=list)
    pair_chat: int | None = None
    group_chat: int | None = None

    def database_for(self, workdir: Path) -> str:
        if self.database_url:
            return self.database_url
        target = workdir / "live.db"
        shutil.copyfile(self.snapshot or self.template, target)
        return f"sqlite:///{target}"

    def ensure(self, server: LiveServer) -> None:
        """Register the accounts and create the chats on the first start (then snapshot SQLite)."""
        if self.accounts:
            return
        started = time.perf_counter()
        api = CampusApi(server.url)
        accounts = [api.register(f"member{i}") for i in range(max(2, self.members))]
        owner, others = accounts[0], accounts[1 : self.members]
        self.pair_chat = api.ok(owner, "POST", "/chats", json={"type": "private", "user_id": accounts[1].id})["id"]
        self.group_chat = api.group(owner, others[:MAX_MEMBERS_AT_CREATION], title="Bench group")["id"]
        for member in others[MAX_MEMBERS_AT_CREATION:]:
            api.ok(owner, "POST", f"/chats/{self.group_chat}/members", json={"user_id": member.id})
        if self.database_url is None:
            self.snapshot = self.template.with_name(f"seed-{self.members}.db")
            live = sqlite3.connect(server.database_url.removeprefix("sqlite:///"))
            copy = sqlite3.connect(self.snapshot)
            live.backup(copy)  # a consistent copy of the WAL database while the server runs
            copy.close()
            live.close()
        self.accounts = accounts
        progress(f"registered {len(accounts)} accounts and their chats in {time.perf_counter() - started:.1f} s")


class Campus:
    """Campus (`python wsgi.py`) on a seeded database: one worker, or several behind a message queue."""

    def __init__(self, name: str, seed: Seed, *, mode: str = "eventlet", env: dict | None = None, workers: int = 1):
        self.name, self.seed, self.mode, self.env, self.workers = name, seed, mode, env or {}, workers

    def start(self, workdir: Path, members: int) -> Running:
        assert members <= max(2, self.seed.members), (members, self.seed.members)
        database_url = self.seed.database_for(workdir)
        servers: list[LiveServer] = []
        try:
            for index in range(self.workers):
                server_dir = workdir / f"worker{index}"
                server_dir.mkdir()
                servers.append(
                    LiveServer(
                        server_dir,
                        database_url=database_url,
                        mode=self.mode,
                        env={**BENCH_CAMPUS_ENV, **self.env},
                        prepare=False,
                    ).start()
                )
            self.seed.ensure(servers[0])
        except BaseException:
            for server in servers:
                server.stop()
            raise
        tokens = [{"token": account.token} for account in self.seed.accounts]
        urls = [server.url for server in servers]
        return Running(
            servers=servers,
            # The sender on the first worker, the recipient on the last: across workers when there are two.
            pair=[Client(urls[0], tokens[0]), Client(urls[-1], tokens[1])],
            pair_chat=self.seed.pair_chat,
            group=[Client(urls[i % len(urls)], tokens[i]) for i in range(members)],
            group_chat=self.seed.group_chat,
        )


_templates: dict[Path, Path] = {}
_seeds: dict[tuple[Path, int], Seed] = {}


def sqlite_seed(options: Options, members: int) -> Seed:
    """The run's seed for a group of `members` on SQLite (shared by the scenarios of one run)."""
    if options.workdir not in _templates:
        template = options.workdir / "campus-template.db"
        prepare_database(f"sqlite:///{template}")
        _templates[options.workdir] = template
    key = (options.workdir, members)
    if key not in _seeds:
        _seeds[key] = Seed(members, template=_templates[options.workdir])
    return _seeds[key]


# --- the load generator ---------------------------------------------------------------------------


def read_lines(stream, deadline: float) -> Iterator[str]:
    """Lines of a pipe until it closes, each waited for until `deadline` (TimeoutError after)."""
    selector = selectors.DefaultSelector()
    selector.register(stream, selectors.EVENT_READ)
    buffer = b""
    try:
        while True:
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                yield line.decode()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the load generator did not finish in time")
            if not selector.select(min(remaining, 1.0)):
                continue
            chunk = os.read(stream.fileno(), 1 << 16)
            if not chunk:
                return
            buffer += chunk
    finally:
        selector.close()


def drive(
    running: Running, scenario: str, clients: list[Client], chat_id, *, warmup: int, messages: int, options: Options
) -> dict:
    """One run of `bench/js/chat_load.mjs`; its result, with the servers' CPU time over the measured part."""
    connect_seconds = max(30.0, options.seconds)
    spec = {
        "scenario": scenario,
        "clients": [{"url": client.url, "auth": client.auth} for client in clients],
        "chat_id": chat_id,
        "warmup": warmup,
        "messages": messages,
        "window": WINDOW,
        "connect_seconds": connect_seconds,
        "seconds": options.seconds,
    }
    name = f"driver-{uuid.uuid4().hex[:8]}"
    spec_path = options.workdir / f"{name}.json"
    spec_path.write_text(json.dumps(spec))
    log_path = options.workdir / f"{name}.log"
    deadline = time.monotonic() + connect_seconds + 2 * options.seconds + 30
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [NODE_PROGRAM, str(DRIVER), str(spec_path)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
        )
    cpu_before, result = None, None
    try:
        for line in read_lines(process.stdout, deadline):
            event = json.loads(line)
            if event["event"] == "measuring":
                cpu_before = sum(process_cpu_seconds(pid) for pid in running.pids())
                process.stdin.write(b"go\n")
                process.stdin.flush()
            elif event["event"] == "result":
                result = event
                result["server_cpu_seconds"] = sum(process_cpu_seconds(pid) for pid in running.pids()) - cpu_before
                break
            elif event["event"] == "error":
                raise RuntimeError(
                    f"load generator: {event['message']}\n{log_path.read_text(errors='replace')[-2000:]}"
                )
        if result is None:
            raise RuntimeError(f"load generator ended without a result: {log_path.read_text(errors='replace')[-2000:]}")
    finally:
        try:
            process.wait(5 if result is not None else 0)  # it exits by itself after its result
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        process.stdout.close()
        process.stdin.close()
    return result


def one_to_one_run(running: Running, sizes: Sizes, options: Options) -> dict:
    """1:1, window 1: messages/s, the recipient's p50/p99, server CPU per message."""
    result = drive(
        running,
        "one_to_one",
        running.pair,
        running.pair_chat,
        warmup=sizes.one_to_one_warmup,
        messages=sizes.one_to_one_messages,
        options=options,
    )
    latencies = result["latencies"]
    sent = len(latencies) + result["failures"]
    return {
        "planned": sizes.one_to_one_messages,
        "sent": sent,
        "n": len(latencies),
        "failures": result["failures"],
        "messages_per_s": len(latencies) / result["wall_seconds"] if result["wall_seconds"] else 0.0,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p99": percentile(latencies, 99),
        "server_cpu_ms": result["server_cpu_seconds"] * 1000 / max(1, sent),
        "driver_cpu": result["driver_cpu_fraction"],
    }


def group_run(running: Running, members: int, sizes: Sizes, options: Options) -> dict:
    """A group of `members`, one sender, window 8: deliveries/s to the others, all checked."""
    result = drive(
        running,
        "group",
        running.group[:members],
        running.group_chat,
        warmup=sizes.group_warmup,
        messages=sizes.group_messages_for(members),
        options=options,
    )
    seconds = result["seconds"]
    return {
        "planned": sizes.group_messages_for(members),
        "sent": result["sent"],
        "acked": result["acked"],
        "failures": result["failures"],
        "delivered": result["delivered"],
        "missing": result["missing"],
        "duplicates": result["duplicates"],
        "deliveries_per_s": result["delivered"] / seconds if seconds > 0 else 0.0,
        "messages_per_s": result["acked"] / seconds if seconds > 0 else 0.0,
        "server_cpu_ms": result["server_cpu_seconds"] * 1000 / max(1, result["acked"]),
        "server_cpu_us_per_delivery": result["server_cpu_seconds"] * 1e6 / max(1, result["delivered"]),
        "driver_cpu": result["driver_cpu_fraction"],
    }


# --- running targets, interleaved -----------------------------------------------------------------

Measurement = Callable[[Running], dict]
Results = dict[str, dict[str, list[dict]]]  # measurement → target → one result per repetition


def interleaved(
    scenario: str, options: Options, targets: list, members: int, measurements: dict[str, Measurement]
) -> Results:
    """Each repetition starts every target in turn, runs the measurements on it and stops it."""
    results: Results = {name: {target.name: [] for target in targets} for name in measurements}
    for repetition in range(options.repeat):
        for index, target in enumerate(targets):
            workdir = options.workdir / scenario / f"{repetition}-{index}"
            workdir.mkdir(parents=True)
            progress(f"{scenario}: repetition {repetition + 1}/{options.repeat}, {target.name}")
            running = target.start(workdir, members)
            try:
                for name, measure in measurements.items():
                    results[name][target.name].append(measure(running))
            finally:
                running.stop()
    return results


# --- tables ---------------------------------------------------------------------------------------


def saturation_cell(runs: list[dict]) -> str:
    saturated = sum(run["driver_cpu"] >= SATURATED for run in runs)
    if not saturated:
        return "no"
    return "**yes**" if saturated == len(runs) else f"**yes** ({saturated} of {len(runs)})"


def driver_cell(runs: list[dict]) -> str:
    return spread([run["driver_cpu"] * 100 for run in runs], 0) + " %"


def run_notes(runs_by_target: dict[str, list[dict]], options: Options) -> list[str]:
    """What every table says under it: how to read it, saturation, runs cut short by the time bound."""
    notes = [
        f"Repetitions: {options.repeat}, interleaved ({', '.join(runs_by_target)}; then again); "
        "each cell: median (min–max) of the repetitions; ratios: one per repetition, reference ÷ target."
    ]
    if any(run["driver_cpu"] >= SATURATED for runs in runs_by_target.values() for run in runs):
        notes.append(
            f"**saturated**: the load generator used ≥ {SATURATED:.0%} of one core during the run: that "
            "figure is the Node client's ceiling, not the server's."
        )
    for name, runs in runs_by_target.items():
        short = [run for run in runs if run["sent"] < run["planned"]]
        if short:
            sent = ", ".join(f"{run['sent']:,}" for run in short)
            notes.append(
                f"{name}: {sent} of {short[0]['planned']:,} messages sent within the {options.seconds:g} s bound."
            )
    return notes


def one_to_one_table(title: str, runs_by_target: dict[str, list[dict]], options: Options) -> Table:
    reference_name, reference = next(iter(runs_by_target.items()))
    table = Table(
        title,
        [
            "target",
            "messages/s",
            "recipient p50 ms",
            "recipient p99 ms",
            f"{reference_name} ÷ target: messages/s",
            f"{reference_name} ÷ target: p99",
            "server CPU ms/message",
            "load generator CPU",
            "saturated",
        ],
    )
    for name, runs in runs_by_target.items():
        is_reference = name == reference_name
        table.add(
            name,
            spread([run["messages_per_s"] for run in runs], 0),
            spread([run["p50"] for run in runs]),
            spread([run["p99"] for run in runs]),
            "–"
            if is_reference
            else ratios([r["messages_per_s"] for r in reference], [r["messages_per_s"] for r in runs]),
            "–" if is_reference else ratios([r["p99"] for r in reference], [r["p99"] for r in runs]),
            spread([run["server_cpu_ms"] for run in runs], 3),
            driver_cell(runs),
            saturation_cell(runs),
        )
    table.notes += run_notes(runs_by_target, options)
    for name, runs in runs_by_target.items():
        failures = sum(run["failures"] for run in runs)
        if failures:
            table.notes.append(f"{name}: {failures} messages not delivered or refused (left out of the figures).")
    return table


def group_table(title: str, runs_by_target: dict[str, list[dict]], options: Options) -> Table:
    reference_name, reference = next(iter(runs_by_target.items()))
    table = Table(
        title,
        [
            "target",
            "deliveries/s",
            "messages/s",
            f"{reference_name} ÷ target: deliveries/s",
            "server CPU ms/message",
            "server CPU µs/delivery",
            "load generator CPU",
            "saturated",
        ],
    )
    for name, runs in runs_by_target.items():
        table.add(
            name,
            spread([run["deliveries_per_s"] for run in runs], 0),
            spread([run["messages_per_s"] for run in runs], 0),
            "–"
            if name == reference_name
            else ratios([r["deliveries_per_s"] for r in reference], [r["deliveries_per_s"] for r in runs]),
            spread([run["server_cpu_ms"] for run in runs], 3),
            spread([run["server_cpu_us_per_delivery"] for run in runs], 1),
            driver_cell(runs),
            saturation_cell(runs),
        )
    table.notes += run_notes(runs_by_target, options)
    for name, runs in runs_by_target.items():
        missing = sum(run["missing"] for run in runs)
        duplicates = sum(run["duplicates"] for run in runs)
        failures = sum(run["failures"] for run in runs)
        if missing or duplicates or failures:
            table.notes.append(
                f"**{name}: {missing} deliveries missing, {duplicates} duplicated, {failures} sends refused** "
                "(every acknowledged message must reach every other member)."
            )
    return table


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def median_ratio(ours: list[dict], theirs: list[dict], key: str) -> float:
    return statistics.median(a[key] / b[key] for a, b in zip(ours, theirs, strict=False) if b[key])


def verdict(met: bool) -> str:
    return "met" if met else "**not met**"


# --- the scenarios --------------------------------------------------------------------------------


def against_peers(options: Options, members: int) -> list:
    return [Campus(CAMPUS, sqlite_seed(options, members)), *peers()]


def one_to_one(options: Options) -> list[Table]:
    sizes = Sizes.of(options)
    results = interleaved(
        "one_to_one",
        options,
        against_peers(options, 2),
        2,
        {"one_to_one": lambda running: one_to_one_run(running, sizes, options)},
    )
    runs = results["one_to_one"]
    table = one_to_one_table(
        f"1:1, window 1: the sender sends, waits for the recipient's `message` and its ack "
        f"({sizes.one_to_one_messages:,} messages after {sizes.one_to_one_warmup:,} of warm-up)",
        runs,
        options,
    )
    if not options.quick:
        campus, bare = runs[CAMPUS], runs[BARE]
        cpu, cpu_ratio = median_of(campus, "server_cpu_ms"), median_ratio(campus, bare, "server_cpu_ms")
        p99, p99_ratio = median_of(campus, "p99"), median_ratio(campus, bare, "p99")
        table.notes.append(
            f"Target: server CPU per persisted 1:1 message ≤ 0.4 ms and ≤ 2× the bare server's: "
            f"{cpu:.3f} ms, {cpu_ratio:.2f}× — {verdict(cpu <= 0.4 and cpu_ratio <= 2)}."
        )
        table.notes.append(
            f"Target: recipient p99 ≤ 2 ms and ≤ 2× the bare server's p99: {p99:.2f} ms, {p99_ratio:.2f}× — "
            f"{verdict(p99 <= 2 and p99_ratio <= 2)}."
        )
    return [table]


def group_scenario(members: int) -> Callable[[Options], list[Table]]:
    def run(options: Options) -> list[Table]:
        sizes = Sizes.of(options)
        size = sizes.group_size(members)
        results = interleaved(
            f"group_{members}",
            options,
            against_peers(options, size),
            size,
            {"group": lambda running: group_run(running, size, sizes, options)},
        )
        runs = results["group"]
        table = group_table(
            f"Group of {size:,}, one sender, window {WINDOW}: deliveries/s to the other {size - 1:,} members "
            f"({sizes.group_messages_for(size):,} messages after {sizes.group_warmup} of warm-up)",
            runs,
            options,
        )
        if not options.quick and members in (10, 100):
            to_bare = median_ratio(runs[CAMPUS], runs[BARE], "deliveries_per_s")
            to_textbook = median_ratio(runs[CAMPUS], runs[TEXTBOOK], "deliveries_per_s")
            if members == 100:
                wanted = f"≥ 0.75× the bare server's and ≥ 5× the textbook app's: {to_bare:.2f}× and {to_textbook:.2f}×"
                met = to_bare >= 0.75 and to_textbook >= 5
            else:
                wanted, met = f"≥ 0.5× the bare server's: {to_bare:.2f}×", to_bare >= 0.5
            table.notes.append(f"Target: deliveries/s {wanted} — {verdict(met)}.")
        return [table]

    return run


def both_paths(options: Options, sizes: Sizes, members: int) -> dict[str, Measurement]:
    return {
        "one_to_one": lambda running: one_to_one_run(running, sizes, options),
        "group": lambda running: group_run(running, members, sizes, options),
    }


def async_modes(options: Options) -> list[Table]:
    """Campus on eventlet against Campus on gevent: 1:1 and a group of 100."""
    sizes = Sizes.of(options)
    members = sizes.comparison_group_members
    seed = sqlite_seed(options, members)
    targets = [Campus("Campus on eventlet", seed), Campus("Campus on gevent", seed, mode="gevent")]
    results = interleaved("async_modes", options, targets, members, both_paths(options, sizes, members))
    return [
        one_to_one_table(
            f"eventlet against gevent — 1:1, window 1 ({sizes.one_to_one_messages:,} messages)",
            results["one_to_one"],
            options,
        ),
        group_table(
            f"eventlet against gevent — group of {members}, window {WINDOW} ({sizes.group_messages:,} messages)",
            results["group"],
            options,
        ),
    ]


def skipped(title: str, reason: str) -> list[Table]:
    return [Table(title, ["target"], notes=[f"Skipped: {reason}."])]


def workers(options: Options) -> list[Table]:
    """Campus on PostgreSQL: one worker against two behind Redis, the clients spread over both."""
    title = "one worker against two workers behind Redis (PostgreSQL)"
    if options.postgres_url is None or options.redis_url is None:
        missing = " and ".join(
            name for name, url in (("PostgreSQL", options.postgres_url), ("Redis", options.redis_url)) if url is None
        )
        return skipped(title, f"no {missing} answered")
    sizes = Sizes.of(options)
    members = sizes.comparison_group_members
    queue = {"SOCKETIO_MESSAGE_QUEUE": options.redis_url, "SOCKETIO_CHANNEL": f"campus-bench-{uuid.uuid4().hex[:8]}"}
    with throwaway_postgres_database(options.postgres_url, "campus_bench") as database_url:
        prepare_database(database_url)
        seed = Seed(members, database_url=database_url)
        targets = [
            Campus("one worker", seed),
            Campus("two workers + Redis", seed, env=queue, workers=2),
        ]
        results = interleaved("workers", options, targets, members, both_paths(options, sizes, members))
    one, group = (
        one_to_one_table(
            f"{title} — 1:1, window 1, the recipient on the other worker ({sizes.one_to_one_messages:,} messages)",
            results["one_to_one"],
            options,
        ),
        group_table(
            f"{title} — group of {members}, window {WINDOW}, members alternating between the workers, "
            f"the sender on the first ({sizes.group_messages:,} messages)",
            results["group"],
            options,
        ),
    )
    for table in (one, group):
        table.notes.append(
            "Server CPU: both workers' together. The messages of earlier repetitions stay in the database."
        )
    return [one, group]


def redis_queue(options: Options) -> list[Table]:
    """Campus's 1:1 path with and without the Redis message queue (the "+0.5 ms p50" target)."""
    title = "1:1 with the Redis message queue on (one worker, SQLite)"
    if options.redis_url is None:
        return skipped(title, "no Redis answered")
    sizes, seed = Sizes.of(options), sqlite_seed(options, 2)
    queue = {"SOCKETIO_MESSAGE_QUEUE": options.redis_url, "SOCKETIO_CHANNEL": f"campus-bench-{uuid.uuid4().hex[:8]}"}
    targets = [Campus("Campus", seed), Campus("Campus + Redis queue", seed, env=queue)]
    results = interleaved(
        "redis_queue", options, targets, 2, {"one_to_one": lambda running: one_to_one_run(running, sizes, options)}
    )
    runs = results["one_to_one"]
    table = one_to_one_table(f"{title} ({sizes.one_to_one_messages:,} messages)", runs, options)
    added = [
        queued["p50"] - alone["p50"]
        for alone, queued in zip(runs["Campus"], runs["Campus + Redis queue"], strict=False)
    ]
    per_repetition = " / ".join(f"{value:+.3f}" for value in added)
    note = f"p50 with the queue − without, per repetition: {per_repetition} ms"
    if not options.quick:
        note += f" (target ≤ +0.5 ms — {verdict(statistics.median(added) <= 0.5)})"
    table.notes.append(note + ".")
    return [table]


SCENARIOS: list[Scenario] = [
    Scenario("one_to_one", one_to_one),
    Scenario("group_10", group_scenario(10)),
    Scenario("group_100", group_scenario(100)),
    Scenario("group_1000", group_scenario(1000)),
    Scenario("async_modes", async_modes),
    Scenario("workers", workers),
    Scenario("redis_queue", redis_queue),
]
