"""Bounded requests and tokens: what is refused before it can cost anything, and how fast.

- Depth, alias and token limits, page sizes, the body size limit (413), batching and
  introspection: refused with a typed error (or a plain HTTP refusal for transport-level
  problems), nothing appended. Each refusal is timed (median of a few runs) and the
  timings are printed (`pytest -s`) and recorded as test properties; no test asserts on time.
- Internal errors reach the client as INTERNAL with an id that the server's log line
  carries, never with the exception's text.
- Tokens: expired, forged, malformed, missing or wrongly claimed tokens are
  UNAUTHENTICATED and append nothing; `ledger token issue` prints a token the server
  accepts; the actor of every event is the token's subject.
"""

from __future__ import annotations

import base64
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import structlog
from conftest import TEST_SECRET
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_permission_matrix import World, served_ledger

from ledger.api import errors as api_errors
from ledger.api.admission import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from ledger.api.app import MAX_BODY_BYTES
from ledger.api.schema import MAX_PAGE

REGISTER = 'mutation { registerPerson(input: {id: "P-LIMIT", name: "限流"}) { id position } }'
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(request, tmp_path_factory) -> Iterator[World]:
    with served_ledger(request.param, tmp_path_factory.mktemp(f"limits-{request.param}")) as gql:
        yield World(gql).build()
    if TIMINGS:
        print(f"\nrefusal timings ({request.param}), median ms:")
        for name, ms in TIMINGS.items():
            print(f"  {name:<58} {ms:8.2f}")
        TIMINGS.clear()


def post_raw(
    world: World, body: bytes | object, *, token: str | None = "ADMIN", headers: dict | None = None
):
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = f"Bearer {world.gql.token(token) if token.isupper() else token}"
    h.update(headers or {})
    content = body if isinstance(body, (bytes, Iterator)) else json.dumps(body).encode()
    return world.gql.http.post("/graphql", content=content, headers=h)


def timed(name: str, record_property, fn, runs: int = 5):
    """Run `fn` a few times; keep the median in ms; return the last result. A document
    passed as `fn(salt)` gets a fresh operation name each run (`salt + document`), so no
    parser, validation or metrics cache answers for it (a comment would not do: the
    validation cache keys on the syntax tree)."""
    samples, result = [], None
    takes_salt = "salt" in fn.__code__.co_varnames[: fn.__code__.co_argcount]
    for _ in range(runs):
        salt = f"query T{uuid.uuid4().hex} "
        started = time.perf_counter()
        result = fn(salt) if takes_salt else fn()
        samples.append((time.perf_counter() - started) * 1000)
    TIMINGS[name] = statistics.median(samples)
    record_property(name, round(TIMINGS[name], 3))
    return result


def codes(response) -> list[str]:
    return [e["extensions"]["code"] for e in response.json().get("errors") or []]


# ---------------------------------------------------------------------- depth, aliases, tokens


def nested(levels: int) -> str:
    """`{ units { parent { ... { id } } } }` with `levels` nested selection sets."""
    return "{ units " + "{ parent " * (levels - 1) + "{ id }" + " }" * (levels - 1) + " }"


def test_over_deep_documents_are_refused_before_execution(world, record_property):
    head = world.gql.head()
    assert not world.gql.post(nested(MAX_DEPTH)).get("errors")
    r = timed(
        f"depth {MAX_DEPTH + 1} (limit {MAX_DEPTH})",
        record_property,
        lambda salt: post_raw(world, {"query": salt + nested(MAX_DEPTH + 1)}),
    )
    assert r.status_code == 200 and codes(r) == ["BAD_INPUT"] and r.json()["data"] is None
    assert "depth" in r.json()["errors"][0]["message"]
    r = timed(
        "depth 300 (token limit first)",
        record_property,
        lambda salt: post_raw(world, {"query": salt + nested(300)}),
    )
    assert set(codes(r)) == {"BAD_INPUT"}
    assert world.gql.head() == head


def test_over_wide_documents_are_refused_before_execution(world, record_property):
    def aliases(n: int) -> str:
        return "{ " + " ".join(f"a{i}: units {{ id }}" for i in range(n)) + " }"

    assert not world.gql.post(aliases(MAX_ALIASES)).get("errors")
    r = timed(
        f"{MAX_ALIASES + 1} aliases (limit {MAX_ALIASES})",
        record_property,
        lambda salt: post_raw(world, {"query": salt + aliases(MAX_ALIASES + 1)}),
    )
    assert codes(r) == ["BAD_INPUT"] and "aliases" in r.json()["errors"][0]["message"]
    r = timed(
        "400 aliases", record_property, lambda salt: post_raw(world, {"query": salt + aliases(400)})
    )
    assert set(codes(r)) == {"BAD_INPUT"} and r.json()["data"] is None


