"""Commands as data: every mutation has one, a handler and a permission row; GraphQL inputs
become commands by their wire names; a retried request has the same fingerprint."""

import hashlib
import json
from datetime import date

from ledger import commands as c
from ledger.api.inputs import command_from, input_type
from ledger.api.organisation import PostRole
from ledger.api.schema import schema
from ledger.application import HANDLERS
from ledger.permissions import WRITES


def every_command() -> set[type[c.Command]]:
    found, todo = set(), [c.Command]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__name__ != "ScoreAdjustment":
                found.add(sub)
    return found


def test_every_mutation_is_a_command_with_a_handler_and_a_permission_row():
    mutations = set(schema._schema.mutation_type.fields)
    commands = {command.mutation(): command for command in every_command()}
    assert set(commands) == mutations
    assert set(HANDLERS) == set(commands.values())
    assert set(WRITES) == set(commands.values())


def test_an_input_becomes_its_command_by_wire_names():
    post = input_type(c.AssumePost)(
        person_id="P-1", unit_id="U-1", role=PostRole.STAFF, valid_from=date(2024, 1, 2)
    )
    assert command_from(c.AssumePost, post) == c.AssumePost("P-1", "U-1", "STAFF", "2024-01-02")

    period = input_type(c.HolderPeriod)
    periods = [
        period(holder_id="A", valid_from=date(2024, 1, 1), valid_to=date(2024, 6, 30)),
        period(holder_id="B", valid_from=date(2024, 7, 1)),
    ]
    restated = command_from(
        c.CorrectResponsibility,
        input_type(c.CorrectResponsibility)(item_id="IT-1", periods=periods, reason="更正"),
    )
    assert restated.periods == (
        c.HolderPeriod("A", "2024-01-01", "2024-06-30"),
        c.HolderPeriod("B", "2024-07-01", None),
    )

    cycle = command_from(
        c.OpenEvaluationCycle,
        input_type(c.OpenEvaluationCycle)(
            id="EV",
            year=2024,
            title="考核",
            period_from=date(2024, 1, 1),
            period_to=date(2024, 12, 31),
            unit_ids=["U-1"],
            criteria=[input_type(c.Criterion)(code="EDU", title="宣传教育", max_points=30)],
            veto_roles=[PostRole.PRINCIPAL],
            grade_bands=input_type(c.GradeBands)(excellent=95),
        ),
    )
    assert cycle.unit_ids == ("U-1",) and cycle.veto_roles == ("PRINCIPAL",)
    assert cycle.criteria == (c.Criterion("EDU", "宣传教育", 30),)
    assert cycle.grade_bands.thresholds() == {"EXCELLENT": 95, "GOOD": 80.0, "PASS": 60.0}


def test_the_fingerprint_is_the_request_as_sent_whatever_the_order():
    a = c.AssumePost("P-1", "U-1", "STAFF", "2024-01-02")
    assert a.wire() == {"personId": "P-1", "unitId": "U-1", "role": "STAFF", "from": "2024-01-02"}
    assert a.fingerprint() == c.AssumePost(**vars(a)).fingerprint()
    assert a.fingerprint() != c.AssumePost("P-1", "U-1", "STAFF", "2024-01-03").fingerprint()
    # the same request as fingerprinted before commands were data: keys stay valid
    before = hashlib.sha256(
        json.dumps(["assumePost", a.wire()], sort_keys=True, default=str).encode()
    ).hexdigest()
    assert a.fingerprint() == before


def test_two_commands_with_the_same_fields_never_share_a_fingerprint():
    deduct = c.DeductScore("EV", "U", 1.0, "理由")
    bonus = c.AddBonus("EV", "U", 1.0, "理由")
    assert deduct.fingerprint() != bonus.fingerprint()
