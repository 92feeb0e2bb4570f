"""What the suite's scenarios share: the run's options, their result tables, statistics."""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Options:
    """One run of the suite, as the command line asked for it."""

    quick: bool  # every scenario once at tiny sizes (the test command's run): figures printed, never asserted
    repeat: int  # interleaved repetitions (Campus and each peer in turn, then again)
    seconds: float  # the bound of any one measurement
    workdir: Path  # a temporary directory for databases, logs and the load generators' output
    postgres_url: str | None  # a server to create throwaway databases on; None skips PostgreSQL rows
    redis_url: str | None  # None skips the rows that need a message queue


@dataclass
class Table:
    """A scenario's result: a markdown table and the notes under it (saturation, skips, targets)."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append([str(cell) for cell in cells])

    def markdown(self) -> str:
        lines = [f"**{self.title}**", "", "| " + " | ".join(self.columns) + " |"]
        lines.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(self.columns))) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        if self.notes:
            lines += [""] + [f"- {note}" for note in self.notes]
        return "\n".join(lines)


@dataclass(frozen=True)
class Scenario:
    """One named measurement: `run(options)` returns its tables."""

    name: str
    run: Callable[[Options], list[Table]]


def spread(values: Sequence[float], digits: int = 2) -> str:
    """ "median (min–max)" of the repetitions' values; the value alone for one repetition."""
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:,.{digits}f}"
    return f"{statistics.median(values):,.{digits}f} ({min(values):,.{digits}f}–{max(values):,.{digits}f})"


def ratios(ours: Sequence[float], theirs: Sequence[float], digits: int = 2) -> str:
    """Campus ÷ a peer, per repetition (the runs were interleaved: repetition i against i)."""
    pairs = [a / b for a, b in zip(ours, theirs, strict=False) if b]
    return " / ".join(f"{r:.{digits}f}×" for r in pairs) or "–"


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100) by nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its reaped children, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(value) for value in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    """Resident memory of a process, KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")
