"""Hostile input, generated: every mutation's inputs and random query documents.

Each answer must be data or GraphQL errors whose `extensions.code` is one of the typed
refusals (never INTERNAL), never an HTTP 500, never a stack trace or a driver's error text;
after every refused mutation the log is exactly as long as before.

The inputs come from the schema's own input types: strings with controls, format
characters, unpaired surrogates, CJK and combining marks, or very long; dates in and out of
range and malformed; integers and floats huge, negative, non-finite or given as strings; ids
with odd characters; lists empty or huge; wrong JSON kinds; missing and unknown fields.
Values are drawn from the fixture world's ids often enough that commands get past "not
found" into the domain's own checks.

How many examples: LEDGER_FUZZ_EXAMPLES per test (default 25; every mutation and every
query root field is its own test), with the `ledger-fuzz` hypothesis profile. The examples
are seeded (the same on every run, so CI is reproducible); LEDGER_FUZZ_RANDOM=1 explores:

    LEDGER_FUZZ_EXAMPLES=2000 LEDGER_FUZZ_RANDOM=1 .venv/bin/python -m pytest tests/test_fuzz.py -k sqlite

Every mutation's run includes its valid input (as the permission matrix builds it), so at
least one example per mutation is accepted; each accepted answer is checked against the log:
its position is new, its events were recorded by the token's subject, and one of them is
the entity it names.
"""

from __future__ import annotations

import json
import os
import re
import string
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Any

import jwt
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_permission_matrix import (
    ENTRIES,
    World,
    mutation_document,
    mutation_fields,
    query_fields,
    served_ledger,
)

EXAMPLES = int(os.environ.get("LEDGER_FUZZ_EXAMPLES", "25"))
settings.register_profile(
    "ledger-fuzz",
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("LEDGER_FUZZ_RANDOM") != "1",
    database=None,  # a run is a fresh world: replaying stored examples would mislead
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
    ],
)
FUZZ = settings.get_profile("ledger-fuzz")

MAX_REQUEST_CHARS = 2_000_000  # 8x the body limit: larger requests only cost the client
TYPED = {"BAD_INPUT", "NOT_FOUND", "CONFLICT", "FORBIDDEN", "UNAUTHENTICATED"}
# Driver, traceback and Python error text that must never reach a client.
LEAKS = (
    "Traceback (most recent call last)",
    'File "/',
    "sqlite3.",
    "psycopg",
    "OperationalError",
    "ProgrammingError",
    "IntegrityError",
    "UnicodeEncodeError",
    "OverflowError",
    "internal error",
)

UNITS = ["ORG", "AFF", "ZB", "DEP"]
PEOPLE = ["P-PRIN", "P-LEAD", "P-AFFHEAD", "P-HEAD", "P-STAFF"]
POOLS: dict[str, list[str]] = {
    "unit": UNITS,
    "person": PEOPLE,
    "item": ["IT-1"],
    "case": ["C-1"],
    "letter": ["L-1"],
    "cycle": ["EV-1"],
    "task": ["T1", "T2"],
    "criterion": ["EDU"],
    "entity": UNITS + PEOPLE + ["IT-1", "C-1", "L-1", "EV-1"],
}


def pool_of(name: str) -> list[str] | None:
    """Which of the world's ids a field or argument named `name` takes."""
    n = name.lower()
    for key, pool in (
        ("unit", "unit"),
        ("parent", "unit"),
        ("issuer", "unit"),
        ("recipient", "unit"),
        ("holder", "person"),
        ("person", "person"),
        ("subject", "person"),
        ("item", "item"),
        ("case", "case"),
        ("letter", "letter"),
        ("cycle", "cycle"),
        ("task", "task"),
        ("criterion", "criterion"),
        ("code", "criterion"),
        ("entity", "entity"),
    ):
        if key in n:
            return POOLS[pool]
    return None


# ---------------------------------------------------------------------- hostile values