def test_aliases_hidden_in_fragments_are_counted_where_they_are_spread(world, record_property):
    """Twelve nested fragments that each spread the previous one twice: 4,096 aliased
    fields from a 30-line document. Refused; the time it takes grows 2x per level (see
    the timings) until the limiters measure each fragment once."""
    for k, runs in ((12, 3), (16, 1)):
        document = f"{{ units {{ ...F{k - 1} }} }} fragment F0 on Unit {{ a: id }}" + "".join(
            f" fragment F{i} on Unit {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, k)
        )
        r = timed(
            f"fragment chain of {k} (2^{k - 1} aliases, {len(document)} chars)",
            record_property,
            lambda salt, d=document: post_raw(world, {"query": salt + d}),
            runs=runs,
        )
        assert codes(r) == ["BAD_INPUT"] and "aliases" in r.json()["errors"][0]["message"]


def test_documents_over_the_token_limit_are_refused_while_parsing(world, record_property):
    fields = " ".join("id" for _ in range(MAX_TOKENS))
    r = timed(
        f"{MAX_TOKENS + 4} tokens (limit {MAX_TOKENS})",
        record_property,
        lambda salt: post_raw(world, {"query": salt + f"{{ units {{ {fields} }} }}"}),
    )
    assert codes(r) == ["BAD_INPUT"] and "tokens" in r.json()["errors"][0]["message"]
    big = "{ units(parentId: [" + ",".join(["1"] * 60_000) + "]) { id } }"
    r = timed(
        "60,000-token document (120 kB)",
        record_property,
        lambda salt: post_raw(world, {"query": salt + big}),
        runs=3,
    )
    assert codes(r) == ["BAD_INPUT"]
    r = timed(
        "60,000-token document, unauthenticated",
        record_property,
        lambda salt: post_raw(world, {"query": salt + big}, token=None),
        runs=3,
    )
    assert codes(r) == ["UNAUTHENTICATED"]


# ---------------------------------------------------------------------- pages, bodies, batches


@pytest.mark.parametrize(
    "query",
    [
        "{{ taskLetters(first: {n}) {{ totalCount }} }}",
        "{{ events(first: {n}) {{ last }} }}",
    ],
)
def test_page_sizes_are_bounded(world, query):
    gql = world.gql
    assert not gql.post(query.format(n=MAX_PAGE)).get("errors")
    for n in (MAX_PAGE + 1, 0, -1, 2**31 - 1):
        assert gql.error_code(query.format(n=n)) == "BAD_INPUT", n


def test_oversized_bodies_are_refused_with_413(world, record_property):
    head = world.gql.head()
    name = "名" * (MAX_BODY_BYTES // 3 + 10)  # over the limit once UTF-8 encoded
    body = json.dumps({"query": REGISTER.replace("限流", name)}, ensure_ascii=False).encode()
    r = timed(
        "body over the limit (Content-Length)", record_property, lambda: post_raw(world, body)
    )
    assert r.status_code == 413 and codes(r) == ["BAD_INPUT"]

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 16_384):
            yield body[start : start + 16_384]

    r = timed(
        "body over the limit (chunked, no length)",
        record_property,
        lambda: post_raw(world, chunks()),
    )
    assert r.status_code == 413 and codes(r) == ["BAD_INPUT"]
    r = timed(
        "body over the limit, unauthenticated",
        record_property,
        lambda: post_raw(world, body, token=None),
    )
    assert r.status_code == 413
    huge = b"[" + b",".join([b'{"query":"{ units { id } }"}'] * 100_000) + b"]"
    r = timed("2.8 MB batch", record_property, lambda: post_raw(world, huge), runs=3)
    assert r.status_code == 413
    assert world.gql.head() == head


def test_batches_are_refused_whatever_their_size(world, record_property):
    head = world.gql.head()
    one = {"query": REGISTER}
    for n in (1, 3, 2000):
        r = timed(
            f"batch of {n} mutations",
            record_property,
            lambda n=n: post_raw(world, [one] * n),
            runs=3,
        )
        assert r.status_code == 400 and "Batching is not enabled" in r.text, n
    assert world.gql.head() == head


