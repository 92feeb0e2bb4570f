"""Idle sockets and connect / disconnect storms (issue 14), Campus against the bare python-socketio server.

    .venv/bin/python -m bench.suite.sockets [--quick] [--repeat N] [--only idle_sockets,connect_storm]

Campus runs as `python wsgi.py` (tests/support/server.LiveServer, SQLite) on a database holding
a realistic population (`bench.suite.population`: one user per socket, each in a group of 20 and
two private chats), copied from one seeded template per run; the bare server is
`bench/peers/bare_socketio.py` with `auth={"room": …}` (20 sockets a room, like the groups). The
load is the official socket.io-client in Node (`bench/js/sockets_load.mjs`, websocket transport,
at most 256 handshakes in flight per process); a measurement whose driver used ≥ 90 % of a core
is marked saturated. While a storm runs, a separate client asks `GET /healthz` (and, of Campus,
one authenticated `GET /api/v1/chats`) every ~10 ms on keep-alive connections: the latency other
requests see.

- `idle_sockets`: 1,000, then 5,000, then 10,000 sockets held open (200 in quick mode); memory per
  socket = (server RSS with n open − RSS before) ÷ n, connects/s of each step, refusals.
- `connect_storm`: 10,000 sockets connect as fast as the driver can; connects/s, time until all
  are connected, other requests' p50 / p99 / max meanwhile.
- `disconnect_storm`: 10,000 connected sockets all close at once; time until the server has
  closed them all (its open descriptors back to where they were), until it is idle again
  (Campus announces "offline" `PRESENCE_OFFLINE_GRACE` seconds later: that work is inside the
  window), and other requests' latency over that window.

Sockets all come from 127.0.0.1, so the per-address cap is lifted (`SOCKETIO_MAX_PER_ADDRESS=0`).
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.suite.report import Options, Scenario, Table, percentile, process_cpu_seconds, ratios, rss_kib, spread
from tests.support.server import LIFTED_LOGIN_LIMIT, ROOT, LiveServer

LOAD_SCRIPT = ROOT / "bench" / "js" / "sockets_load.mjs"
SATURATED = 0.9  # share of one core the driver used above which it, not the server, set the pace
POLL_INTERVAL = 0.010
IDLE_CPU_SHARE = 0.05  # the server counts as idle again below this share of a core over IDLE_WINDOW
IDLE_WINDOW = 0.5
ROOM_SIZE = 20  # the bare server's rooms, as Campus's groups
CAMPUS_ONLY = False  # `--campus-only`: before / after figures of a change, without the peer

CAMPUS_ENV = {
    **LIFTED_LOGIN_LIMIT,
    "SOCKETIO_MAX_PER_ADDRESS": "0",  # every bench socket comes from 127.0.0.1
    "JWT_ACCESS_TOKEN_SECONDS": str(6 * 3600),  # the seeded tokens outlive the run
}


# --- servers ------------------------------------------------------------------------------


@dataclass
class Target:
    """A running server and the `auth` values of the sockets to open on it."""

    name: str
    server: LiveServer
    auths: list[dict]
    api_token: str | None = None  # Campus: a user's token for the authenticated poll
    settles_after: float = 0.0  # seconds after a disconnect storm before the server may be idle

    @property
    def pid(self) -> int:
        return self.server.process.pid

    def stop(self) -> None:
        self.server.stop()


_templates: dict[tuple[Path, int], tuple[Path, list[dict]]] = {}


def campus_template(workdir: Path, users: int, env: dict[str, str]) -> tuple[Path, list[dict]]:
    """A migrated SQLite database with `users` users and their chats, and their `auth` values:
    seeded once per run and size, copied for every server."""
    key = (workdir, users)
    if key not in _templates:
        folder = workdir / f"sockets-template-{users}"
        folder.mkdir(parents=True, exist_ok=True)
        template = LiveServer(folder, env=env)  # migrates its database; never started
        tokens = folder / "auth.json"
        seeded = subprocess.run(
            [sys.executable, "-m", "bench.suite.population", str(tokens), "--users", str(users)],
            cwd=ROOT,
            env=template.environment(),
            capture_output=True,
            text=True,
            timeout=600,
        )
        if seeded.returncode != 0:
            raise RuntimeError(f"seeding the population failed:\n{seeded.stderr}")
        path = Path(template.database_url.removeprefix("sqlite:///"))
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _templates[key] = (path, json.loads(tokens.read_text()))
    return _templates[key]


def start_campus(workdir: Path, users: int, env: dict[str, str]) -> Target:
    template, auths = campus_template(workdir, users, env)
    folder = workdir / f"campus-{time.monotonic_ns()}"
    folder.mkdir(parents=True)
    database = folder / "live.db"
    shutil.copyfile(template, database)
    server = LiveServer(folder, database_url=f"sqlite:///{database}", env=env, prepare=False).start()
    # Offline is announced after the grace, within one flush interval (campus.chat.presence).
    settles = float(env.get("PRESENCE_OFFLINE_GRACE", 10)) + float(env.get("PRESENCE_FLUSH_INTERVAL", 1)) + 0.5
    return Target("Campus", server, auths, api_token=auths[0]["token"], settles_after=settles)


def start_bare(workdir: Path, sockets: int) -> Target:
    folder = workdir / f"bare-{time.monotonic_ns()}"
    folder.mkdir(parents=True)
    server = LiveServer(folder, prepare=False, entry=("bench/peers/bare_socketio.py",)).start()
    return Target("bare python-socketio", server, [{"room": f"room{i // ROOM_SIZE}"} for i in range(sockets)])


def open_descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


# --- the load generator -------------------------------------------------------------------


def _raise_descriptor_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


@dataclass
class Step:
    """What the driver reported for one command, over its processes."""

    seconds: float  # the slowest process's
    count: int  # sockets connected (or closed)
    refused: dict[str, int] = field(default_factory=dict)
    driver_share: float = 0.0  # the busiest process's CPU ÷ its wall time

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    @property
    def saturated(self) -> bool:
        return self.driver_share >= SATURATED


class Driver:
    """`processes` Node processes of `bench/js/sockets_load.mjs`, each with its share of `auths`."""

    def __init__(self, url: str, auths: list[dict], workdir: Path, processes: int = 1):
        self.processes: list[subprocess.Popen] = []
        shares = [auths[i::processes] for i in range(processes)]
        for index, share in enumerate(shares):
            path = workdir / f"auth-{time.monotonic_ns()}-{index}.json"
            path.write_text(json.dumps(share))
            self.processes.append(
                subprocess.Popen(
                    ["node", str(LOAD_SCRIPT), url, str(path)],
                    cwd=ROOT,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                    preexec_fn=_raise_descriptor_limit,
                )
            )

    def _command(self, lines: list[str]) -> list[dict]:
        for process, line in zip(self.processes, lines, strict=True):
            process.stdin.write(line + "\n")
            process.stdin.flush()
        answers = []
        for process in self.processes:
            answer = process.stdout.readline()
            if not answer:
                raise RuntimeError(f"the load generator exited ({process.poll()})")
            answers.append(json.loads(answer))
        return answers

    def connect(self, count: int) -> Step:
        """Open the next `count` sockets, shared among the processes."""
        n = len(self.processes)
        answers = self._command([f"connect {count // n + (1 if i < count % n else 0)}" for i in range(n)])
        refused: dict[str, int] = {}
        for answer in answers:
            for code, times in answer["refused"].items():
                refused[code] = refused.get(code, 0) + times
        return Step(
            seconds=max(a["seconds"] for a in answers),
            count=sum(a["connected"] for a in answers),
            refused=refused,
            driver_share=max(a["cpu"] / a["seconds"] if a["seconds"] else 0 for a in answers),
        )

    def close(self) -> Step:
        """Disconnect every open socket at once."""
        answers = self._command(["close"] * len(self.processes))
        return Step(seconds=max(a["seconds"] for a in answers), count=sum(a["closed"] for a in answers))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                try:
                    process.stdin.write("quit\n")
                    process.stdin.flush()
                    process.wait(10)
                except (OSError, subprocess.TimeoutExpired):
                    process.kill()
                    process.wait(10)


# --- the other requests -------------------------------------------------------------------


class Poller(threading.Thread):
    """GET `path` every ~10 ms on one keep-alive connection until stopped; the latencies, ms."""

    def __init__(self, port: int, path: str, token: str | None = None):
        super().__init__(daemon=True)
        self.port, self.path = port, path
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.latencies: list[float] = []
        self.failures = 0
        self._stopping = threading.Event()

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        while not self._stopping.is_set():
            started = time.perf_counter()
            try:
                connection.request("GET", self.path, headers=self.headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    self.failures += 1
                self.latencies.append((time.perf_counter() - started) * 1000)
            except (OSError, http.client.HTTPException):
                self.failures += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self._stopping.wait(POLL_INTERVAL)
        connection.close()

    def stop(self) -> None:
        self._stopping.set()
        self.join(70)

    def figures(self) -> tuple[float, float, float]:
        """p50, p99, max in ms."""
        values = self.latencies or [float("nan")]
        return percentile(values, 50), percentile(values, 99), max(values)


def start_pollers(target: Target) -> list[Poller]:
    pollers = [Poller(target.server.port, "/healthz")]
    if target.api_token:
        pollers.append(Poller(target.server.port, "/api/v1/chats?limit=20", target.api_token))
    for poller in pollers:
        poller.start()
    return pollers


def cpu_share(pid: int, seconds: float = IDLE_WINDOW) -> float:
    """The share of a core the server uses over the next `seconds`."""
    cpu, started = process_cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (process_cpu_seconds(pid) - cpu) / (time.monotonic() - started)


def wait_idle(pid: int, deadline: float, floor: float = 0.0) -> float:
    """Block until the server uses less than `floor` (what the pollers cost it) + IDLE_CPU_SHARE
    of a core over IDLE_WINDOW, or the deadline; when that window began (monotonic)."""
    while time.monotonic() < deadline:
        started = time.monotonic()
        if cpu_share(pid) < floor + IDLE_CPU_SHARE:
            return started
    return deadline


# --- scenarios ------------------------------------------------------------------------------


IDLE_SIZES = [1_000, 5_000, 10_000]


def sizes(options: Options) -> list[int]:
    return [200] if options.quick else IDLE_SIZES


STORM_SIZE = 10_000


def storm_size(options: Options) -> int:
    return 200 if options.quick else STORM_SIZE


def campus_env(options: Options) -> dict[str, str]:
    # Quick mode keeps Campus's offline announcements within a short run.
    return {**CAMPUS_ENV, "PRESENCE_OFFLINE_GRACE": "1"} if options.quick else CAMPUS_ENV


def driver_processes(sockets: int) -> int:
    return 1 if sockets <= 1_000 else 2


def each_target(options: Options, users: int):
    """Campus and the bare server in turn, `options.repeat` times: (repetition, Target) while it runs."""
    workdir = options.workdir / "sockets"
    workdir.mkdir(parents=True, exist_ok=True)
    starts = [lambda: start_campus(workdir, users, campus_env(options)), lambda: start_bare(workdir, users)]
    for repetition in range(options.repeat):
        for start in starts[: 1 if CAMPUS_ONLY else 2]:
            target = start()
            try:
                yield repetition, target
            finally:
                target.stop()


def _saturation_note(table: Table, saturated: list[str]) -> None:
    if saturated:
        table.notes.append("saturated (the driver used ≥ 90 % of a core): " + ", ".join(saturated))


def idle_sockets(options: Options) -> list[Table]:
    steps = sizes(options)
    memory: dict[tuple[str, int], list[float]] = {}
    rates: dict[tuple[str, int], list[float]] = {}
    refusals: dict[tuple[str, int], int] = {}
    saturated: list[str] = []
    for repetition, target in each_target(options, steps[-1]):
        driver = Driver(target.server.url, target.auths, options.workdir / "sockets", driver_processes(steps[-1]))
        try:
            driver.connect(10)  # warm: the first connects load what every later one uses
            driver.close()
            time.sleep(1)
            before, opened = rss_kib(target.pid), 0
            for size in steps:
                step = driver.connect(size - opened)
                opened = size
                time.sleep(1)  # let the last handshakes' garbage go
                key = (target.name, size)
                memory.setdefault(key, []).append((rss_kib(target.pid) - before) / size * 1024 / 1000)
                rates.setdefault(key, []).append(step.per_second)
                refusals[key] = refusals.get(key, 0) + sum(step.refused.values())
                if step.saturated:
                    saturated.append(f"{target.name} {size:,} (repetition {repetition + 1})")
            driver.close()
        finally:
            driver.stop()
    table = Table(
        "Idle sockets: memory per socket and connects/s",
        ["server", "sockets", "KB per socket", "÷ bare", "connects/s", "÷ bare", "refused"],
    )
    for name in sorted({name for name, _size in memory}):
        for size in steps:
            key, bare = (name, size), ("bare python-socketio", size)
            table.add(
                name,
                f"{size:,}",
                spread(memory[key], 1),
                ratios(memory[key], memory.get(bare, [])) if name == "Campus" else "1",
                spread(rates[key], 0),
                ratios(rates[key], rates.get(bare, [])) if name == "Campus" else "1",
                refusals[key],
            )
    table.notes.append("KB = 1,000 bytes; per socket = (server RSS with n open − RSS before) ÷ n; target ≤ 64 KB.")
    _saturation_note(table, saturated)
    return [table]


def connect_storm(options: Options) -> list[Table]:
    n = storm_size(options)
    rows: dict[str, dict[str, list[float]]] = {}
    saturated: list[str] = []
    for repetition, target in each_target(options, n):
        driver = Driver(target.server.url, target.auths, options.workdir / "sockets", driver_processes(n))
        try:
            pollers = start_pollers(target)
            floor = cpu_share(target.pid, 1.0)  # what the pollers alone cost the server
            for poller in pollers:
                poller.latencies.clear()
            cpu = process_cpu_seconds(target.pid)
            step = driver.connect(n)
            cpu = process_cpu_seconds(target.pid) - cpu - floor * step.seconds
            for poller in pollers:
                poller.stop()
        finally:
            driver.stop()
        figures = rows.setdefault(target.name, {})
        figures.setdefault("rate", []).append(step.per_second)
        figures.setdefault("seconds", []).append(step.seconds)
        figures.setdefault("refused", []).append(sum(step.refused.values()))
        figures.setdefault("cpu", []).append(cpu * 1000 / max(1, step.count))
        for poller, label in zip(pollers, ("healthz", "api"), strict=False):
            p50, p99, worst = poller.figures()
            figures.setdefault(f"{label} p50", []).append(p50)
            figures.setdefault(f"{label} p99", []).append(p99)
            figures.setdefault(f"{label} max", []).append(worst)
        if step.saturated:
            saturated.append(f"{target.name} (repetition {repetition + 1})")
    table = Table(
        f"Connect storm: {n:,} sockets at once",
        [
            "server",
            "connects/s",
            "÷ bare",
            "all connected, s",
            "server CPU ms per connect",
            "refused",
            "/healthz p50 / p99 / max ms",
            "GET /api/v1/chats p50 / p99 / max ms",
        ],
    )
    bare = rows.get("bare python-socketio", {}).get("rate", [])
    for name, figures in rows.items():
        table.add(
            name,
            spread(figures["rate"], 0),
            ratios(figures["rate"], bare) if name == "Campus" else "1",
            spread(figures["seconds"], 1),
            spread(figures["cpu"], 2),
            int(sum(figures["refused"])),
            _latencies(figures, "healthz"),
            _latencies(figures, "api") if "api p50" in figures else "–",
        )
    table.notes.append("targets: ≥ 1,500 connects/s; other requests' p99 ≤ 100 ms")
    _saturation_note(table, saturated)
    return [table]


def disconnect_storm(options: Options) -> list[Table]:
    n = storm_size(options)
    rows: dict[str, dict[str, list[float]]] = {}
    for _repetition, target in each_target(options, n):
        driver = Driver(target.server.url, target.auths, options.workdir / "sockets", driver_processes(n))
        try:
            driver.connect(n)
            wait_idle(target.pid, time.monotonic() + options.seconds)
            pollers = start_pollers(target)
            floor = cpu_share(target.pid, 1.0)  # what the pollers alone cost the server
            for poller in pollers:
                poller.latencies.clear()
            remaining = open_descriptors(target.pid) - n  # once every socket's is closed
            started, cpu = time.monotonic(), process_cpu_seconds(target.pid)
            deadline = started + options.seconds
            driver.close()
            while open_descriptors(target.pid) > remaining and time.monotonic() < deadline:
                time.sleep(0.02)
            gone = time.monotonic() - started
            # Campus announces the departures after its grace: they are part of the storm.
            time.sleep(max(0.0, started + target.settles_after - time.monotonic()))
            idle = wait_idle(target.pid, deadline, floor) - started
            cpu = process_cpu_seconds(target.pid) - cpu - floor * idle  # less what the pollers cost
            for poller in pollers:
                poller.stop()
        finally:
            driver.stop()
        figures = rows.setdefault(target.name, {})
        figures.setdefault("gone", []).append(gone)
        figures.setdefault("idle", []).append(idle)
        figures.setdefault("cpu", []).append(cpu * 1000 / n)
        for poller, label in zip(pollers, ("healthz", "api"), strict=False):
            p50, p99, worst = poller.figures()
            figures.setdefault(f"{label} p50", []).append(p50)
            figures.setdefault(f"{label} p99", []).append(p99)
            figures.setdefault(f"{label} max", []).append(worst)
    table = Table(
        f"Disconnect storm: {n:,} sockets close at once",
        [
            "server",
            "all closed, s",
            "server idle again, s",
            "server CPU ms per disconnect",
            "/healthz p50 / p99 / max ms",
            "GET /api/v1/chats p50 / p99 / max ms",
        ],
    )
    for name, figures in rows.items():
        table.add(
            name,
            spread(figures["gone"], 1),
            spread(figures["idle"], 1),
            spread(figures["cpu"], 2),
            _latencies(figures, "healthz"),
            _latencies(figures, "api") if "api p50" in figures else "–",
        )
    table.notes.append(
        "latencies over the whole window, until the server is idle again (Campus's offline announcements"
        " come PRESENCE_OFFLINE_GRACE seconds after the close); target: p99 ≤ 100 ms"
    )
    return [table]


def _latencies(figures: dict[str, list[float]], label: str) -> str:
    return " / ".join(spread(figures[f"{label} {which}"], 1) for which in ("p50", "p99", "max"))


SCENARIOS: list[Scenario] = [
    Scenario("idle_sockets", idle_sockets),
    Scenario("connect_storm", connect_storm),
    Scenario("disconnect_storm", disconnect_storm),
]


if __name__ == "__main__":
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--campus-only", action="store_true", help="skip the bare server (before/after runs)")
    parser.add_argument("--sockets", type=int, default=0, help="the storms' size (default 10,000; quick: 200)")
    args = parser.parse_args()
    CAMPUS_ONLY = args.campus_only
    if args.sockets:
        STORM_SIZE = args.sockets
        IDLE_SIZES = [args.sockets]
    chosen = [s for s in SCENARIOS if not args.only or s.name in args.only.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        run = Options(
            quick=args.quick,
            repeat=args.repeat or (1 if args.quick else 3),
            seconds=args.seconds,
            workdir=Path(tmp),
            postgres_url=None,
            redis_url=None,
        )
        for scenario in chosen:
            started = time.monotonic()
            for table in scenario.run(run):
                print(table.markdown(), "\n", flush=True)
            print(f"({scenario.name}: {time.monotonic() - started:.1f} s)\n", flush=True)