ODD_IDS = [
    "",
    " ",
    "P-1\n",
    "P 1",
    "../../etc/passwd",
    "' OR '1'='1",
    "1; DROP TABLE stored_events; --",
    "%00",
    "ＡＦＦ",
    "AFF\u200b",
    "aff",
    "-AFF",
    "A" * 64,
    "A" * 65,
    "A" * 5000,
    "0",
    "null",
    "undefined",
    "NaN",
    "\u202eFFA",
    "张三",
    "a:b.c_d-e",
]
HOSTILE_TEXT = [
    "",
    "   ",
    "\u3000",
    "张三",
    "欧阳娜娜",
    "𠀋䶮龑",
    "Jose\u0301",
    "\uf900\ufa11",
    "a\nb",
    "a\r\nb",
    "a\tb",
    "a\x00b",
    "\x1b[31mred",
    "a\x7fb",
    "\x85",
    "\u2028",
    "\u202eevil",
    "\ufeffbom",
    "\u200bzw",
    "\ud800",
    "a\udfffb",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\uffff",
    "<script>alert(1)</script>",
    "'; SELECT * FROM stored_events; --",
    "{{7*7}}",
    "${jndi:ldap://x}",
    "\\u0000",
    "x" * 199,
    "x" * 201,
    "长" * 4001,
]
PLAUSIBLE_TEXT = [
    "张三",
    "2024年党风廉政建设任务",
    "分管领导管理失职",
    "函〔2024〕3号",
    "EDU",
    "T1",
    "Plain text",
    "第一段\n第二段",
]
BAD_DATES = [
    "",
    "2024-02-30",
    "2023-02-29",
    "2024-13-01",
    "2024-00-10",
    "24-01-01",
    "2024-1-1",
    "20240101",
    "2024-W01-1",
    "+002024-01-01",
    "2024-01-01T00:00:00",
    "2024-01-01Z",
    "0000-01-01",
    "0001-01-01",
    "1949-09-30",
    "1949-10-01",
    "2100-12-31",
    "2101-01-01",
    "9999-12-31",
    "10000-01-01",
    "-2024-01-01",
    "２０２４-０１-０１",
    "today",
]
BAD_DATETIMES = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2024-01-01T00:00:00",
    "2024-01-01T25:00:00Z",
    "2024-01-01",
    "2024-06-01T12:00:00+08:00",
    "1899-12-31T23:59:59Z",
    "2101-01-01T00:00:00Z",
    "not a time",
]
HUGE_INTS = [
    0,
    -1,
    1,
    100,
    101,
    -(2**31),
    2**31 - 1,
    2**31,
    -(2**31) - 1,
    2**53 + 1,
    2**63,
    10**400,
]
LONG = [101, 201, 501, 2_001, 4_001, 20_000, 60_000]  # sizes of long strings and lists
ODD_FLOATS = [0.0, -0.0, 0.5, 1e-320, -1.0, 30.0, 30.000001, 1000.0, 1000.1, 1e308, 2**53 + 1.0]


def hostile_strings(typed: bool) -> st.SearchStrategy[str]:
    """Strings of every kind. Typed: no unpaired surrogates or NUL except from the fixed
    list, so that most requests get past the up-front refusal into the resolvers."""
    chars = (
        st.characters(codec="utf-8") if typed else st.characters(codec=None, exclude_categories=())
    )
    return st.one_of(
        st.sampled_from(HOSTILE_TEXT + ODD_IDS),
        st.text(chars, max_size=40),
        st.text(st.characters(min_codepoint=1, max_codepoint=0x9F), max_size=20),
        st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=30),
        st.builds(
            lambda c, n: c * n,
            st.sampled_from(["x", "长", "\u0301", "𠀋", "\x00"]),
            st.sampled_from(LONG),
        ),
    )


def wrong_kind() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
        st.text(max_size=5),
    )


def clipped(value: Any, limit: int = 64) -> Any:
    """`value` with its strings cut to `limit`: a huge list repeats it, and 60,000 copies of
    a 60,000-character string would be a 20 GB request (the server refuses 256 kB anyway)."""
    if isinstance(value, EnumName):
        return value
    if isinstance(value, str):
        return value[:limit]
    if isinstance(value, list):
        return [clipped(v, limit) for v in value[:limit]]
    if isinstance(value, dict):
        return {k: clipped(v, limit) for k, v in value.items()}
    return value


def approximate_size(value: Any, budget: int) -> int:
    """Characters `value` takes as JSON, roughly, counting no further than `budget`."""
    total, stack = 0, [value]
    while stack and total <= budget:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item) + 2
        elif isinstance(item, dict):
            stack.extend(item.values())
            total += sum(len(k) + 4 for k in item)
        elif isinstance(item, list):
            stack.extend(item)
            total += len(item) + 2
        else:
            total += 8
    return total


class EnumName(str):
    """An enum value: quoted in JSON variables, a bare name in a document literal."""


def dates(typed: bool) -> st.SearchStrategy[str]:
    """Typed: any date the Date scalar parses (years 1..9999); else malformed ones too."""
    choices = [
        st.dates(min_value=date(1949, 10, 1), max_value=date(2100, 12, 31)).map(str),
        st.dates(min_value=date(2023, 1, 1), max_value=date(2025, 12, 31)).map(str),
        st.dates().map(str),
        st.sampled_from(
            ["0001-01-01", "1949-09-30", "1949-10-01", "2100-12-31", "2101-01-01", "9999-12-31"]
        ),
    ]
    return st.one_of(*choices, *([] if typed else [st.sampled_from(BAD_DATES)]))


def datetimes(typed: bool) -> st.SearchStrategy[str]:
    choices = [
        st.datetimes().map(lambda d: d.isoformat() + "Z"),
        st.datetimes().map(lambda d: d.isoformat()),
        st.builds(lambda d, h: f"{d.isoformat()}{h:+03d}:00", st.datetimes(), st.integers(-14, 14)),
        st.sampled_from(BAD_DATETIMES[:2] + BAD_DATETIMES[5:8]),
    ]
    return st.one_of(*choices, *([] if typed else [st.sampled_from(BAD_DATETIMES)]))


INT32 = st.integers(-(2**31), 2**31 - 1)


