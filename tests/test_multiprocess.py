"""The docker-compose deployment without Docker: two API processes and one projector on PostgreSQL.

API A runs `ledger serve --no-projector --workers 2` (as the compose file does), API B
`ledger serve --no-projector`, and `ledger projections run` is the only projector. Scenario
steps alternate between the two APIs: what is written through one is read through the
other, with read-your-writes kept by passing the position a mutation returned in the
X-Ledger-Min-Position header.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from scenario import (
    ASSIGN,
    ASSUME_POST,
    CHAIN,
    LIST,
    REGISTER_CASE,
    REGISTER_PERSON,
    REGISTER_UNIT,
    TRANSFER,
)
from servers import Api, Projector, init_store, postgres_schema, token

pytestmark = pytest.mark.slow

PERSON = "query($id: ID!) { person(id: $id) { id name } }"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Api, Api]]:
    """Shared by the tests of this module that do not need a lagging projector."""
    tmp_path = tmp_path_factory.mktemp("deployment")
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    with ExitStack() as stack:
        postgres_store = stack.enter_context(postgres_schema())
        init_store(postgres_store)
        stack.enter_context(Projector(postgres_store, tmp_path))
        a = stack.enter_context(
            Api(
                "api-a",
                postgres_store,
                tmp_path,
                workers=2,
                PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
            )
        )
        b = stack.enter_context(Api("api-b", postgres_store, tmp_path))
        a.wait_ready()
        b.wait_ready()
        yield a, b


def test_scenario_steps_alternate_between_two_api_processes(deployment):
    a, b = deployment
    admin = token("ADMIN")
    position = 0

    def write(api: Api, query: str, variables: dict) -> dict:
        nonlocal position
        result = next(iter(api.data(query, variables, token=admin).values()))
        assert result["position"] > position
        position = result["position"]
        return result

    for n, (uid, name, kind, parent) in enumerate(
        [
            ("ORG", "省直某厅", "ORGAN", None),
            ("DEP", "办公室", "DEPARTMENT", "ORG"),
            ("AFF", "信息中心", "AFFILIATED_UNIT", "ORG"),
        ]
    ):
        write(
            (a, b)[n % 2],
            REGISTER_UNIT,
            {"id": uid, "name": name, "kind": kind, "parentId": parent},
        )
    for n, pid in enumerate(["P", "D", "A", "B", "H", "S"]):
        write((b, a)[n % 2], REGISTER_PERSON, {"id": pid, "name": f"干部{pid}"})
    for n, (pid, uid, role) in enumerate(
        [
            ("P", "ORG", "PRINCIPAL"),
            ("D", "ORG", "DISCIPLINE_SECRETARY"),
            ("A", "ORG", "TEAM_MEMBER"),
            ("B", "ORG", "TEAM_MEMBER"),
            ("H", "AFF", "UNIT_HEAD"),
            ("S", "AFF", "STAFF"),
        ]
    ):
        write((a, b)[n % 2], ASSUME_POST, {"p": pid, "u": uid, "role": role, "from": "2020-01-01"})
    write(
        b,
        ASSIGN,
        {
            "id": "R-PRIN",
            "holder": "P",
            "kind": "PRINCIPAL",
            "scope": ["ORG"],
            "from": "2020-01-01",
            "title": "主体责任",
        },
    )
    write(
        a,
        ASSIGN,
        {
            "id": "R-AFF",
            "holder": "A",
            "kind": "IN_CHARGE",
            "scope": ["AFF"],
            "from": "2020-01-01",
            "title": "分管信息中心",
        },
    )
    write(b, TRANSFER, {"item": "R-AFF", "to": "B", "eff": "2024-07-01"})

    # Read on the process that did not write the last step, at the position it returned.
    viewer = token("VIEWER")
    listed = a.data(LIST, {"p": "B", "asOf": "2024-08-01"}, token=viewer, min_position=position)
    assert [i["id"] for i in listed["responsibilityList"]["items"]] == ["R-AFF"]
    listed = a.data(LIST, {"p": "A", "asOf": "2024-05-01"}, token=viewer, min_position=position)
    assert [i["id"] for i in listed["responsibilityList"]["items"]] == ["R-AFF"]

    write(
        a,
        REGISTER_CASE,
        {
            "id": "CASE-1",
            "unit": "AFF",
            "subject": "S",
            "cat": "EIGHT_PROVISIONS",
            "disc": "PASSIVE",
            "facts": "2024-05-10",
            "until": None,
            "reg": "2024-09-15",
        },
    )
    inspector = token("INSPECTOR")  # the chain names people: personal case data
    answer = b.data(CHAIN, {"id": "CASE-1"}, token=inspector, min_position=position)
    links = {
        (link["kind"], link["person"]["id"]) for link in answer["accountabilityChain"]["links"]
    }
    assert links == {("DIRECT", "H"), ("IN_CHARGE", "A"), ("PRINCIPAL", "P"), ("SUPERVISORY", "D")}

    # An idempotent retry through the other process replays the first answer.
    first = a.data(REGISTER_PERSON, {"id": "K", "name": "重试", "key": "retry-1"}, token=admin)
    again = b.data(REGISTER_PERSON, {"id": "K", "name": "重试", "key": "retry-1"}, token=admin)
    assert again == first

    for api in (a, b):
        ready = api.http.get("/readyz")
        assert ready.status_code == 200, ready.text


@pytest.fixture
def lagging_deployment(tmp_path: Path) -> Iterator[tuple[Api, Api]]:
    """A projector that polls only every 0.3 s and does not LISTEN for appends, and an API
    A whose mutations do not wait for the read models (LEDGER_READ_YOUR_WRITES_TIMEOUT=0):
    reads can lag the writes."""
    with ExitStack() as stack:
        postgres_store = stack.enter_context(postgres_schema())
        init_store(postgres_store)
        stack.enter_context(
            Projector(
                postgres_store,
                tmp_path,
                LEDGER_POLL_INTERVAL="0.3",
                LEDGER_LISTEN_FOR_COMMITS="0",
            )
        )
        a = stack.enter_context(
            Api("api-a", postgres_store, tmp_path, LEDGER_READ_YOUR_WRITES_TIMEOUT="0")
        )
        b = stack.enter_context(Api("api-b", postgres_store, tmp_path))
        a.wait_ready()
        b.wait_ready()
        yield a, b


def test_read_your_writes_across_processes_needs_the_position_header(lagging_deployment):
    a, b = lagging_deployment
    admin, viewer = token("ADMIN"), token("VIEWER")
    lagged = 0
    for n in range(6):
        pid = f"P-{n}"
        written = a.data(REGISTER_PERSON, {"id": pid, "name": f"干部{n}"}, token=admin)
        position = written["registerPerson"]["position"]
        without = b.data(PERSON, {"id": pid}, token=viewer)
        lagged += without["person"] is None
        with_header = b.data(PERSON, {"id": pid}, token=viewer, min_position=position)
        assert with_header["person"] == {"id": pid, "name": f"干部{n}"}, (
            f"B did not wait for position {position}"
        )
    assert lagged > 0, "no read without the header lagged: the lag this test relies on is gone"


def scrape(api: Api) -> dict[tuple[str, tuple], float]:
    text = api.http.get("/metrics").text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_are_summed_over_the_workers_of_one_api(deployment):
    a, b = deployment
    viewer = token("VIEWER")
    for _ in range(30):  # spread over A's two workers by the kernel; counted by root field
        a.data("query MpProbe { units { id } }", token=viewer)
    for _ in range(5):  # every scrape, whichever worker answers it, sees all 30
        samples = scrape(a)
        key = (
            "ledger_graphql_requests_total",
            (("operation", "units"), ("outcome", "ok"), ("type", "query")),
        )
        assert samples.get(key) == 30
    # B counts its own requests (another deployment unit, scraped separately).
    assert (
        "ledger_graphql_requests_total",
        (("operation", "units"), ("outcome", "ok"), ("type", "query")),
    ) not in scrape(b)
    assert (
        scrape(b)[("ledger_log_head_position", ())] == scrape(a)[("ledger_log_head_position", ())]
    )
