"""An event type changes shape: UnitRegistered v2 added `short_name`; v1 events still read,
and the hash chain still verifies because it hashes the bytes as stored, not as upcast."""

from __future__ import annotations

import hashlib
import json

from eventsourcing.persistence import StoredEvent

from ledger.domain.unit import unit_uuid
from ledger.integrity import verify_log

# A UnitRegistered event exactly as version 1 stored it (no short_name, no class_version).
V1_STATE = json.dumps(
    {
        "timestamp": {"_type_": "datetime_iso", "_data_": "2023-03-01T02:00:00.000000+00:00"},
        "originator_topic": "ledger:Unit",
        "actor": "recorder-2023",
        "idempotency_key": None,
        "unit_id": "OLD-ORG",
        "name": "旧省直单位",
        "kind": "ORGAN",
        "parent_id": None,
    },
    ensure_ascii=False,
    separators=(",", ":"),
).encode()


def test_a_stored_version_1_event_is_upcast_on_read_and_still_verifies(gql):
    app = gql.ledger.app
    app.recorder.insert_events(
        [
            StoredEvent(
                originator_id=unit_uuid("OLD-ORG"),
                originator_version=1,
                topic="ledger:UnitRegistered",
                state=V1_STATE,
            )
        ]
    )

    assert app.unit("OLD-ORG").short_name is None, "the upcaster supplied the new field"
    gql.ledger.wait_for(app.head())
    assert gql.data('{ unit(id: "OLD-ORG") { name shortName kind } }')["unit"] == {
        "name": "旧省直单位",
        "shortName": None,
        "kind": "ORGAN",
    }

    gql.data(
        'mutation { registerUnit(input: {id: "NEW-ORG", name: "浙江省发展和改革委员会", '
        'kind: ORGAN, shortName: "省发改委"}) { id } }'
    )
    stored = app.recorder.select_notifications(start=1, limit=10)
    assert stored[0].state == V1_STATE, "stored bytes are never rewritten"
    assert json.loads(stored[1].state)["class_version"] == 2
    assert json.loads(stored[1].state)["short_name"] == "省发改委"

    chain = app.recorder.select_chain(1, 2)
    assert chain[0]["payload_hash"] == hashlib.sha256(V1_STATE).hexdigest()
    assert verify_log(app.recorder).ok
    history = gql.data('{ history(entityId: "OLD-ORG") { type version actor payload } }')["history"]
    assert history == [
        {
            "type": "UnitRegistered",
            "version": 1,
            "actor": "recorder-2023",
            "payload": {
                "unit_id": "OLD-ORG",
                "name": "旧省直单位",
                "kind": "ORGAN",
                "parent_id": None,
                "short_name": None,
            },
        }
    ]