def test_non_object_bodies_are_refused_not_crashed_on(world):
    for body in (b'"a string"', b"123", b"null", b"true", b"{", b"", b"\xff\xfe"):
        r = post_raw(world, body)
        assert r.status_code == 400, (body, r.status_code, r.text[:200])


def test_subscriptions_and_get_mutations_are_refused_over_plain_http(world):
    head = world.gql.head()
    r = post_raw(world, {"query": "subscription { ledgerEvents { position } }"})
    assert r.status_code == 400, r.text
    token = world.gql.token("ADMIN")
    r = world.gql.http.get(
        "/graphql", params={"query": REGISTER}, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code in (400, 405), r.text
    assert world.gql.head() == head


def test_strings_no_store_can_take_are_refused_up_front(world):
    gql, head = world.gql, world.gql.head()
    for query, variables in [
        ("query($i: ID!) { unit(id: $i) { id } }", {"i": "AFF\u0000"}),
        ("query($i: ID!) { unit(id: $i) { id } }", {"i": "\ud800"}),
        ("query($a: String) { events(actor: $a) { last } }", {"a": "x\u0000"}),
        ('{ unit(id: "AFF\\u0000") { id } }', None),
        ('{ unit(id: "AFF\\u{0}") { id } }', None),
        (
            'mutation($n: String!) { registerPerson(input: {id: "P-S", name: $n}) { id } }',
            {"n": "张\udc00三"},
        ),
    ]:
        r = world.gql.http.post(
            "/graphql",
            content=json.dumps({"query": query, "variables": variables}, ensure_ascii=True),
            headers={"Authorization": f"Bearer {gql.token()}", "Content-Type": "application/json"},
        )
        assert r.status_code == 200 and codes(r) == ["BAD_INPUT"], (query, r.text[:300])
    assert gql.head() == head
    # a block string does not decode escapes: its text is a backslash and "u0000"
    assert gql.data('{ unit(id: """AFF\\u0000""") { id } }') == {"unit": None}


def test_long_lists_are_refused_before_any_command_runs(world, record_property):
    """30,000 copies of one unit id in a 200 kB request: each copy used to load the unit's
    aggregate before the command's own cap applied (20 s of a worker)."""
    gql, head = world.gql, world.gql.head()
    item = {**world.item_input(world.fresh("IT")), "scopeUnitIds": ["AFF"] * 30_000}
    document = (
        "mutation($input: AssignResponsibilityInput!) { assignResponsibility(input: $input) "
        "{ id } }"
    )
    r = timed(
        "assignResponsibility with 30,000 scope ids",
        record_property,
        lambda: post_raw(world, {"query": document, "variables": {"input": item}}),
    )
    assert codes(r) == ["BAD_INPUT"] and "1000 items" in r.text
    cycle = {**world.cycle_input(world.fresh("EV")), "unitIds": ["AFF"] * 1001}
    assert (
        gql.error_code(
            "mutation($input: OpenEvaluationCycleInput!) { openEvaluationCycle(input: $input) "
            "{ id } }",
            {"input": cycle},
        )
        == "BAD_INPUT"
    )
    r = timed(
        "assignResponsibility with 1,000 scope ids (the domain's cap: 200)",
        record_property,
        lambda: post_raw(
            world,
            {
                "query": document,
                "variables": {"input": {**item, "scopeUnitIds": [f"U{i}" for i in range(1000)]}},
            },
        ),
        runs=3,
    )
    assert codes(r) in (["BAD_INPUT"], ["NOT_FOUND"])
    assert gql.head() == head


def test_a_junk_min_position_header_is_ignored(world):
    for value in ("²".encode("latin-1"), "9" * 40, "-1", "abc"):
        body = world.gql.post("{ units { id } }", headers={"X-Ledger-Min-Position": value})
        assert not body.get("errors"), value


# ---------------------------------------------------------------------- introspection


def test_introspection_is_for_authenticated_callers_only(world):
    gql = world.gql
    intro = "{ __schema { queryType { name } types { name } } }"
    assert gql.data(intro, role="VIEWER")["__schema"]["queryType"]["name"] == "Query"
    for headers in ({}, {"Authorization": "Bearer nope"}):
        r = gql.http.post("/graphql", json={"query": intro}, headers=headers)
        assert codes(r) == ["UNAUTHENTICATED"] and r.json()["data"] is None
        r = gql.http.get(
            "/graphql", params={"query": intro}, headers={**headers, "Accept": "application/json"}
        )
        assert codes(r) == ["UNAUTHENTICATED"]
    deep = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
    assert gql.error_code(deep) == "BAD_INPUT"  # introspection depth is bounded too


# ---------------------------------------------------------------------- internal errors


def test_an_internal_error_carries_an_id_that_the_log_line_carries(world, monkeypatch):
    from projections import organisation

    def broken(*_a, **_k):
        raise RuntimeError("SELECT password FROM secrets -- psycopg.errors.Boom")

    monkeypatch.setattr(organisation, "list_units", broken)
    with structlog.testing.capture_logs() as logs:
        # a fresh logger proxy: one bound before capture would bypass it
        monkeypatch.setattr(api_errors, "log", structlog.get_logger("ledger.api"))
        # a document of its own: an answer cached for `{ units { id } }` would not break
        r = post_raw(world, {"query": "query Broken { units { id } }"})
    assert r.status_code == 200
    error = r.json()["errors"][0]
    assert error["extensions"]["code"] == "INTERNAL"
    error_id = error["extensions"]["errorId"]
    assert error_id in error["message"]
    assert "SELECT" not in r.text and "Traceback" not in r.text and "psycopg" not in r.text
    logged = [e for e in logs if e.get("event") == "internal_error"]
    assert [e["error_id"] for e in logged] == [error_id]
    assert logged[0]["log_level"] == "error" and logged[0]["path"] == ["units"]
    assert logged[0]["exc_info"][0] is RuntimeError  # the log keeps what the client does not


def test_a_spread_of_an_unknown_fragment_is_bad_input(world):
    r = post_raw(world, {"query": "{ units { ...Nope } }"})
    assert codes(r) == ["BAD_INPUT"], r.text


def test_every_error_has_a_code_even_those_raised_before_execution(world):
    for query in (
        "{ units { id ",
        "{ units(parentId: [" + "1," * 3000 + "]) { id } }",
        "query A { units { id } } query A { units { id } }",
        "{ nope }",
    ):
        r = post_raw(world, {"query": query})
        assert r.status_code == 200 and codes(r) and set(codes(r)) == {"BAD_INPUT"}, query


# ---------------------------------------------------------------------- tokens


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(**over) -> dict:
    now = int(time.time())
    claims = {"sub": "mallory", "role": "ADMIN", "iat": now, "exp": now + 600}
    claims.update(over)
    return {k: v for k, v in claims.items() if v is not None}


def bad_tokens() -> dict[str, str | None]:
    now = int(time.time())
    sign = lambda claims, key=TEST_SECRET, alg="HS256": jwt.encode(claims, key, algorithm=alg)  # noqa: E731
    return {
        "missing": None,
        "empty bearer": "",
        "malformed": "not-a-jwt",
        "two segments": "abc.def",
        "garbage segments": "a.b.c",
        "forged (other key)": sign(_claims(), "another-key-" + "z" * 40),
        "unsigned (alg none)": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims())}.",
        "HS512 with the right key": sign(_claims(), alg="HS512"),
        "expired": sign(_claims(exp=now - 5)),
        "not yet valid (nbf)": sign(_claims(nbf=now + 3600)),
        "issued in the future": sign(_claims(iat=now + 3600)),
        "no exp": sign(_claims(exp=None)),
        "no sub": sign(_claims(sub=None)),
        "no role": sign(_claims(role=None)),
        "unknown role": sign(_claims(role="ROOT")),
        "units not a list": sign(_claims(units="AFF")),
        "units not ids": sign(_claims(units=["AFF", "../ORG"])),
        "sub not text": sign(_claims(sub=42)),
        "sub empty": sign(_claims(sub="")),
        "sub with a line break": sign(_claims(sub="mallory\nadmin")),
        "sub with a bidi override": sign(_claims(sub="\u202emallory")),
        "sub too long": sign(_claims(sub="m" * 101)),
        "tampered payload": (
            lambda t: (
                t.split(".")[0]
                + "."
                + _b64(_claims(role="ADMIN", sub="eve"))
                + "."
                + t.split(".")[2]
            )
        )(sign(_claims(role="VIEWER"))),
    }


