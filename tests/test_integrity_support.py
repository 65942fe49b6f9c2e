"""Helpers shared by the integrity scenarios (no tests here): raw access to the stored rows
that an attacker with database access would have, the real CLI in a subprocess, stores of
either kind on demand, and read-model snapshots to compare."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from conftest import fresh_store

from ledger import commands as c
from ledger.domain.base import Stamp
from ledger.store import parse_store_url

ROOT = Path(__file__).resolve().parent.parent


class RawStore:
    """SQL straight on the event store, bypassing the application: `{events}`, `{chain}`,
    `{pos}` (the position column) and `?` placeholders work on both kinds."""

    def __init__(self, ledger: Any):
        self.config = parse_store_url(ledger.settings.store)
        self.events = ledger.app.recorder.events_table_name

    def _render(self, sql: str) -> str:
        if self.config.dialect == "sqlite":
            return sql.format(events=self.events, chain="ledger_chain", pos="rowid")
        s = f'"{self.config.schema}"'
        return sql.format(
            events=f'{s}."{self.events}"', chain=f"{s}.ledger_chain", pos="notification_id"
        ).replace("?", "%s")

    def execute(self, *statements: tuple[str, tuple]) -> None:
        """Run statements in one transaction."""
        if self.config.dialect == "sqlite":
            conn = sqlite3.connect(self.config.sqlite_path, timeout=30)
            try:
                with conn:
                    for sql, params in statements:
                        conn.execute(self._render(sql), params)
            finally:
                conn.close()
            return
        with psycopg.connect(self.config.conninfo) as conn, conn.transaction():
            for sql, params in statements:
                conn.execute(self._render(sql), params)

    def state(self, position: int) -> bytes:
        sql = self._render("SELECT state FROM {events} WHERE {pos} = ?")
        if self.config.dialect == "sqlite":
            conn = sqlite3.connect(self.config.sqlite_path)
            try:
                return bytes(conn.execute(sql, (position,)).fetchone()[0])
            finally:
                conn.close()
        with psycopg.connect(self.config.conninfo) as conn:
            return bytes(conn.execute(sql, (position,)).fetchone()[0])

    def set_state(self, position: int, state: bytes) -> None:
        self.execute(("UPDATE {events} SET state = ? WHERE {pos} = ?", (state, position)))


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> Any:
    """The real `ledger` command in a subprocess; returns the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", "ledger.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "LEDGER_LOG_JSON": "1", **(env or {})},
        timeout=timeout,
        cwd=ROOT,
    )


def cli_json(result: Any) -> dict:
    """The JSON document a command printed on stdout."""
    return json.loads(result.stdout)


def register_people(app: Any, count: int, *, prefix: str = "P", actor: str = "recorder") -> int:
    """`count` registrations (one event each); returns the head position."""
    stamp = Stamp(actor)
    for n in range(count):
        app.execute(
            c.RegisterPerson(f"{prefix}-{n:05d}", f"Person {prefix} {n}"), stamp, wait=False
        )
    return app.head()


@contextmanager
def make_store(kind: str, tmp_path: Path, name: str) -> Iterator[str]:
    """A fresh empty store URL of `kind` ("sqlite" | "postgres"), dropped afterwards."""
    with fresh_store(kind, tmp_path / name) as url:
        yield url


def read_models(ledger: Any) -> dict[str, list[tuple]]:
    """Every read-model table's rows (order-free), queried through `ledger.reads.read()`."""
    tables: dict[str, list[tuple]] = {}
    with ledger.reads.read() as tx:
        for projector in ledger.runner.projectors:
            for name, _ddl, _indexes in projector.tables:
                rows = tx.all(f"SELECT * FROM {name}")
                tables[name] = sorted(
                    (tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in rows),
                    key=repr,
                )
    return tables


def chain_rows(ledger: Any) -> list[dict]:
    return ledger.app.recorder.select_chain(1, ledger.app.head())
