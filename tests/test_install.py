"""The lock files `scripts/setup.sh` installs with `--require-hashes`: every requirement locked at
its pinned version, every locked package hashed, the production lock free of test tools, and the
shared virtualenv at the locked versions (a package added without `scripts/lock.sh` fails here)."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def pins(path: Path) -> dict[str, str]:
    """`name: version` of the `name==version` requirements in a requirements file."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            requirement = Requirement(line)
            (spec,) = requirement.specifier
            found[canonicalize_name(requirement.name)] = spec.version
    return found


def locked(path: Path) -> dict[str, tuple[str, int]]:
    """`name: (version, number of hashes)` of a pip-compile lock file."""
    entries = re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)((?: \\\n\s+--hash=sha256:[0-9a-f]{64})*)", path.read_text(), re.M)
    return {canonicalize_name(name): (version, hashes.count("--hash=")) for name, version, hashes in entries}


@pytest.mark.parametrize(
    ("requirements", "lock"),
    [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")],
)
def test_every_requirement_is_locked_at_its_pin_with_hashes(requirements, lock):
    lock_entries = locked(ROOT / lock)
    wanted = pins(ROOT / "requirements.txt") | pins(ROOT / requirements)
    assert {name: lock_entries.get(name, ("missing", 0))[0] for name in wanted} == wanted
    assert all(count >= 1 for _version, count in lock_entries.values())
    # Every requirement line of the lock was parsed (none without a hash slipped past the pattern).
    requirement_lines = [line for line in (ROOT / lock).read_text().splitlines() if re.match(r"^[A-Za-z0-9]", line)]
    assert len(requirement_lines) == len(lock_entries)


def test_the_production_lock_has_no_test_tools():
    production, development = locked(ROOT / "requirements.lock"), locked(ROOT / "requirements-dev.lock")
    assert not {"pytest", "playwright", "faker", "ruff", "moto", "import-linter"} & set(production)
    assert {name: development[name] for name in production} == production  # one version of each


def test_the_virtualenv_has_the_locked_versions():
    for name, (version, _hashes) in locked(ROOT / "requirements-dev.lock").items():
        assert metadata.version(name) == version, name