def scalar(name: str, field_name: str, typed: bool) -> st.SearchStrategy[Any]:
    pool = pool_of(field_name)
    if name in ("ID", "String"):
        choices = [hostile_strings(typed)]
        if pool:
            choices = [st.sampled_from(pool)] * 3 + choices
        elif name == "String" and typed:  # plausible text, so that commands reach the domain
            choices = [st.sampled_from(PLAUSIBLE_TEXT)] * 2 + choices
        if name == "ID" and field_name == "id":  # a new entity's id: mostly well formed
            choices += [st.from_regex(r"\AFZ-[A-Za-z0-9._:-]{1,20}\Z")] * 2
        if name == "ID" and not typed:
            choices.append(INT32)
        return st.one_of(*choices)
    if name == "Int":
        extreme = [v for v in HUGE_INTS if typed is False or -(2**31) <= v < 2**31]
        return st.one_of(
            st.integers(-5, 120),
            st.sampled_from(extreme),
            INT32 if typed else st.integers(),
            *([] if typed else [st.sampled_from(["1", "NaN", "1e3", 1.5])]),
        )
    if name == "Float":
        return st.one_of(
            st.floats(-5, 120),
            st.sampled_from(ODD_FLOATS),
            st.floats(allow_nan=not typed, allow_infinity=not typed),
            st.sampled_from([v for v in HUGE_INTS if typed is False or abs(v) < 2**53]),
            *([] if typed else [st.sampled_from(["1.5", "NaN", "Infinity"])]),
        )
    if name == "Boolean":
        return st.booleans() if typed else st.one_of(st.booleans(), st.sampled_from(["true", 0]))
    if name == "Date":
        return dates(typed)
    if name == "DateTime":
        return datetimes(typed)
    if name == "JSON":
        return st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=5),
            lambda c: st.lists(c, max_size=3),
            max_leaves=5,
        )
    raise AssertionError(f"no strategy for scalar {name}: add one")


_STRATEGIES: dict[tuple[int, str, bool, int], st.SearchStrategy[Any]] = {}


