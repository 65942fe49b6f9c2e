"""Is this ledger ready to answer, and if not, why: what `/readyz` and `ledger projections
status` report.

Not ready when
- a projection lags the log head by more than LEDGER_READY_MAX_LAG events;
- the log holds events and a read model has applied none (an empty or lost read-model
  database answers every question with nothing);
- events wait and no projector has recorded a heartbeat for LEDGER_PROJECTOR_STALE_AFTER
  seconds (a stopped, stuck or failing projector: its last error is named);
- a write of this process failed for lack of space and none has succeeded since.
"""

from __future__ import annotations

import time
from typing import Any

from ledger import faults


def readiness(ledger: Any) -> dict[str, Any]:
    settings = ledger.settings
    head = ledger.app.head()
    positions = ledger.runner.positions()
    beats = ledger.runner.heartbeats()
    now = time.time()
    lowest = min(positions.values(), default=0)
    worst = max((head - p for p in positions.values()), default=0)
    stale_after = settings.projector_stale_after
    reasons: list[str] = []
    if worst > settings.ready_max_lag:
        behind = sorted(name for name, p in positions.items() if head - p == worst)
        reasons.append(
            f"projection {', '.join(behind)} is {worst} events behind the log "
            f"(LEDGER_READY_MAX_LAG={settings.ready_max_lag})"
        )
    if head > 0 and lowest == 0:
        empty = sorted(name for name, p in positions.items() if p == 0)
        reasons.append(
            f"the read models {', '.join(empty)} have applied no event while the log holds "
            f"{head}: start a projector (`ledger projections run`) or rebuild them"
        )
    alive = [b for b in beats if b.beat_at and now - b.beat_at <= stale_after]
    if lowest < head and not alive:
        last = max(beats, key=lambda b: b.beat_at, default=None)
        if last is None or not last.beat_at:
            since = "no projector has ever run on this store"
        else:
            since = (
                f"no projector has run for {now - last.beat_at:.0f} s (last: {last.runner} at "
                f"position {last.position})"
            )
        failing = [b for b in beats if b.error]
        error = f"; last projector error: {failing[0].error}" if failing else ""
        reasons.append(
            f"{head - lowest} events wait and {since} "
            f"(LEDGER_PROJECTOR_STALE_AFTER={stale_after:g} s){error}"
        )
    storage = faults.storage_problem()
    if storage:
        reasons.append(storage)
    return {
        "ready": not reasons,
        "reasons": reasons,
        "head": head,
        "projections": positions,
        "maxLag": worst,
        "maxLagAllowed": settings.ready_max_lag,
        "projectors": [
            {
                "runner": b.runner,
                "host": b.host,
                "pid": b.pid,
                "position": b.position,
                "secondsSinceBeat": round(now - b.beat_at, 1) if b.beat_at else None,
                "alive": b in alive,
                "error": b.error,
            }
            for b in beats
        ],
    }
