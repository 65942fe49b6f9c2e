"""Every request is authenticated; the wrong role or unit scope is refused and appends nothing."""

from __future__ import annotations

import time

import jwt
import pytest
from conftest import TEST_SECRET, expired_token
from scenario import ASSUME_POST, REGISTER_PERSON, REGISTER_UNIT, build_organ

from ledger.domain.errors import BadInput


def test_requests_without_a_valid_token_are_unauthenticated(gql):
    build_organ(gql)
    head = gql.head()
    forged = jwt.encode({"sub": "mallory", "role": "ADMIN", "exp": 4102444800}, "wrong-key-" * 5)
    expired = expired_token(gql.settings)
    for headers in (
        {},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": f"Bearer {forged}"},
        {"Authorization": f"Bearer {expired}"},
        {"Authorization": "Basic abc"},
    ):
        body = gql.http.post(
            "/graphql",
            json={
                "query": REGISTER_PERSON.replace("$id", '"Q"')
                .replace("$name", '"q"')
                .replace("$key", "null")
                .replace("($id: ID!, $name: String!, $key: String)", "")
            },
            headers=headers,
        ).json()
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", headers
        assert body["data"] is None
    assert gql.head() == head
    intro = gql.http.post("/graphql", json={"query": "{ __schema { types { name } } }"}).json()
    assert intro["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_token_signed_with_the_right_key_names_the_actor(gql):
    now = int(time.time())
    claims = {"sub": "inspector-wu", "role": "INSPECTOR", "iat": now, "exp": now + 3600}
    assert gql.data("{ units { id } }", token=jwt.encode(claims, TEST_SECRET)) == {"units": []}


def test_a_token_that_lives_longer_than_the_maximum_is_refused(gql):
    now = int(time.time())
    for claims in (
        {"sub": "s", "role": "ADMIN", "iat": now, "exp": now + 31 * 86400},  # over 30 days
        {"sub": "s", "role": "ADMIN", "exp": now + 3600},  # no iat: no lifetime to judge
    ):
        body = gql.post("{ units { id } }", token=jwt.encode(claims, TEST_SECRET))
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
    with pytest.raises(BadInput, match="at most 30 days"):
        gql.token("ADMIN", ttl="31d")


def test_roles_that_may_not_record_are_forbidden_and_append_nothing(gql):
    build_organ(gql)
    head = gql.head()
    for role in ("INSPECTOR", "VIEWER", "APPRAISER", "BRANCH"):
        assert gql.error_code(REGISTER_PERSON, {"id": "Q", "name": "q"}, role=role) == "FORBIDDEN"
    assert gql.head() == head


def test_a_unit_scoped_recorder_acts_only_inside_its_subtree(gql):
    build_organ(gql)
    scoped = gql.token("RECORDER", "recorder-aff", units=["AFF"])
    head = gql.head()
    assert (
        gql.error_code(
            ASSUME_POST,
            {"p": "A", "u": "DEP", "role": "UNIT_HEAD", "from": "2024-01-01"},
            token=scoped,
        )
        == "FORBIDDEN"
    )
    assert (
        gql.error_code(
            REGISTER_UNIT,
            {"id": "X", "name": "x", "kind": "DEPARTMENT", "parentId": "ORG"},
            token=scoped,
        )
        == "FORBIDDEN"
    )
    assert gql.head() == head
    gql.data(
        ASSUME_POST, {"p": "A", "u": "AFF", "role": "UNIT_HEAD", "from": "2024-01-01"}, token=scoped
    )
    gql.data(
        REGISTER_UNIT,
        {"id": "AFF-ZB", "name": "支部", "kind": "PARTY_BRANCH", "parentId": "AFF"},
        token=scoped,
    )
    assert gql.head() > head


def test_viewers_read_dashboards_but_not_raw_events(gql):
    build_organ(gql)
    assert gql.data("{ units { id } }", role="VIEWER")["units"]
    assert gql.error_code('{ history(entityId: "A") { position } }', role="VIEWER") == "FORBIDDEN"
    assert gql.error_code("{ events { last } }", role="VIEWER") == "FORBIDDEN"
    assert gql.data("{ events { last } }", role="INSPECTOR")["events"]["last"] == gql.head()


def test_internal_errors_carry_an_id_and_no_stack_trace(gql, monkeypatch):
    from projections import organisation

    def broken(*a, **k):
        raise RuntimeError("SELECT secret FROM somewhere")

    monkeypatch.setattr(organisation, "list_units", broken)
    body = gql.post("{ units { id } }")
    error = body["errors"][0]
    assert error["extensions"]["code"] == "INTERNAL"
    assert error["extensions"]["errorId"] in error["message"]
    assert "SELECT" not in str(body) and "Traceback" not in str(body)