def value_of(type_: Any, field_name: str, typed: bool, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values for `type_`. Typed: every value has the GraphQL type (its content hostile);
    else now and then the wrong kind, null for non-null, a missing or unknown field.
    Built once per type, name and depth: building strategies is what costs."""
    key = (id(type_), field_name, typed, min(depth, 3))
    if key not in _STRATEGIES:
        _STRATEGIES[key] = _value_of(type_, field_name, typed, depth)
    return _STRATEGIES[key]


def _value_of(
    type_: Any, field_name: str, typed: bool, depth: int, non_null: bool = False
) -> st.SearchStrategy[Any]:
    if isinstance(type_, GraphQLNonNull):
        inner = _value_of(type_.of_type, field_name, typed, depth, non_null=True)
        return inner if typed else st.one_of(inner, inner, inner, inner, inner, wrong_kind())
    nullable = [] if non_null else [st.none()]
    if isinstance(type_, GraphQLList):
        item = value_of(type_.of_type, field_name, typed, depth + 1)
        return st.one_of(
            *nullable,
            st.lists(item, max_size=4),
            st.lists(item, min_size=1, max_size=4),
            st.builds(lambda x, n: [clipped(x)] * n, item, st.sampled_from(LONG)),  # huge
        )
    if isinstance(type_, GraphQLEnumType):
        valid = st.sampled_from(sorted(type_.values)).map(EnumName)
        junk = st.sampled_from(["", "organ", "ORGAN ", "NONE", "null"]).map(EnumName)
        return st.one_of(*nullable, valid, *([] if typed else [junk]))
    if isinstance(type_, GraphQLScalarType):
        value = scalar(type_.name, field_name, typed)
        return st.one_of(*nullable, value, value, value)
    if isinstance(type_, GraphQLInputObjectType):
        return st.one_of(*nullable, input_object(type_, typed, depth))
    raise AssertionError(f"no strategy for {type_}")


def input_object(
    type_: GraphQLInputObjectType, typed: bool, depth: int = 0
) -> st.SearchStrategy[dict]:
    required, optional = {}, {}
    for name, f in type_.fields.items():
        strategy = value_of(f.type, name, typed, depth + 1)
        if isinstance(f.type, GraphQLNonNull) and f.default_value is None:
            required[name] = strategy
        else:
            optional[name] = strategy
    whole = st.fixed_dictionaries(required, optional=optional)
    if typed:
        return whole
    return st.one_of(
        whole,
        whole,
        # a required field missing, or an unknown one added
        st.tuples(whole, st.sampled_from(sorted(type_.fields))).map(
            lambda t: {k: v for k, v in t[0].items() if k != t[1]}
        ),
        st.tuples(whole, st.sampled_from(["__proto__", "extra", "id ", "ID"])).map(
            lambda t: {**t[0], t[1]: 1}
        ),
    )


def literal(value: Any) -> str:
    """`value` as a GraphQL literal (json.dumps escapes strings as GraphQL does)."""
    if isinstance(value, EnumName):
        return str(value) if value.isidentifier() else json.dumps(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {literal(v)}" for k, v in value.items()) + "}"
    raise AssertionError(repr(value))


# ---------------------------------------------------------------------- the app under fire


class Target:
    """Posts raw JSON (so unpaired surrogates and NaN survive) and judges every answer.

    A bad answer is recorded rather than raised, so that a run goes on to survey every
    kind of failure (and does not spend minutes shrinking); each test ends by asserting
    that it recorded none, listing the shortest example of each kind."""

    def __init__(self, world: World, store: str):
        self.world, self.store = world, store
        self.gql = world.gql
        self.outcomes: Counter[str] = Counter()
        self.failures: dict[str, list[str]] = {}
        self.accepted = 0  # mutations accepted (and checked) since the last verdict
        gql = world.gql
        self.tokens = [gql.token("ADMIN", "fuzz-admin")] * 6 + [
            gql.token("RECORDER", "fuzz-recorder-aff", ["AFF"]),
            gql.token("BRANCH", "fuzz-branch-zb", ["ZB"]),
            gql.token("APPRAISER", "fuzz-appraiser", None),
            gql.token("VIEWER", "fuzz-viewer"),
            gql.token("INSPECTOR", "fuzz-inspector"),
        ]

    def send(
        self, token: str, query: str, variables: Any = None, operation_name: str | None = None
    ) -> tuple[int, dict | None, str]:
        payload: dict[str, Any] = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        if operation_name is not None:
            payload["operationName"] = operation_name
        body = json.dumps(payload, ensure_ascii=True, allow_nan=True).encode()
        response = self.gql.http.post(
            "/graphql",
            content=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        parsed = None
        if response.headers.get("content-type", "").startswith("application/json"):
            parsed = response.json()
        return response.status_code, parsed, response.text

    def attempt(
        self, token: str, query: str, variables: Any = None, operation_name: Any = None
    ) -> None:
        if approximate_size([query, variables], MAX_REQUEST_CHARS) > MAX_REQUEST_CHARS:
            self.outcomes["not sent (over 2M characters)"] += 1
            return
        head = self.gql.head()
        status, body, text = self.send(token, query, variables, operation_name)
        sent = json.dumps([query, variables], ensure_ascii=False, default=str)
        problem = self.judge(status, body, text, head, sent)
        if not problem and query.lstrip().startswith("mutation"):
            problem = self.check_accepted(token, body, head)
        if problem:
            kind, detail = problem
            for alias, field_name in re.findall(r"(r\d): (\w+)", query):
                kind = kind.replace(f" at {alias}", f" at {field_name}")
            example = f"{detail}\n      request: {json.dumps([query, variables])[:1500]}"
            self.failures.setdefault(kind, []).append(example)

    def judge(
        self, status: int, body: dict | None, text: str, head: int, sent: str = ""
    ) -> tuple | None:
        # A leak is text the server made up: a value the request itself carried and the
        # answer echoes (a generated string "psycopg_pool" named in a refusal) is not one.
        leaked = [leak for leak in LEAKS if leak in text and leak not in sent]
        if leaked or status not in (200, 400, 413):
            where = _where(body)
            return (
                f"{'leaked ' + ','.join(leaked) if leaked else f'HTTP {status}'} at {where}",
                text[:600],
            )
        if status != 200:
            self.outcomes[f"HTTP {status}"] += 1
            if self.gql.head() != head:
                return f"HTTP {status} yet the log moved", text[:600]
            return None
        if body is None:
            return "not JSON", text[:600]
        errors = body.get("errors") or []
        codes = [(e.get("extensions") or {}).get("code") for e in errors]
        if not set(codes) <= TYPED:
            return f"codes {sorted(map(str, set(codes) - TYPED))} at {_where(body)}", text[:600]
        self.outcomes[codes[0] if errors else "data"] += 1
        if not errors and body.get("data") is None:
            return "neither data nor errors", text[:600]
        if errors and body.get("data") is None and self.gql.head() != head:
            return f"refused ({codes[0]}) yet the log moved", text[:600]
        return None

    def check_accepted(self, token: str, body: dict | None, head: int) -> tuple | None:
        """An accepted mutation's answer must match what the log recorded."""
        data = (body or {}).get("data") or {}
        results = [v for v in data.values() if isinstance(v, dict) and "position" in v]
        if (body or {}).get("errors") or not results:
            return None
        self.accepted += 1
        result = results[0]
        subject = jwt.decode(token, options={"verify_signature": False})["sub"]
        if not head < result["position"] <= self.gql.head():
            return "accepted at a position the log does not have", json.dumps(result)
        events = self.gql.data(
            "query($a: Int!, $n: Int!) { events(after: $a, first: $n) { events "
            "{ position entityId actor } } }",
            {"a": head, "n": min(500, result["position"] - head)},
        )["events"]["events"]
        if {e["actor"] for e in events} != {subject}:
            return "accepted events recorded by someone else", json.dumps([subject, events])
        entities = {e["entityId"] for e in events}
        # the entity itself, or a part of it (a decision `CASE/D7` of case CASE)
        if not any(result["id"] == e or result["id"].startswith(f"{e}/") for e in entities):
            return "accepted events name another entity", json.dumps([result, events])
        return None

    def verdict(self) -> None:
        failures, self.failures = self.failures, {}
        assert not failures, "\n".join(
            f"{kind} ({len(examples)}x), e.g.:\n    {min(examples, key=len)}"
            for kind, examples in failures.items()
        )


def _where(body: dict | None) -> str:
    paths = [e.get("path") for e in (body or {}).get("errors") or [] if e.get("path")]
    return "/".join(str(p) for p in paths[0]) if paths else "-"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def target(request, tmp_path_factory) -> Iterator[Target]:
    with served_ledger(request.param, tmp_path_factory.mktemp(f"fuzz-{request.param}")) as gql:
        t = Target(World(gql).build(), request.param)
        yield t
        print(f"\nfuzz outcomes ({request.param}): {dict(t.outcomes)}")


@pytest.fixture
def counted(target: Target, request) -> Iterator[Target]:
    """Counts the answers of one test; with LEDGER_FUZZ_REPORT=FILE appends a JSON line
    (test, examples, seconds, outcomes) to FILE."""
    before, started = Counter(target.outcomes), time.perf_counter()
    yield target
    outcomes = target.outcomes - before
    report = os.environ.get("LEDGER_FUZZ_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as f:
            line = {
                "test": request.node.name,
                "examples": sum(outcomes.values()),
                "seconds": round(time.perf_counter() - started, 2),
                "outcomes": dict(outcomes),
            }
            f.write(json.dumps(line, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------------- input rules, by example
# (Run before the fuzz, on the world as built.)


def outcome(world: World, mutation: str, input_: dict[str, Any]) -> str:
    """'ok' or the error code; a refusal must leave the log as it was."""
    gql, head = world.gql, world.gql.head()
    body = gql.post(mutation_document(mutation), {"input": input_})
    if body.get("errors"):
        assert gql.head() == head, f"{mutation} refused yet the log moved"
        return body["errors"][0]["extensions"]["code"]
    assert gql.head() > head
    return "ok"


def person_name(world: World, pid: str) -> str:
    return world.gql.data("query($i: ID!) { person(id: $i) { name } }", {"i": pid})["person"][
        "name"
    ]


@pytest.mark.parametrize(
    "name", ["张三", "欧阳娜娜", "𠀋䶮龑", "阿卜杜勒·买买提", "王\u3000五", "José"]
)
def test_chinese_and_other_names_round_trip_exactly(target: Target, name: str):
    world = target.world
    pid, uid = world.fresh("P"), world.fresh("U")
    assert outcome(world, "registerPerson", {"id": pid, "name": name}) == "ok"
    assert person_name(world, pid) == name
    assert (
        outcome(
            world,
            "registerUnit",
            {"id": uid, "name": name + "办公室", "kind": "DEPARTMENT", "parentId": "ORG"},
        )
        == "ok"
    )
    r = world.gql.http.post(
        "/graphql",
        json={"query": f'{{ unit(id: "{uid}") {{ name }} }}'},
        headers={"Authorization": f"Bearer {world.gql.token()}"},
    )
    assert r.json()["data"]["unit"]["name"] == name + "办公室"
    assert name in r.content.decode("utf-8")  # as itself on the wire, not as \u escapes


@pytest.mark.parametrize(
    "given_, stored",
    [
        ("Jose\u0301", "José"),  # NFC composes
        ("\u1112\u1161\u11ab", "한"),  # Hangul jamo compose
        ("\uf900", "\u8c48"),  # a CJK compatibility ideograph has a canonical twin: NFC takes it
        ("  张三  ", "张三"),
        ("\u3000张三\u3000", "张三"),
    ],
)
def test_names_are_stored_nfc_and_trimmed(target: Target, given_: str, stored: str):
    world = target.world
    pid = world.fresh("P")
    assert outcome(world, "registerPerson", {"id": pid, "name": given_}) == "ok"
    assert person_name(world, pid) == stored


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "\u3000",
        "a\x00b",
        "\x1b[31m",
        "a\x7fb",
        "a\x85b",
        "a\tb",
        "a\nb",
        "a\rb",
        "a\u2028b",
        "\u202eevil",
        "zero\u200bwidth",
        "\ufeffbom",
        "a\ufffeb",
        "a\U0010ffffb",
        "x" * 101,
        "长" * 101,
    ],
)
def test_bad_names_are_refused_and_append_nothing(target: Target, name: str):
    assert (
        outcome(target.world, "registerPerson", {"id": target.world.fresh("P"), "name": name})
        == "BAD_INPUT"
    )


def test_text_lengths_are_bounded_where_they_are_set(target: Target):
    w = target.world
    assert outcome(w, "registerPerson", {"id": w.fresh("P"), "name": "名" * 100}) == "ok"
    assert outcome(w, "registerPerson", {"id": w.fresh("P"), "name": "𠀋" * 100}) == "ok"
    unit = {"kind": "DEPARTMENT", "parentId": "ORG"}
    assert outcome(w, "registerUnit", {"id": w.fresh("U"), "name": "处" * 200, **unit}) == "ok"
    assert (
        outcome(w, "registerUnit", {"id": w.fresh("U"), "name": "处" * 201, **unit}) == "BAD_INPUT"
    )
    case = w.case_input("x")
    multi = "第一段\n第二段\r\n\t缩进"
    assert outcome(w, "registerCase", {**case, "id": w.fresh("C"), "summary": multi}) == "ok"
    assert outcome(w, "registerCase", {**case, "id": w.fresh("C"), "summary": "案" * 4000}) == "ok"
    assert (
        outcome(w, "registerCase", {**case, "id": w.fresh("C"), "summary": "案" * 4001})
        == "BAD_INPUT"
    )
    assert (
        outcome(w, "registerCase", {**case, "id": w.fresh("C"), "summary": "a\x0bb"}) == "BAD_INPUT"
    )


@pytest.mark.parametrize(
    "id_, ok",
    [
        ("A", True),
        ("a" * 64, True),
        ("ZJ-FGW.2024:x_1", True),
        ("", False),
        ("-A", False),
        (".A", False),
        ("A B", False),
        ("A\n", False),
        ("A\r\n", False),
        ("ＡＢ", False),
        ("张三", False),
        ("a" * 65, False),
        ("A/B", False),
        ("A%00", False),
        ("A'--", False),
        ("A\u200b", False),
    ],
)
def test_ids_are_short_ascii_tokens(target: Target, id_: str, ok: bool):
    got = outcome(target.world, "registerPerson", {"id": id_, "name": "某人"})
    assert got == ("ok" if ok else "BAD_INPUT")


@pytest.mark.parametrize(
    "day, ok",
    [
        ("1949-10-01", True),
        ("2100-12-31", True),
        ("1949-09-30", False),
        ("2101-01-01", False),
        ("0001-01-01", False),
        ("9999-12-31", False),
    ],
)
def test_valid_time_dates_lie_in_a_sane_range(target: Target, day: str, ok: bool):
    w = target.world
    pid = w.fresh("P")
    assert outcome(w, "registerPerson", {"id": pid, "name": "某人"}) == "ok"
    got = outcome(w, "assumePost", {"personId": pid, "unitId": "AFF", "role": "STAFF", "from": day})
    assert got == ("ok" if ok else "BAD_INPUT")


@pytest.mark.parametrize(
    "day",
    [
        "2024-02-30",
        "2023-02-29",
        "24-1-1",
        "",
        "2024/01/01",
        "today",
        "２０２４-０１-０１",
        "2024-01-01T00:00:00",
    ],
)
def test_malformed_dates_are_bad_input(target: Target, day: str):
    """(The Date scalar also takes ISO 8601's basic and week forms, 20240101 and 2024-W01-1,
    as the same day: lenient, not ambiguous.)"""
    w = target.world
    got = outcome(
        w, "assumePost", {"personId": "P-STAFF", "unitId": "DEP", "role": "STAFF", "from": day}
    )
    assert got == "BAD_INPUT"


def test_scores_and_progress_keep_their_ranges(target: Target):
    w = target.world
    score = {"cycleId": "EV-1", "unitId": "AFF", "criterion": "EDU"}
    for points, expected in (
        (0, "ok"),
        (30, "ok"),
        (30.01, "BAD_INPUT"),
        (-0.5, "BAD_INPUT"),
        (1e308, "BAD_INPUT"),
    ):
        assert outcome(w, "recordScore", {**score, "points": points}) == expected, points
    adjust = {"cycleId": "EV-1", "unitId": "AFF", "reason": "原因"}
    for mutation in ("deductScore", "addBonus"):
        for points, expected in (
            (0, "BAD_INPUT"),
            (0.01, "ok"),
            (1000, "ok"),
            (1000.01, "BAD_INPUT"),
            (-1, "BAD_INPUT"),
        ):
            assert outcome(w, mutation, {**adjust, "points": points}) == expected, (
                mutation,
                points,
            )
    cycle = w.cycle_input("x")
    assert (
        outcome(
            w, "openEvaluationCycle", {**cycle, "id": w.fresh("EV"), "passiveCaseDeduction": 1000.5}
        )
        == "BAD_INPUT"
    )
    assert (
        outcome(w, "openEvaluationCycle", {**cycle, "id": w.fresh("EV"), "year": 1948})
        == "BAD_INPUT"
    )
    assert (
        outcome(
            w,
            "openEvaluationCycle",
            {
                **cycle,
                "id": w.fresh("EV"),
                "criteria": [{"code": "A", "title": "t", "maxPoints": 0.1}],
            },
        )
        == "BAD_INPUT"
    )
    progress = {"letterId": "L-1", "taskId": "T1", "note": "进展", "on": "2024-05-01"}
    for percent in (-1, 101, 2**31 - 1):
        assert outcome(w, "reportTaskProgress", {**progress, "percent": percent}) == "BAD_INPUT"


def test_grade_bands_are_bounded_like_points(target: Target):
    w = target.world
    cycle = {
        **w.cycle_input("x"),
        "id": w.fresh("EV"),
        "gradeBands": {"excellent": 1e300, "good": 80, "pass": 60},
    }
    assert outcome(w, "openEvaluationCycle", cycle) == "BAD_INPUT"


def test_a_cycle_has_a_bounded_number_of_criteria(target: Target):
    w = target.world
    criteria = [{"code": f"C{i}", "title": "指标", "maxPoints": 1} for i in range(1001)]
    cycle = {**w.cycle_input("x"), "id": w.fresh("EV"), "criteria": criteria}
    assert outcome(w, "openEvaluationCycle", cycle) == "BAD_INPUT"


def test_a_correction_restates_a_bounded_number_of_periods(target: Target):
    w = target.world
    periods = [
        {
            "holderId": "P-LEAD",
            "from": f"{1950 + i // 12}-{i % 12 + 1:02d}-01",
            "to": f"{1950 + i // 12}-{i % 12 + 1:02d}-02",
        }
        for i in range(1001)
    ]
    got = outcome(
        w, "correctResponsibility", {"itemId": "IT-1", "periods": periods, "reason": "全部重述"}
    )
    assert got == "BAD_INPUT"


# ---------------------------------------------------------------------- (a) mutations


MUTATIONS = sorted(mutation_fields())


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_mutation_inputs_fuzz(counted: Target, mutation: str):
    target = counted
    field_ = mutation_fields()[mutation]
    input_type = get_named_type(field_.args["input"].type)
    typed = value_of(field_.args["input"].type, "input", True)
    sloppy = value_of(field_.args["input"].type, "input", False)
    # a valid input (as the permission matrix builds it) with one field made hostile, so
    # that most of the command's checks run and some inputs succeed
    baseline = as_typed(ENTRIES[mutation].prepare(target.world), input_type)
    strategy = st.tuples(
        st.one_of(typed, typed, sloppy, *[one_field_off(baseline, input_type)] * 3),
        st.sampled_from(target.tokens),
        st.sampled_from(["variables", "variables", "variables", "literal", "nullable-variable"]),
    )

    valid = ENTRIES[mutation].prepare(target.world)

    @FUZZ
    @given(case=strategy)
    @example(case=(valid, target.tokens[0], "variables"))
    def run(case):
        input_, token, mode = case
        if mode == "literal":
            query = f"mutation {{ {mutation}(input: {literal(input_)}) {{ id position }} }}"
            variables = None
        else:
            declared = f"{input_type.name}{'!' if mode == 'variables' else ''}"
            query = (
                f"mutation F($input: {declared}) {{ {mutation}(input: $input) {{ id position }} }}"
            )
            variables = {"input": input_}
        target.attempt(token, query, variables)

    target.accepted = 0
    run()
    accepted, target.accepted = target.accepted, 0
    target.verdict()
    assert accepted >= 1, f"no example of {mutation} was accepted: the fuzz only saw refusals"


def as_typed(value: Any, type_: Any) -> Any:
    """`value` with the strings that stand for enum values marked as such (for literals)."""
    type_ = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if value is None:
        return None
    if isinstance(type_, GraphQLList):
        return [as_typed(v, type_.of_type) for v in value]
    if isinstance(type_, GraphQLEnumType):
        return EnumName(value)
    if isinstance(type_, GraphQLInputObjectType):
        return {k: as_typed(v, type_.fields[k].type) for k, v in value.items()}
    return value


def one_field_off(baseline: dict, input_type: GraphQLInputObjectType) -> st.SearchStrategy[dict]:
    """`baseline` with one field, or one field of its first list element, given a hostile
    but well-typed value."""

    def replace(name: str) -> st.SearchStrategy[dict]:
        f = input_type.fields[name]
        inner = get_named_type(f.type)
        top = value_of(f.type, name, True).map(lambda v: {**baseline, name: v})
        items = baseline.get(name)
        if isinstance(inner, GraphQLInputObjectType) and isinstance(items, list) and items:
            nested = st.sampled_from(sorted(inner.fields)).flatmap(
                lambda sub: value_of(inner.fields[sub].type, sub, True).map(
                    lambda v: {**baseline, name: [{**items[0], sub: v}, *items[1:]]}
                )
            )
            return st.one_of(top, nested, nested)
        return top

    return st.sampled_from(sorted(input_type.fields)).flatmap(replace)


# ---------------------------------------------------------------------- (b) query documents


def arguments(field_: Any, draw: Any, typed: bool) -> str:
    parts = []
    for name, arg in field_.args.items():
        required = isinstance(arg.type, GraphQLNonNull)
        if not required and draw(st.integers(0, 2)) == 0:
            continue
        if required and not typed and draw(st.integers(0, 10)) == 0:
            continue  # a required argument missing
        parts.append(f"{name}: {literal(draw(value_of(arg.type, name, typed)))}")
    if not typed and draw(st.integers(0, 10)) == 0:
        parts.append("bogus: 1")
    return f"({', '.join(parts)})" if parts else ""


DIRECTIVES = ["", "", "", " @include(if: true)", " @skip(if: false)", " @skip(if: true)"]


def selection(type_: Any, draw: Any, depth: int, typed: bool, level: int = 0) -> str:
    """A random selection: wide near the root, a single chain further down (so that deep
    documents stay small)."""
    named = get_named_type(type_)
    if not isinstance(named, GraphQLObjectType):
        return ""
    if depth <= 0:
        return " { __typename }"
    names = sorted(named.fields)
    width = 3 if level < 2 else 1
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=width, unique=True))
    parts = []
    for n, name in enumerate(chosen):
        f = named.fields[name]
        alias = f"a{n}_{name}: " if draw(st.integers(0, 5)) == 0 else ""
        directive = draw(
            st.sampled_from(DIRECTIVES + ([] if typed else [" @deprecated", " @include"]))
        )
        parts.append(
            f"{alias}{name}{arguments(f, draw, typed)}{directive}"
            f"{selection(f.type, draw, depth - 1, typed, level + 1)}"
        )
    if draw(st.integers(0, 6)) == 0:
        parts.append(f"... on {named.name} {{ __typename }}")
    if not typed and draw(st.integers(0, 5)) == 0:
        parts.append("... on Query { __typename }")  # a fragment on the wrong type
    return " { " + " ".join(parts) + " }"


