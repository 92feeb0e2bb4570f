"""`python -m bench.suite`: run the scenarios, print their tables, optionally write them into the docs.

    .venv/bin/python -m bench.suite [--quick] [--repeat 3] [--seconds 60] [--only name,...]
                                    [--postgres URL] [--redis URL] [--write-docs]

A scenario module that is missing or fails to import is reported and skipped; a scenario that
fails is reported, the others still run, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from bench.suite.report import Options, Scenario, Table

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "performance.md"
MODULES = ("chat", "sockets", "http")
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"
BEGIN, END = "<!-- suite:begin -->", "<!-- suite:end -->"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.suite", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every scenario once at tiny sizes (figures mean nothing)")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved repetitions (default: %(default)s)")
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="bound of any one measurement (default: %(default)s)"
    )
    parser.add_argument("--only", default="", help="comma-separated scenario names (default: all)")
    parser.add_argument(
        "--postgres",
        default=None,
        help=f"PostgreSQL server for throwaway databases (default: {DEFAULT_POSTGRES} "
        "if it answers); 'none' skips the PostgreSQL rows",
    )
    parser.add_argument(
        "--redis",
        default=None,
        help=f"Redis for the message queue rows (default: {DEFAULT_REDIS} if it answers); 'none' skips them",
    )
    parser.add_argument("--write-docs", action="store_true", help="write the tables into docs/performance.md (Suite)")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.seconds <= 0:
        parser.error("--repeat must be ≥ 1 and --seconds > 0")
    return args


def postgres_answers(url: str) -> bool:
    import psycopg2

    try:
        psycopg2.connect(url.replace("postgresql+psycopg2://", "postgresql://"), connect_timeout=2).close()
    except psycopg2.Error:
        return False
    return True


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def service_url(given: str | None, default: str, answers) -> str | None:
    """The URL asked for ('none': None), else the default when it answers, else None."""
    if given is not None:
        return None if given.lower() in ("", "none") else given
    return default if answers(default) else None


@dataclass
class Outcome:
    scenario: str
    tables: list[Table] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0


def load_scenarios() -> tuple[list[Scenario], list[str]]:
    """Every module's SCENARIOS, and what could not be imported (reported, not fatal)."""
    scenarios, problems = [], []
    for module in MODULES:
        name = f"bench.suite.{module}"
        try:
            scenarios += importlib.import_module(name).SCENARIOS
        except ModuleNotFoundError as error:
            if error.name != name:
                problems.append(f"{name} failed to import: {error!r}")
            else:
                problems.append(f"{name} does not exist yet")
        except Exception as error:  # one broken module must not stop the others
            problems.append(f"{name} failed to import: {error!r}")
    return scenarios, problems


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def versions() -> str:
    """Python, Node and the servers' libraries, as this run found them."""

    def python_package(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    def npm_package(name: str) -> str:
        try:
            return json.loads((ROOT / "node_modules" / name / "package.json").read_text())["version"]
        except OSError:
            return "not installed"

    try:
        node = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        node = "not installed"
    packages = ", ".join(
        f"{name} {python_package(name)}" for name in ("python-socketio", "Flask-SocketIO", "eventlet", "gevent")
    )
    return (
        f"Python {platform.python_version()}, Node {node}, {packages}, socket.io {npm_package('socket.io')} and "
        f"socket.io-client {npm_package('socket.io-client')} (npm)"
    )


def docs_section(
    command: str, started: str, load_before: str, load_after: str, outcomes: list[Outcome], quick: bool
) -> str:
    lines = [
        f"Run on {started} with `{command}`: {os.cpu_count()} cores ({cpu_model()}), load average "
        f"{load_before} before and {load_after} after; {versions()}.",
    ]
    if quick:
        lines.append("A quick run (tiny sizes): its figures say the suite works, nothing more.")
    for outcome in outcomes:
        lines += ["", f"#### {outcome.scenario}"]
        if outcome.error:
            lines += ["", f"Failed: `{outcome.error.strip().splitlines()[-1]}`"]
        for table in outcome.tables:
            lines += ["", table.markdown()]
    return "\n".join(lines) + "\n"


def write_docs(section: str, path: Path = DOCS) -> None:
    """Replace what is between the suite markers (a "## Suite" section before the first
    measurements' section if the markers are missing)."""
    text = path.read_text()
    if BEGIN not in text or END not in text:
        block = f"## Suite\n\n{BEGIN}\n{END}\n\n"
        at = text.find("\n## ")
        text = text + "\n" + block if at < 0 else text[: at + 1] + block + text[at + 1 :]
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{section}{END}{tail}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = "python -m bench.suite" + "".join(f" {arg}" for arg in (sys.argv[1:] if argv is None else argv))
    scenarios, problems = load_scenarios()
    for problem in problems:
        print(f"note: {problem}", flush=True)
    wanted = [name for name in args.only.split(",") if name]
    unknown = sorted(set(wanted) - {scenario.name for scenario in scenarios})
    if unknown:
        print(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(s.name for s in scenarios)}")
        return 2
    if wanted:
        scenarios = [scenario for scenario in scenarios if scenario.name in wanted]

    postgres_url = service_url(args.postgres, DEFAULT_POSTGRES, postgres_answers)
    redis_url = service_url(args.redis, DEFAULT_REDIS, redis_answers)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_before = load_average()
    print(
        f"bench suite, {started}: {os.cpu_count()} cores, load average {load_before}; {versions()}\n"
        f"PostgreSQL: {postgres_url or 'none (rows skipped)'}; Redis: {redis_url or 'none (rows skipped)'}",
        flush=True,
    )
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="campus-bench-suite-") as tmp:
        options = Options(
            quick=args.quick,
            repeat=args.repeat,
            seconds=args.seconds,
            workdir=Path(tmp),
            postgres_url=postgres_url,
            redis_url=redis_url,
        )
        for scenario in scenarios:
            outcome = Outcome(scenario.name)
            began = time.perf_counter()
            try:
                outcome.tables = scenario.run(options)
                if not outcome.tables:
                    outcome.error = "the scenario returned no table"
            except Exception:  # reported; the other scenarios still run
                outcome.error = traceback.format_exc()
            outcome.seconds = time.perf_counter() - began
            outcomes.append(outcome)
            print(f"\n### {scenario.name}\n", flush=True)
            for table in outcome.tables:
                print(table.markdown() + "\n", flush=True)
            status = f"FAILED\n{outcome.error}" if outcome.error else "done"
            print(f"[scenario {scenario.name}: {status} in {outcome.seconds:.1f} s]", flush=True)
    load_after = load_average()
    print(f"\nload average {load_after}", flush=True)
    if args.write_docs:
        write_docs(docs_section(command, started, load_before, load_after, outcomes, args.quick))
        print(f"wrote the tables into {DOCS.relative_to(ROOT)}", flush=True)
    return 1 if any(outcome.error for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
