"""The one permission table: who may run each command, and who may read what.

Writes: for each command, the roles that may run it and the fields that carry its unit
scope. A token limited to units (`units` claim) may only run a command whose scoped units
all lie in the subtrees of its units. A scope field is either a field naming units
(`unit_id`, `scope_unit_ids`) or `field.attribute`: the units of the entity that field
names, as the write side knows it (`case_id.unit_id`: the case's unit). A command with no
scope fields names no unit (registerPerson) and is open to scoped tokens of its roles.
`sees` names entities a command acts in that need only be visible to the token (a cycle
evaluating one of its units). Whatever lies outside the token's units is refused word for
word like an id that does not exist (`outside_scope`, naming the id the command gave).

Reads: each restricted read, by its GraphQL coordinate, with the roles that may see it and
what others get (FORBIDDEN, or null where the field may be null: the subject of a case),
whether it carries personal case data (every answer carrying it is written to the access
log), and whether it covers the whole log (then only for tokens not limited to units).
What is not listed here is open to every authenticated role. Unit scope binds every read
(`ledger.api.context.Context.in_scope`): lists are filtered, a single object outside the
token's units is refused as if it did not exist.

The README's role tables are generated from this module (`markdown_tables`); a test fails
when they differ.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from strawberry.utils.str_converters import to_camel_case

from ledger import commands as c
from ledger.domain.errors import Forbidden

ROLES = ("ADMIN", "RECORDER", "APPRAISER", "BRANCH", "INSPECTOR", "VIEWER")

RECORDING = frozenset({"ADMIN", "RECORDER"})
APPRAISING = frozenset({"ADMIN", "APPRAISER"})
BRANCH_WORK = frozenset({"ADMIN", "BRANCH", "RECORDER"})
RAW_EVENT_READERS = frozenset({"ADMIN", "INSPECTOR", "RECORDER", "APPRAISER"})
# Who the subject of a case is, its summary and decision, its chain and decisions: within
# their scope for RECORDER and APPRAISER; never for VIEWER (dashboards) or BRANCH.
PERSONAL_READERS = frozenset({"ADMIN", "INSPECTOR", "RECORDER", "APPRAISER"})
ACCESS_LOG_READERS = frozenset({"ADMIN", "INSPECTOR"})

# Roles that only ever act for named units: a token of theirs without `units` writes nothing
# (a BRANCH acts on the letters addressed to its own units, so it must say which they are).
UNIT_BOUND_ROLES = frozenset({"BRANCH"})


@dataclass(frozen=True)
class Write:
    roles: frozenset[str]
    scope: tuple[str, ...] = ()  # fields carrying the command's units (see the docstring)
    # `field.attribute`: an entity the command acts in that a scoped token must be able to
    # see (one of its units in the token's scope: a cycle evaluating one of them), or the
    # command is refused as if the entity did not exist
    sees: tuple[str, ...] = ()


CYCLE = ("cycle_id.unit_ids",)  # the cycle must evaluate one of a scoped token's units

WRITES: dict[type[c.Command], Write] = {
    # organisation
    c.RegisterUnit: Write(RECORDING, ("parent_id",)),
    c.RegisterPerson: Write(RECORDING),
    c.AssumePost: Write(RECORDING, ("unit_id",)),
    c.LeavePost: Write(RECORDING, ("unit_id",)),
    c.CorrectPost: Write(RECORDING, ("unit_id",)),
    # responsibility lists
    c.AssignResponsibility: Write(RECORDING, ("scope_unit_ids",)),
    c.TransferResponsibility: Write(RECORDING, ("item_id.scope_unit_ids",)),
    c.EndResponsibility: Write(RECORDING, ("item_id.scope_unit_ids",)),
    c.CorrectResponsibility: Write(RECORDING, ("item_id.scope_unit_ids",)),
    # task letters
    c.IssueTaskLetter: Write(RECORDING, ("issuer_id", "recipient_id")),
    c.WithdrawTaskLetter: Write(RECORDING, ("letter_id.issuer_id",)),
    c.AcknowledgeTaskLetter: Write(BRANCH_WORK, ("letter_id.recipient_id",)),
    c.ReportTaskProgress: Write(BRANCH_WORK, ("letter_id.recipient_id",)),
    c.CorrectTaskProgress: Write(BRANCH_WORK, ("letter_id.recipient_id",)),
    c.CompleteTask: Write(BRANCH_WORK, ("letter_id.recipient_id",)),
    # evaluation
    c.OpenEvaluationCycle: Write(APPRAISING, ("unit_ids",)),
    c.RecordScore: Write(APPRAISING, ("unit_id",), CYCLE),
    c.DeductScore: Write(APPRAISING, ("unit_id", "case_id.unit_id"), CYCLE),
    c.AddBonus: Write(APPRAISING, ("unit_id", "case_id.unit_id"), CYCLE),
    c.ApplyVeto: Write(APPRAISING, ("unit_id", "case_id.unit_id"), CYCLE),
    c.FinalizeEvaluationCycle: Write(APPRAISING, ("cycle_id.unit_ids",)),
    c.ReviewEvaluationResult: Write(APPRAISING, ("unit_id",), CYCLE),
    # cases, 一案双查
    c.RegisterCase: Write(RECORDING, ("unit_id",)),
    c.ConcludeCase: Write(RECORDING, ("case_id.unit_id",)),
    c.CorrectCase: Write(RECORDING, ("case_id.unit_id", "unit_id")),
    c.DetermineAccountability: Write(RECORDING, ("case_id.unit_id",)),
    c.DetermineOrganisationAccountability: Write(RECORDING, ("case_id.unit_id", "unit_id")),
    c.RevokeAccountability: Write(RECORDING, ("decision_id.unit_id",)),
    # talks, written inquiries (函询), 六必谈
    c.RecordTalk: Write(RECORDING, ("unit_id", "case_id.unit_id", "inquiry_id.unit_id")),
    c.CorrectTalk: Write(RECORDING, ("talk_id.unit_id", "case_id.unit_id", "inquiry_id.unit_id")),
    c.RetractTalk: Write(RECORDING, ("talk_id.unit_id",)),
    c.RecordPersonalRating: Write(RECORDING, ("unit_id",)),
    c.CorrectPersonalRating: Write(RECORDING, ("rating_id.unit_id",)),
    c.RecordTalkTrigger: Write(RECORDING, ("unit_id",)),
    c.RetractTalkTrigger: Write(RECORDING, ("trigger_id.unit_id",)),
    c.SendWrittenInquiry: Write(RECORDING, ("unit_id",)),
    c.RecordInquiryReply: Write(RECORDING, ("inquiry_id.unit_id",)),
    c.ConcludeWrittenInquiry: Write(RECORDING, ("inquiry_id.unit_id",)),
    c.ChooseOverdueTalkRule: Write(APPRAISING, ("cycle_id.unit_ids",)),
}

# Oversight instruments (part 三(二)): the inspecting side records findings and orders, the
# unit that rectifies (a BRANCH among them) reports progress and completion, the inspecting
# side reviews; the appraisers choose the cycle's overdue rule.
WRITES.update(
    {
        c.RecordFinding: Write(RECORDING, ("unit_id",)),
        c.OrderRectification: Write(RECORDING, ("finding_id.unit_id", "unit_id")),
        c.ReportRectificationProgress: Write(BRANCH_WORK, ("rectification_id.unit_id",)),
        c.CompleteRectification: Write(BRANCH_WORK, ("rectification_id.unit_id",)),
        c.ReviewRectification: Write(RECORDING, ("rectification_id.unit_id",)),
        c.CorrectRectification: Write(RECORDING, ("rectification_id.unit_id",)),
        c.ChooseOverdueRectificationRule: Write(APPRAISING, ("cycle_id.unit_ids",)),
        c.RegisterRiskPost: Write(RECORDING, ("unit_id",)),
        c.ReviseRiskPost: Write(RECORDING, ("risk_post_id.unit_id",)),
        c.RetireRiskPost: Write(RECORDING, ("risk_post_id.unit_id",)),
        c.RecordRiskPostHolders: Write(RECORDING, ("risk_post_id.unit_id",)),
        c.DeclareUnitFunctions: Write(RECORDING, ("unit_id",)),
        c.RecordMajorDecision: Write(RECORDING, ("unit_id",)),
        c.CorrectMajorDecision: Write(RECORDING, ("major_decision_id.unit_id",)),
        c.FileDutyReport: Write(RECORDING, ("unit_id",)),
    }
)


@dataclass(frozen=True)
class Read:
    roles: frozenset[str]
    hide: bool = False  # others get null (the field may be null), not FORBIDDEN
    personal: bool = False  # personal case data: every answer with it is in the access log
    whole_log: bool = False  # about the whole log: not for tokens limited to units


# Restricted reads, by GraphQL coordinate.
READS: dict[str, Read] = {
    "Query.history": Read(RAW_EVENT_READERS),
    "Query.events": Read(RAW_EVENT_READERS),
    "Query.verifyLedger": Read(RAW_EVENT_READERS, whole_log=True),
    "Query.treeHead": Read(RAW_EVENT_READERS, whole_log=True),
    "Query.inclusionProof": Read(RAW_EVENT_READERS),
    "Query.consistencyProof": Read(RAW_EVENT_READERS, whole_log=True),
    # who read which case, across every unit: only for tokens not limited to units
    "Query.accessLog": Read(ACCESS_LOG_READERS, whole_log=True),
    "Subscription.ledgerEvents": Read(RAW_EVENT_READERS),
    "Case.subject": Read(PERSONAL_READERS, hide=True, personal=True),
    "Case.summary": Read(PERSONAL_READERS, hide=True, personal=True),
    "Case.decision": Read(PERSONAL_READERS, hide=True, personal=True),
    # with the unit and the dates, the rank tells who (a unit has one or two of a rank)
    "Case.subjectRank": Read(PERSONAL_READERS, hide=True, personal=True),
    "Case.accountabilityChain": Read(PERSONAL_READERS, personal=True),
    "Case.decisions": Read(PERSONAL_READERS, personal=True),
    "Query.accountabilityChain": Read(PERSONAL_READERS, personal=True),
    # oversight: why someone withdrew from a decision (回避), what a leader reported (述责述廉)
    "Recusal.reason": Read(PERSONAL_READERS, hide=True, personal=True),
    "DutyReport.summary": Read(PERSONAL_READERS, hide=True, personal=True),
    # who talked with whom and what was said, ratings, triggers, 函询: personal data
    "Query.talk": Read(PERSONAL_READERS, personal=True),
    "Query.talks": Read(PERSONAL_READERS, personal=True),
    "Query.talkObligations": Read(PERSONAL_READERS, personal=True),
    "Query.talkFile": Read(PERSONAL_READERS, personal=True),
    "Query.writtenInquiry": Read(PERSONAL_READERS, personal=True),
    "Query.writtenInquiries": Read(PERSONAL_READERS, personal=True),
}


def write_rule(command: type[c.Command]) -> Write:
    rule = WRITES.get(command)
    if rule is None:  # a command without a row is refused, never waved through
        raise Forbidden(f"{command.mutation()} has no row in the permission table")
    return rule


def check_role(command: type[c.Command], role: str, scoped: bool) -> Write:
    """May this role run this command at all? (Unit scope is checked against its data.)"""
    rule = write_rule(command)
    if role not in rule.roles:
        raise Forbidden(f"role {role} may not call {command.mutation()}")
    if role in UNIT_BOUND_ROLES and not scoped:
        raise Forbidden(f"a {role} token must name the units it acts for (--unit)")
    return rule


def may_read(coordinate: str, role: str, scoped: bool) -> bool | None:
    """True: the read may run. None: it answers null (a hidden field). Raises FORBIDDEN."""
    rule = READS.get(coordinate)
    if rule is None:
        return True
    what = coordinate.partition(".")[2]
    if role not in rule.roles:
        if rule.hide:
            return None
        raise Forbidden(f"role {role} may not read {what}")
    if rule.whole_log and scoped:
        raise Forbidden(f"{what} covers the whole ledger: it needs a token not limited to units")
    return True


def outside_scope(value: str) -> Forbidden:
    """The one refusal for a scoped token naming something outside its units: also used for
    ids that do not exist, so that the answer tells nothing about what exists elsewhere."""
    return Forbidden(f"{value} lies outside the units of your token")


# ---------------------------------------------------------------------- README tables


def _marks(roles: Iterable[str]) -> str:
    allowed = set(roles)
    return " | ".join("✓" if r in allowed else "" for r in ROLES)


def _scope_text(scope: tuple[str, ...], sees: tuple[str, ...] = ()) -> str:
    if not scope:
        return "(names no unit)"
    out = []
    for spec in scope:
        field, _, attribute = spec.partition(".")
        name = to_camel_case(field)
        out.append(f"`{name}`" if not attribute else f"`{name}`'s {attribute.replace('_', ' ')}")
    for spec in sees:
        field, _, attribute = spec.partition(".")
        out.append(f"one of `{to_camel_case(field)}`'s {attribute.replace('_', ' ')}")
    return ", ".join(out)


def markdown_tables() -> str:
    """The README's role tables, generated: one row per command with the fields that carry
    its unit scope, then the restricted reads."""
    header = "| {} | " + " | ".join(ROLES) + " | {} |\n|" + " --- |" * (len(ROLES) + 2) + "\n"
    out = header.format("mutation", "unit scope from")
    for command, rule in WRITES.items():
        scope = _scope_text(rule.scope, rule.sees)
        out += f"| {command.mutation()} | {_marks(rule.roles)} | {scope} |\n"
    out += "\n" + header.format("restricted read", "others get")
    for coordinate, rule in READS.items():
        notes = ["null" if rule.hide else "FORBIDDEN"]
        notes += ["access log"] * rule.personal + ["unscoped tokens only"] * rule.whole_log
        out += f"| `{coordinate}` | {_marks(rule.roles)} | {', '.join(notes)} |\n"
    return out


BEGIN, END = (
    "<!-- permissions: generated by `python -m ledger.permissions README.md` -->",
    ("<!-- /permissions -->"),
)


def readme_with_tables(text: str) -> str:
    """`text` with the generated tables between the markers."""
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{markdown_tables()}{END}{tail}"


if __name__ == "__main__":
    import sys
    from pathlib import Path

    readme = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    readme.write_text(readme_with_tables(readme.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote the role tables into {readme}")