@pytest.mark.parametrize("kind", sorted(bad_tokens()))
def test_bad_tokens_are_unauthenticated_and_append_nothing(world, kind):
    token = bad_tokens()[kind]
    gql, head = world.gql, world.gql.head()
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    for query in (REGISTER, "{ units { id } }", "{ __typename }"):
        r = gql.http.post("/graphql", json={"query": query}, headers=headers)
        assert r.status_code == 200, r.text
        assert codes(r) == ["UNAUTHENTICATED"] and r.json()["data"] is None, (kind, r.text)
    assert gql.head() == head


def test_the_bearer_scheme_is_case_insensitive_and_other_schemes_are_refused(world):
    token = world.gql.token("VIEWER")
    gql = world.gql
    for header, ok in (
        (f"bearer {token}", True),
        (f"Bearer  {token} ", True),
        (f"Basic {token}", False),
        (token, False),
        ("Bearer", False),
    ):
        r = gql.http.post(
            "/graphql", json={"query": "{ units { id } }"}, headers={"Authorization": header}
        )
        assert (codes(r) == []) is ok, (header[:20], r.text[:200])


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(header=st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=300))
def test_any_authorization_header_is_refused_cleanly(world, header):
    r = world.gql.http.post("/graphql", json={"query": REGISTER}, headers={"Authorization": header})
    assert r.status_code == 200
    assert codes(r) == ["UNAUTHENTICATED"]


