"""Benchmark: what one argon2id password hash costs at the configured and the cheap parameters.

    .venv/bin/python bench/password_hash.py [--hashes 30] [--seconds 20]

For each parameter set — production (`PASSWORD_HASH_*` from the environment, argon2-cffi's
defaults otherwise), OWASP's smallest recommended argon2id setting for comparison, and the
testing one — hashes a password `--hashes` times (each set also bounded to `--seconds`) and
prints the median wall-clock and CPU milliseconds per hash (CPU counts every argon2 lane's
thread, so with parallelism 4 it exceeds wall time), and how many hashes per second two threads
manage together (a login or registration hashes once; Campus runs them in OS threads under
eventlet/gevent, `campus.core.concurrency.offload`). Figures go to docs/performance.md
("Passwords").
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from argon2 import PasswordHasher

from config import Config, TestingConfig

PASSWORD = "correct horse battery staple"


def parameter_sets() -> list[tuple[str, dict[str, int]]]:
    def of(config) -> dict[str, int]:
        return {
            "time_cost": config.PASSWORD_HASH_TIME_COST,
            "memory_cost": config.PASSWORD_HASH_MEMORY_COST,
            "parallelism": config.PASSWORD_HASH_PARALLELISM,
        }

    return [
        ("production (Config)", of(Config)),
        ("OWASP minimum (t=2, 19 MiB, p=1)", {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}),
        ("testing (TestingConfig)", of(TestingConfig)),
    ]


def time_hashes(hasher: PasswordHasher, count: int, seconds: float) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of up to `count` hashes, stopping after `seconds`."""
    walls, cpus = [], []
    deadline = time.monotonic() + seconds
    for _ in range(count):
        wall, cpu = time.perf_counter(), time.process_time()
        hasher.hash(PASSWORD)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        if time.monotonic() > deadline:
            break
    return walls, cpus


def two_thread_rate(hasher: PasswordHasher, count: int, seconds: float) -> float:
    """Hashes per second with two threads hashing at once (argon2 releases the GIL)."""
    deadline = time.monotonic() + seconds

    def work() -> int:
        done = 0
        for _ in range(count):
            hasher.hash(PASSWORD)
            done += 1
            if time.monotonic() > deadline:
                break
        return done

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = sum(pool.map(lambda _: work(), range(2)))
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hashes", type=int, default=30, help="hashes per parameter set (default 30)")
    parser.add_argument("--seconds", type=float, default=20, help="time bound per measurement (default 20)")
    args = parser.parse_args()

    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
        f"{', '.join(f'{value:.1f}' for value in os.getloadavg())}"
    )
    print(
        f"{'parameters':<36} {'t':>2} {'MiB':>4} {'p':>2} {'n':>4} {'wall p50 ms':>12} "
        f"{'CPU p50 ms':>11} {'2 threads/s':>12}"
    )
    for name, params in parameter_sets():
        hasher = PasswordHasher(**params)
        hasher.hash(PASSWORD)  # warm-up (first allocation)
        walls, cpus = time_hashes(hasher, args.hashes, args.seconds)
        rate = two_thread_rate(hasher, args.hashes, args.seconds)
        print(
            f"{name:<36} {params['time_cost']:>2} {params['memory_cost'] / 1024:>4.0f} "
            f"{params['parallelism']:>2} {len(walls):>4} {statistics.median(walls):>12.2f} "
            f"{statistics.median(cpus):>11.2f} {rate:>12.1f}"
        )


if __name__ == "__main__":
    main()
