"""Shared by the benchmarks: timing helpers, tables (rich on the terminal, markdown on disk).

Not a test helper: nothing here asserts. Each benchmark builds `Section`s and calls `emit`,
which prints them with rich, writes the same tables as markdown to bench/results/NAME.md
and prints that markdown too, so a run can be quoted as is.
"""

from __future__ import annotations

import math
import os
import platform
import sqlite3
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from rich.console import Console
from rich.table import Table

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass
class Section:
    title: str
    columns: Sequence[str]
    rows: list[Sequence[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Columns right-aligned on the terminal and in markdown (numbers).
    numeric: frozenset[int] = frozenset()


def now_ns() -> int:
    return time.perf_counter_ns()


def percentile(sorted_ns: Sequence[int], q: float) -> float:
    """Nearest-rank percentile of an already sorted sample, in nanoseconds."""
    if not sorted_ns:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_ns)))
    return float(sorted_ns[rank - 1])


def ms(ns: float) -> str:
    return f"{ns / 1e6:.3f}"


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}×" if base else "—"


def count(n: float) -> str:
    return f"{n:,.0f}"


def short_size(n: int) -> str:
    """10000 -> 1e4, 250000 -> 2.5e5: the sizes as the --sizes option spells them."""
    exp = int(math.floor(math.log10(n))) if n > 0 else 0
    mant = n / 10**exp
    return f"{mant:g}e{exp}"


def parse_sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        part = part.strip()
        if part:
            sizes.append(int(float(part)))
    if not sizes or any(s < 1000 for s in sizes):
        raise SystemExit("--sizes: comma-separated event counts of at least 1000, e.g. 1e4,1e5")
    return sizes


def environment() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · Python {platform.python_version()} · "
        f"SQLite {sqlite3.sqlite_version} · eventsourcing {version('eventsourcing')} · "
        f"strawberry {version('strawberry-graphql')} · {cpu} × {os.cpu_count()} · "
        f"{platform.system()} {platform.release()}"
    )


def _markdown(section: Section) -> str:
    lines = [f"### {section.title}", ""]
    lines.append("| " + " | ".join(section.columns) + " |")
    lines.append(
        "| "
        + " | ".join("---:" if i in section.numeric else "---" for i in range(len(section.columns)))
        + " |"
    )
    for row in section.rows:
        lines.append("| " + " | ".join(str(c) for c in row) + " |")
    if section.notes:
        lines.append("")
        lines.extend(f"- {n}" for n in section.notes)
    lines.append("")
    return "\n".join(lines)


def emit(name: str, heading: str, sections: Sequence[Section], command: str) -> Path:
    """Print the sections (rich, then markdown) and write the markdown to bench/results/NAME.md."""
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=200)
    for section in sections:
        table = Table(title=section.title, title_justify="left")
        for i, column in enumerate(section.columns):
            table.add_column(column, justify="right" if i in section.numeric else "left")
        for row in section.rows:
            table.add_row(*(str(c) for c in row))
        console.print(table)
        for note in section.notes:
            console.print(f"  · {note}", soft_wrap=True)
        console.print()
    text = "\n".join(
        [
            f"## {heading}",
            "",
            f"`{command}` — {environment()}",
            "",
            *(_markdown(s) for s in sections),
        ]
    )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.md"
    path.write_text(text, encoding="utf-8")
    print(f"--- markdown (also written to {path.relative_to(BENCH_DIR.parent)}) ---")
    print(text)
    sys.stdout.flush()
    return path


def quiet_logging() -> None:
    """Render log lines as the server does (JSON), but into /dev/null.

    The commands log one line each; formatting it is part of their cost, printing 10⁴ lines
    to the terminal is not.
    """
    import structlog

    from ledger.logs import configure_logging
    from ledger.settings import Settings

    settings = Settings()
    settings.log_json = True
    configure_logging(settings)
    devnull = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (lives for the process)
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=devnull))
