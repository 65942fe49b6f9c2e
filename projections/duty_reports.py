"""述责述廉 reports, by record time, and who owes one for a year.

Reports are recorded once (`recorded_from`). Who owes a report is read from the
organisation at the same position: organs' leadership teams on the day asked (posts in two
times), and organ party committees under a working committee; the rule
(`ledger.domain.rules.duty_reports`) compares them with the reports made.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.domain.duty_report import DutyReport
from ledger.domain.rules.duty_reports import Owed, missing_reports
from ledger.domain.values import TEAM_ROLES
from projections.base import Envelope, Projector, on
from projections.bitemporal import NOW, both_times, in_both_times
from projections.db import Tx, as_row

COLUMNS = (
    "report_id, kind, year, unit_id, person_id, recipient_id, reported_on, summary, document_hash"
)


class DutyReportProjector(Projector):
    name = "duty_reports"
    tables = (
        (
            "rm_duty_reports",
            "CREATE TABLE IF NOT EXISTS rm_duty_reports (report_id TEXT PRIMARY KEY, "
            "kind TEXT NOT NULL, year INTEGER NOT NULL, unit_id TEXT NOT NULL, person_id TEXT, "
            "recipient_id TEXT, reported_on TEXT NOT NULL, summary TEXT, document_hash TEXT, "
            "recorded_from BIGINT NOT NULL)",
            ("CREATE INDEX IF NOT EXISTS rm_duty_reports_year ON rm_duty_reports (year, unit_id)",),
        ),
    )

    @on(DutyReport.Filed)
    def _filed(self, tx: Tx, envelope: Envelope) -> None:
        e = envelope.event
        tx.execute(
            f"INSERT INTO rm_duty_reports ({COLUMNS}, recorded_from) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                e.report_id,
                e.kind,
                e.year,
                e.unit_id,
                e.person_id,
                e.recipient_id,
                e.reported_on,
                e.summary,
                e.document_hash,
                envelope.position,
            ),
        )


# ---------------------------------------------------------------------- queries


@dataclass(frozen=True)
class DutyReportRow:
    report_id: str
    kind: str
    year: int
    unit_id: str
    person_id: str | None
    recipient_id: str | None
    reported_on: str
    summary: str | None
    document_hash: str | None


def _p(position: int | None) -> int:
    return NOW if position is None else position


def _subtree(column: str, root_id: str | None) -> tuple[str, tuple]:
    if root_id is None:
        return "", ()
    return f" AND {column} IN (SELECT unit_id FROM rm_unit_tree WHERE ancestor_id = ?)", (root_id,)


def reports_by_id(tx: Tx, ids: list[str], position: int | None) -> dict[str, DutyReportRow]:
    if not ids:
        return {}
    rows = tx.all(
        f"SELECT {COLUMNS} FROM rm_duty_reports WHERE report_id IN ({', '.join('?' * len(ids))}) "
        "AND recorded_from <= ?",
        (*ids, _p(position)),
    )
    return {r["report_id"]: as_row(DutyReportRow, r) for r in rows}


def reports_in(
    tx: Tx,
    root_id: str | None,
    year: int | None,
    position: int | None,
    scope: tuple[str, tuple] = ("", ()),
) -> list[DutyReportRow]:
    where, params = "recorded_from <= ?", [_p(position)]
    if year is not None:
        where += " AND year = ?"
        params.append(year)
    subtree = _subtree("unit_id", root_id)
    rows = tx.all(
        f"SELECT {COLUMNS} FROM rm_duty_reports WHERE {where}{subtree[0]}{scope[0]} "
        "ORDER BY year, reported_on, report_id LIMIT 1000",
        (*params, *subtree[1], *scope[1]),
    )
    return [as_row(DutyReportRow, r) for r in rows]


def owed_reports(
    tx: Tx,
    root_id: str | None,
    year: int,
    as_of: str,
    position: int | None,
    scope: tuple[str, tuple] = ("", ()),
) -> list[Owed]:
    """Who owes a report for `year` and has not made it (the rule decides), as recorded at
    `position`: leaders on units' teams on `as_of`, organ party committees under a working
    committee. `scope` is a condition on `u.unit_id`."""
    p = _p(position)
    subtree = _subtree("u.unit_id", root_id)
    roles = ", ".join("?" for _ in TEAM_ROLES)
    leaders = [
        (r["unit_id"], r["person_id"])
        for r in tx.all(
            "SELECT po.unit_id, po.person_id FROM rm_posts po "
            "JOIN rm_units u ON u.unit_id = po.unit_id "
            f"WHERE po.role IN ({roles}) AND {in_both_times('po')} AND u.recorded_from <= ?"
            f"{subtree[0]}{scope[0]}",
            (*TEAM_ROLES, *both_times(as_of, position), p, *subtree[1], *scope[1]),
        )
    ]
    committees = [
        r["unit_id"]
        for r in tx.all(
            "SELECT u.unit_id FROM rm_units u JOIN rm_units o ON o.unit_id = u.organ_id "
            "JOIN rm_units w ON w.unit_id = o.parent_id AND w.kind = 'WORKING_COMMITTEE' "
            f"WHERE u.kind = 'ORGAN_PARTY_COMMITTEE' AND u.recorded_from <= ?"
            f"{subtree[0]}{scope[0]}",
            (p, *subtree[1], *scope[1]),
        )
    ]
    filed = [(r.kind, r.unit_id, r.person_id) for r in reports_in(tx, root_id, year, position)]
    return missing_reports(leaders, committees, filed)