@st.composite
def query_document(draw: Any, root: str) -> str:
    """Mostly valid documents (hostile argument values, depth up to past the limit), else
    ill-typed ones, or the wrong operation keyword, or corrupted text."""
    fields_ = query_fields()
    typed = draw(st.integers(0, 3)) > 0
    roots = [root] + draw(st.lists(st.sampled_from(sorted(fields_)), max_size=2))
    depth = draw(st.one_of(st.integers(1, 4), st.integers(1, 4), st.integers(5, 16)))
    body = " ".join(
        f"r{n}: {name}{arguments(fields_[name], draw, typed)}"
        f"{selection(fields_[name].type, draw, depth, typed)}"
        for n, name in enumerate(roots)
    )
    keyword = (
        "query" if typed else draw(st.sampled_from(["query Q", "", "mutation", "subscription"]))
    )
    document = f"{keyword} {{ {body} }}"
    if not typed and draw(st.booleans()):  # corrupt it
        at = draw(st.integers(0, len(document)))
        junk = draw(
            st.text(st.sampled_from('{}()[]:$@!."\\#,=|&' + string.ascii_letters), max_size=5)
        )
        cut = draw(st.integers(0, 10))
        document = document[:at] + junk + document[at + cut :]
    return document


@pytest.mark.parametrize("root", sorted(query_fields()))
def test_query_documents_fuzz(counted: Target, root: str):
    target = counted

    @FUZZ
    @given(document=query_document(root), token=st.sampled_from(target.tokens))
    def run(document, token):
        target.attempt(token, document)

    run()
    target.verdict()


