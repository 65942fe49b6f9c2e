"""Export the log as JSON Lines and import it into an empty store, hashes and positions intact.

One line per event: position, originatorId, version, topic, the stored state bytes in
base64 (lossless: the hashes cover these exact bytes), the same state decoded as JSON for
human readers (ignored on import), and payloadHash, leafHash, hash from the chain.

Import checks the whole file before writing (every hash recomputed from the bytes, the
chain from genesis), then writes it verbatim in one transaction, checking again as it
goes: a broken file or a non-empty store is refused and nothing is written. Positions are
kept exactly (the leaf hash covers them), gaps included.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from ledger.domain.errors import BadInput
from ledger.integrity.chain import GENESIS, chain_hash, leaf_hash, payload_hash
from ledger.integrity.recorder import ImportRow, StoreNotEmpty

PAGE = 1000


def export_lines(recorder: Any, on_progress: Callable[[int], None] | None = None) -> Iterator[str]:
    """The log up to its head when the export starts, one JSON line per event."""
    head = recorder.max_notification_id() or 0
    after = 0
    while after < head:
        stop = min(after + PAGE, head)
        events = recorder.select_notifications(start=after + 1, limit=PAGE, stop=stop)
        chain = {r["position"]: r for r in recorder.select_chain(after + 1, stop)}
        for e in events:
            row = chain.get(e.id, {})
            yield json.dumps(
                {
                    "position": e.id,
                    "originatorId": str(UUID(str(e.originator_id))),
                    "version": e.originator_version,
                    "topic": e.topic,
                    "state": base64.b64encode(e.state).decode(),
                    "payload": _decoded(e.state),
                    "payloadHash": row.get("payload_hash"),
                    "leafHash": row.get("leaf_hash"),
                    "hash": row.get("hash"),
                    "committedAt": row.get("committed_at"),
                },
                ensure_ascii=False,
                separators=(",", ":"),
            )
        after = stop
        if on_progress:
            on_progress(after)


def _decoded(state: bytes) -> Any:
    try:
        return json.loads(state)
    except ValueError:
        return None


def export_to(recorder: Any, out: IO[str], on_progress=None) -> int:
    count = 0
    for line in export_lines(recorder, on_progress):
        out.write(line + "\n")
        count += 1
    return count


# ---------------------------------------------------------------------- import


def checked_rows(path: Path) -> Iterator[ImportRow]:
    """Parse and check every line; raise BadInput naming the line and position that fail."""
    previous, last = GENESIS, 0
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            row = _parse(line, number)
            where = f"line {number} (position {row.position})"
            if row.position <= last:
                raise BadInput(f"{where}: positions must increase (previous was {last})")
            p = payload_hash(row.state)
            if p.hex() != row.payload_hash:
                raise BadInput(f"{where}: the state does not match its payloadHash")
            leaf = leaf_hash(row.position, row.originator_id, row.version, row.topic, p)
            if leaf.hex() != row.leaf_hash:
                raise BadInput(f"{where}: the event does not match its leafHash")
            previous = chain_hash(previous, leaf)
            if previous.hex() != row.hash:
                raise BadInput(
                    f"{where}: the chain breaks here (an event before it was removed, "
                    "reordered or changed)"
                )
            last = row.position
            yield row


def _parse(line: str, number: int) -> ImportRow:
    try:
        d = json.loads(line)
        return ImportRow(
            position=int(d["position"]),
            originator_id=UUID(d["originatorId"]),
            version=int(d["version"]),
            topic=str(d["topic"]),
            state=base64.b64decode(d["state"], validate=True),
            payload_hash=str(d["payloadHash"]),
            leaf_hash=str(d["leafHash"]),
            hash=str(d["hash"]),
            committed_at=d.get("committedAt"),
        )
    except (ValueError, KeyError, TypeError, binascii.Error) as e:
        raise BadInput(f"line {number} is not an exported event: {e!r}") from None


def check_file(path: Path, on_progress: Callable[[int], None] | None = None) -> tuple[int, str]:
    """(events, last chain hash) of a file whose chain holds; BadInput otherwise."""
    count, head = 0, GENESIS.hex()
    for row in checked_rows(path):
        count, head = count + 1, row.hash
        if on_progress and count % PAGE == 0:
            on_progress(count)
    if not count:
        raise BadInput(f"{path} holds no events")
    return count, head


def ensure_empty(recorder: Any) -> None:
    """Fail fast (the import checks again under its lock)."""
    head = recorder.max_notification_id() or 0
    if head or recorder.chain_head():
        raise StoreNotEmpty(
            f"the store is not empty (it holds events up to position {head}): "
            "import only into an empty store"
        )


def import_file(recorder: Any, path: Path, on_progress: Callable[[int], None] | None = None) -> int:
    """Write a checked file into an empty store, in one transaction; returns events written."""
    ensure_empty(recorder)

    def batches() -> Iterator[list[ImportRow]]:
        batch: list[ImportRow] = []
        for row in checked_rows(path):  # checked again: the file may have changed meanwhile
            batch.append(row)
            if len(batch) == PAGE:
                yield batch
                batch = []
        if batch:
            yield batch

    return recorder.import_log(batches(), on_batch=on_progress)
