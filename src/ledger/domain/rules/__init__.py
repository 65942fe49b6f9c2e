"""Rules of the domain as pure functions over plain rows: no store, no I/O.

The read side (`projections/`) fetches the rows a question needs with indexed lookups in
both times and hands them to these functions; the write side asks them too. Each rule has
table-driven unit tests in `tests/rules/`, at the boundaries of both time axes.

- `periods`        valid time: closed date periods, overlap, what a set of spans leaves uncovered
- `accountability` 一案双查: who belongs to a case's chain, and the gaps (责任空档)
- `evaluation`     考核: deductions, the one-vote veto, grades and ranks
"""
