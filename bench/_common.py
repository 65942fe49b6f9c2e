"""Shared by the benchmarks: timing helpers, tables (rich on the terminal, markdown on disk).

Not a test helper: nothing here asserts. Each benchmark builds `Section`s and calls `emit`,
which prints them with rich, writes the same tables as markdown to bench/results/NAME.md
and prints that markdown too, so a run can be quoted as is.
"""

from __future__ import annotations

import logging
import math
import os
import platform
import sqlite3
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from rich.console import Console
from rich.table import Table

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
LOAD_AT_START = os.getloadavg()[0]  # other work on the machine shows in every figure


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
        f"{platform.system()} {platform.release()} · code {code_version()} · "
        f"load average {LOAD_AT_START:.1f} at start, {os.getloadavg()[0]:.1f} at end"
    )


def code_version() -> str:
    """Which ledger code ran: its git commit (read-only git calls), or where it came from."""
    import subprocess

    import ledger

    where = Path(ledger.__file__).resolve().parent.parent.parent
    given = os.environ.get("BENCH_CODE_VERSION")
    if given:
        return given
    try:
        head = subprocess.run(
            ["git", "--no-optional-locks", "-C", str(where), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "--no-optional-locks", "-C", str(where), "diff", "--quiet", "HEAD", "--"]
            + ["src", "projections"],
            capture_output=True,
        ).returncode
    except (OSError, subprocess.CalledProcessError):
        return f"from {where}"
    return f"{head}{' + uncommitted changes' if dirty else ''}"


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
    # The test client's own request log is not the server's work: silence it.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")


@contextmanager
def fresh_store(kind: str, name: str, postgres_url: str = POSTGRES_URL) -> Iterator[str]:
    """A ledger store URL on an empty SQLite file or PostgreSQL schema, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="ledger-bench-") as tmp:
            yield f"sqlite:///{Path(tmp) / name}.sqlite3"
        return
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:8]}_{name}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        sep = "&" if "?" in postgres_url else "?"
        yield f"{postgres_url}{sep}schema={schema}"
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