def test_the_actor_of_every_event_is_the_token_subject(world):
    gql = world.gql
    subject = "检查员 张三"
    token = gql.token("RECORDER", subject)
    head = gql.head()
    pid = world.fresh("P")
    gql.data(
        'mutation($i: ID!) { registerPerson(input: {id: $i, name: "李四"}) { id } }',
        {"i": pid},
        token=token,
    )
    gql.data(
        'mutation($i: ID!) { assumePost(input: {personId: $i, unitId: "AFF", role: STAFF, '
        'from: "2024-01-01"}) { id } }',
        {"i": pid},
        token=token,
    )
    events = gql.data(
        "query($a: Int!) { events(after: $a) { events { actor type } } }", {"a": head}
    )["events"]["events"]
    assert [e["type"] for e in events] == ["PersonRegistered", "PostAssumed"]
    assert {e["actor"] for e in events} == {subject}
    history = gql.data("query($i: ID!) { history(entityId: $i) { actor } }", {"i": pid})
    assert {e["actor"] for e in history["history"]} == {subject}


# ---------------------------------------------------------------------- the CLI


def ledger_cli(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "LEDGER_JWT_SECRET": TEST_SECRET,
        "LEDGER_STORE": f"sqlite:///{tmp_path}/cli.sqlite3",
    }
    exe = Path(sys.executable).parent / "ledger"
    return subprocess.run(
        [str(exe), *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
    )


def test_ledger_token_issue_prints_a_token_the_server_accepts(world, tmp_path):
    done = ledger_cli(
        "token",
        "issue",
        "--subject",
        "x",
        "--role",
        "VIEWER",
        "--unit",
        "AFF",
        "--ttl",
        "1h",
        tmp_path=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    claims = jwt.decode(token, TEST_SECRET, algorithms=["HS256"])
    assert (claims["sub"], claims["role"], claims["units"]) == ("x", "VIEWER", ["AFF"])
    assert claims["exp"] - claims["iat"] == 3600
    assert world.gql.data("{ units { id } }", token=token)["units"]
    assert world.gql.error_code(REGISTER, token=token) == "FORBIDDEN"


@pytest.mark.parametrize(
    "args",
    [
        ["--subject", "x", "--role", "VIEWER", "--ttl", "0s"],
        ["--subject", "x", "--role", "VIEWER", "--ttl", "400d"],
        ["--subject", "x", "--role", "VIEWER", "--ttl", "8 hours"],
        ["--subject", "x", "--role", "VIEWER", "--unit", "not an id"],
        ["--subject", "", "--role", "VIEWER"],
        ["--subject", "a\tb", "--role", "VIEWER"],
        ["--subject", "x", "--role", "BOSS"],
        ["--subject", "x", "--role", "BRANCH"],  # a BRANCH token names the units it acts for
    ],
)
def test_ledger_token_issue_refuses_bad_arguments(args, tmp_path):
    done = ledger_cli("token", "issue", *args, tmp_path=tmp_path)
    assert done.returncode != 0 and not done.stdout.strip(), (args, done.stdout)
