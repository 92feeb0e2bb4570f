"""The bench suite's quick mode, so it never rots: every scenario once at tiny sizes.

`python -m bench.suite --quick` as an operator runs it: its exit status, and a table printed by
every scenario of every module that exists. The figures are printed, never asserted (a shared
2-core machine makes them noise at these sizes).
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[2]
MODULES = ("bench.suite.chat", "bench.suite.sockets", "bench.suite.http")


def scenario_names() -> list[str]:
    """Every scenario of the modules there are (a module not written yet has none)."""
    names = []
    for module in MODULES:
        try:
            names += [scenario.name for scenario in importlib.import_module(module).SCENARIOS]
        except ModuleNotFoundError as error:
            if error.name != module:
                raise
    return names


def test_every_scenario_runs_once_at_tiny_sizes_and_prints_its_table():
    assert (ROOT / "node_modules" / "socket.io").is_dir(), "the Node peer is missing: run scripts/setup.sh"
    names = scenario_names()
    assert "one_to_one" in names

    run = subprocess.run(
        [sys.executable, "-m", "bench.suite", "--quick", "--repeat", "1", "--seconds", "20"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,  # a bound on a hung run, not a measurement: ~3 minutes on a quiet machine
    )

    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-6000:]
    for name in names:
        assert f"[scenario {name}: done" in run.stdout, f"{name} printed no table:\n{output[-6000:]}"
        section = run.stdout.split(f"\n### {name}\n", 1)[1]
        assert section.lstrip().startswith("**"), f"{name}: no table under its heading"
