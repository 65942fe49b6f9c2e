"""Automatic witnessing: the process that follows the log signs a digest every
LEDGER_DIGEST_EVERY events or LEDGER_DIGEST_INTERVAL seconds (whichever comes first, and
only when the log moved) and writes it to LEDGER_DIGEST_DIR, one file per digest
(`digest-<position>.json`, written whole or not at all). `ledger verify --digests DIR`
checks the log against every digest kept there, so a truncated log, or one rewritten with
every hash recomputed, is caught without anybody having remembered to take a digest.

Keep the directory on other storage than the store (another volume, a write-once bucket
synced from it): whoever can rewrite the store must not be able to rewrite the digests.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
import time
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog

from ledger.domain.errors import BadInput
from ledger.integrity import digest as signed
from ledger.integrity import merkle
from ledger.integrity.proofs import StoredTree, head_of, read_leaves

log = structlog.get_logger("ledger.witness")
NAME = re.compile(r"digest-(\d+)\.json")


def digest_files(directory: Path) -> list[tuple[int, Path]]:
    """The digests kept in `directory`, by position."""
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        m = NAME.fullmatch(path.name)
        if m:
            found.append((int(m.group(1)), path))
    return sorted(found)


def write_digest(directory: Path, digest: dict[str, Any]) -> Path:
    """Write atomically (a temporary file renamed into place): a reader never sees half."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"digest-{digest['position']:012d}.json"
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".digest-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(digest, indent=2) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


class Witness:
    """Signs digests of the log on a thread of its own while the projector runs."""

    def __init__(
        self,
        recorder: Any,
        key: Any,
        directory: Path,
        *,
        every_events: int = 1000,
        every_seconds: float = 3600.0,
        poll: float = 1.0,
    ):
        self.recorder, self.key, self.directory = recorder, key, directory
        self.every_events, self.every_seconds, self.poll = every_events, every_seconds, poll
        kept = digest_files(directory)
        self.last_position = kept[-1][0] if kept else 0
        self.last_time = kept[-1][1].stat().st_mtime if kept else 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.written: list[Path] = []

    def due(self, head: int, now: float) -> bool:
        if head <= self.last_position:
            return False
        return (
            head - self.last_position >= self.every_events
            or now - self.last_time >= self.every_seconds
        )

    def sign_if_due(self) -> Path | None:
        head = self.recorder.max_notification_id() or 0
        now = time.time()
        if not self.due(head, now):
            return None
        tree = StoredTree(self.recorder)  # from the cached chunk roots: cheap per digest
        digest = signed.sign(head_of(self.recorder, tree), self.key)
        path = write_digest(self.directory, digest)
        self.last_position, self.last_time = digest["position"], now
        self.written.append(path)
        log.info("digest.written", position=digest["position"], path=str(path))
        return path

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sign_if_due()
            except Exception:
                log.exception("digest.failed")
            self._stop.wait(self.poll)

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self.run, name="witness", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)


def require_key(settings: Any) -> Path | None:
    """The signing key witnessing needs (None when LEDGER_DIGEST_DIR is not set)."""
    if settings.digest_dir is None:
        return None
    private = settings.key_dir / signed.PRIVATE_NAME
    if not private.exists():
        raise BadInput(
            f"LEDGER_DIGEST_DIR is set, but there is no signing key at {private}: run "
            "`ledger keys create` (publish the .pub file) or set LEDGER_KEY_DIR"
        )
    return private


def witness_for(settings: Any, recorder: Any) -> Witness | None:
    """The witness the settings ask for (LEDGER_DIGEST_DIR), or None. Refuses to start
    without a signing key: a directory that silently stays empty would protect nobody."""
    private = require_key(settings)
    if private is None:
        return None
    return Witness(
        recorder,
        signed.load_private(private),
        settings.digest_dir,
        every_events=settings.digest_every_events,
        every_seconds=settings.digest_every_seconds,
    )


# ---------------------------------------------------------------------- checking them all


@dataclass
class KeptDigests:
    ok: bool
    checked: int
    problem: str | None = None
    bad_file: str | None = None
    latest_position: int = 0
    results: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "latestPosition": self.latest_position,
            "problem": self.problem,
            "badFile": self.bad_file,
        }


def check_kept(recorder: Any, directory: Path, trusted: Any) -> KeptDigests:
    """Check the log against every digest in `directory`: each signed by the trusted key,
    and the log extending each (read and hashed once for all of them). The first failure
    is named with its file."""
    kept = digest_files(directory)
    if not kept:
        return KeptDigests(False, 0, f"no digests in {directory} (digest-<position>.json)")
    leaves = read_leaves(recorder)
    tree = StoredTree(recorder, leaves=leaves, write_cache=False)
    current = head_of(recorder, tree)
    for count, (_position, path) in enumerate(kept):
        try:
            digest = signed.load_digest(path)
        except BadInput as e:
            return KeptDigests(False, count, e.message, str(path))
        problem = signed.signature_problem(digest, trusted)
        if problem is None:
            problem = _extends(recorder, leaves, tree, current, digest)
        if problem is not None:
            return KeptDigests(False, count, problem, str(path), kept[-1][0])
    return KeptDigests(True, len(kept), None, None, kept[-1][0])


def _extends(recorder: Any, leaves: Any, tree: Any, current: Any, digest: dict) -> str | None:
    m, position = int(digest["treeSize"]), int(digest["position"])
    count = bisect_right(leaves.positions, position)
    if count < m:
        return (
            f"the log lost events: the digest covers {m} events up to position {position}, "
            f"only {count} of them remain"
        )
    if count > m:
        return f"events were inserted into history before position {position}"
    if m and leaves.positions[m - 1] != position:
        return f"the event at position {position}, the digest's last, is gone"
    chain = recorder.select_chain(position, position) if position else []
    if position and (not chain or chain[0]["hash"] != digest["headHash"]):
        return f"the chain hash at position {position} differs from the digest's head hash"
    if m and not merkle.verify_consistency(
        m,
        leaves.size,
        bytes.fromhex(digest["merkleRoot"]),
        bytes.fromhex(current.merkle_root),
        merkle.consistency_proof(tree.subtree, m, leaves.size),
    ):
        return (
            f"the log's first {m} events no longer hash to the digest's Merkle root "
            "(history up to it was rewritten)"
        )
    return None