ALIASES = st.integers(1, 80).map(
    lambda n: "{ " + " ".join(f"a{i}: units {{ id }}" for i in range(n)) + " }"
)
NESTED = st.integers(1, 60).map(lambda n: "{ units " + "{ parent " * n + "{ id }" + " }" * n + " }")
INTROSPECTION = st.sampled_from(
    [
        "{ __schema { types { name fields { name args { name type { name } } } } } }",
        '{ __type(name: "Query") { fields { name type { ofType { ofType { name } } } } } }',
        "{ __schema { queryType { fields { type { fields { type { fields { name } } } } } } } }",
    ]
)


FRAGMENT_CHAIN = st.integers(1, 10).map(
    lambda k: (
        f"{{ units {{ ...F{k - 1} }} }} fragment F0 on Unit {{ a: id }}"
        + "".join(f" fragment F{i} on Unit {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, k))
    )
)
MALFORMED = st.one_of(
    st.text(max_size=200),
    st.text(st.sampled_from('{}()[]:$@!."\\#,= \nabcquery'), max_size=300),
    ALIASES,
    NESTED,
    INTROSPECTION,
    FRAGMENT_CHAIN,
    st.builds(lambda n: "{" * n + "}" * n, st.integers(1, 5000)),
    st.builds(
        lambda n: "query Q($v: [[[ID]]]) { __typename }".replace("[[[", "[" * n), st.integers(1, 50)
    ),
    st.just("query A { units { id } } query B { units { id } }"),
    st.just("fragment F on Unit { ...F } { units { ...F } }"),
    st.just("subscription { ledgerEvents { position } }"),
)


def test_malformed_documents_fuzz(counted: Target):
    target = counted

    @FUZZ
    @given(
        document=MALFORMED,
        operation_name=st.one_of(st.none(), st.text(max_size=10), st.just("A"), st.integers()),
        variables=st.one_of(
            st.none(), st.dictionaries(st.text(max_size=5), wrong_kind(), max_size=3)
        ),
        token=st.sampled_from(target.tokens),
    )
    def run(document, operation_name, variables, token):
        target.attempt(token, document, variables, operation_name)

    run()
    target.verdict()
