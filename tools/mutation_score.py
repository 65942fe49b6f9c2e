"""Summarise `mutmut results --all true` (read on stdin): killed / survived / untested, and
the score (killed / mutants that tests reach). Used by `make mutation`."""

import sys
from collections import Counter

by_module: dict[str, Counter] = {}
for line in sys.stdin:
    name, _, status = line.strip().rpartition(": ")
    if not name:
        continue
    module = name.split(".x")[0].removeprefix("ledger.domain.rules.")
    by_module.setdefault(module, Counter())[status] += 1

print(f"{'module':<16} {'killed':>7} {'survived':>9} {'no tests':>9} {'score':>7}")
total = Counter()
for module, c in sorted(by_module.items()):
    total += c
    reached = c["killed"] + c["survived"]
    score = f"{c['killed'] / reached:.0%}" if reached else "-"
    print(f"{module:<16} {c['killed']:>7} {c['survived']:>9} {c['no tests']:>9} {score:>7}")
reached = total["killed"] + total["survived"]
print(
    f"{'all':<16} {total['killed']:>7} {total['survived']:>9} {total['no tests']:>9} "
    f"{total['killed'] / reached:.0%}"
    if reached
    else "no mutants reached"
)
