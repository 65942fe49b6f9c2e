"""The web front's server side: the page and its assets offline, the permission table it
hides pages by, the evaluation export behind its buttons, and the queries it needs."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from ledger import demo, permissions
from ledger.api.web import CSP, WEB_STATIC_DIR, permission_table

ASSETS = WEB_STATIC_DIR / "assets"
ACCESS = """query($entity: ID) { accessLog(entityId: $entity) { records { actor operation } } }"""


@pytest.fixture
def demo_world(gql):
    demo.load(gql.ledger)
    return gql


def test_the_root_leads_to_the_page_which_loads_nothing_from_elsewhere(gql):
    http = gql.http
    assert http.get("/", follow_redirects=False).headers["location"] == "/web/"
    page = http.get("/web/")
    assert page.status_code == 200 and page.headers["content-security-policy"] == CSP
    assert "default-src 'none'" in CSP and "script-src 'self';" in CSP
    for src in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        if src.startswith("data:"):
            continue
        assert not src.startswith(("http:", "https:", "//")), src
        assert http.get(f"/web/{src}").status_code == 200, src


def _modules() -> list[Path]:
    return sorted(p for p in ASSETS.rglob("*.js") if "vendor" not in p.parts)


def test_every_module_imports_only_files_that_are_served_and_nothing_remote(gql):
    """No build step: what the page imports is on disk as it is imported, and served."""
    assert len(_modules()) >= 5
    for module in [*_modules(), ASSETS / "vendor/graphql-ws/client.js"]:
        text = module.read_text(encoding="utf-8")
        if "vendor" not in module.parts:  # (the vendored files name sites in comments)
            assert not re.search(r"""https?://(?!www\.w3\.org)""", text), module
        for target in re.findall(r"""(?:import|from)\s*\(?\s*["'`](\.[^"'`$]+)["'`]""", text):
            resolved = (module.parent / target).resolve()
            assert resolved.is_file(), f"{module.name} imports {target}"
            url = "/web/assets/" + resolved.relative_to(ASSETS.resolve()).as_posix()
            response = gql.http.get(url)
            assert response.status_code == 200 and "javascript" in response.headers["content-type"]
    css = (ASSETS / "style.css").read_text(encoding="utf-8")
    assert "url(" not in css and "Noto Sans CJK SC" in css


def test_the_vendored_libraries_name_their_versions_and_licences():
    versions = (ASSETS / "vendor/VERSIONS.txt").read_text(encoding="utf-8")
    for name in ("echarts", "graphql-ws"):
        assert re.search(rf"^{name}\s+\d+\.\d+\.\d+", versions, re.M), name
        assert re.search(rf"{name}@\S+\s+sha512-", versions), name
    assert (ASSETS / "vendor/echarts/LICENSE").is_file()
    assert (ASSETS / "vendor/graphql-ws/LICENSE.md").is_file()


def test_permissions_json_is_the_permission_table(gql):
    served = gql.http.get("/web/permissions.json").json()
    assert served == permission_table()
    assert set(served["reads"]) == set(permissions.READS)
    assert served["reads"]["Query.history"]["roles"] == sorted(permissions.RAW_EVENT_READERS)
    assert served["reads"]["Query.verifyLedger"]["wholeLog"] is True
    assert served["writes"]["recordScore"] == sorted(permissions.APPRAISING)


def test_labels_name_the_score_rules_too(gql):
    labels = gql.data("{ labels { enum value label } }", role="VIEWER")["labels"]
    assert {"enum": "ScoreRule", "value": "PASSIVE_CASE", "label": "被动查处扣分"} in labels
    assert {"enum": "UnitKind", "value": "AFFILIATED_UNIT", "label": "直属单位"} in labels


CYCLES = """query($year: Int, $unit: ID) { evaluationCycles(year: $year, unitId: $unit) {
  id year units { id } } }"""


def test_evaluation_cycles_are_found_by_year_and_by_a_unit_above_them(demo_world):
    gql = demo_world
    assert [c["id"] for c in gql.data(CYCLES, role="VIEWER")["evaluationCycles"]] == ["EV-2024"]
    assert gql.data(CYCLES, {"year": 2023}, role="VIEWER")["evaluationCycles"] == []
    by_organ = gql.data(CYCLES, {"unit": "ZJ-FGW"}, role="VIEWER")["evaluationCycles"]
    assert [c["id"] for c in by_organ] == ["EV-2024"], "the organ finds its affiliated units'"
    assert gql.data(CYCLES, {"unit": "ZJ-CZT"}, role="VIEWER")["evaluationCycles"] == []
    scoped = gql.token("VIEWER", units=["ZJ-FGW-XXZX"])
    found = gql.data(CYCLES, token=scoped)["evaluationCycles"]
    assert found[0]["units"] == [{"id": "ZJ-FGW-XXZX"}], "only the units in scope"
    elsewhere = gql.token("VIEWER", units=["ZJ-CZT"])
    assert gql.data(CYCLES, token=elsewhere)["evaluationCycles"] == []
    assert gql.error_code(CYCLES, {"unit": "ZJ-FGW"}, token=elsewhere) == "FORBIDDEN"


def _export(gql, token: str | None, **params: str):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    query = {"cycle": "EV-2024", "format": "csv", "lang": "zh", **params}
    return gql.http.get("/web/export/evaluation", params=query, headers=headers)


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_export_buttons_get_the_cycle_as_the_token_may_see_it(demo_world):
    gql = demo_world
    admin = gql.token("ADMIN")
    before = len(gql.data(ACCESS, {"entity": "CASE-2024-010"}, token=admin)["accessLog"]["records"])

    viewer = _export(gql, gql.token("VIEWER", "dash"))
    assert viewer.status_code == 200 and viewer.headers["content-type"].startswith("text/csv")
    assert "EV-2024.csv" in viewer.headers["content-disposition"]
    rows = _rows(viewer)
    assert rows[0][:2] == ["单位编码", "单位"] and len(rows) == 4
    jjs = next(r for r in rows if r[0] == "ZJ-FGW-JJS")
    assert "班子成员违纪违法一票否决（案件 CASE-2024-010）" in jjs, "rule and case, not who"
    assert "单位主要负责人" not in ";".join(jjs)
    after_viewer = gql.data(ACCESS, {"entity": "CASE-2024-010"}, token=admin)
    assert len(after_viewer["accessLog"]["records"]) == before, "no personal data, no record"

    appraiser = _export(gql, gql.token("APPRAISER", "kp"))
    assert any(
        "一票否决" in cell for cell in next(r for r in _rows(appraiser) if r[0] == "ZJ-FGW-JJS")
    )
    records = gql.data(ACCESS, {"entity": "CASE-2024-010"}, token=admin)["accessLog"]["records"]
    assert records[-1] == {"actor": "kp", "operation": "GET /web/export/evaluation"}

    scoped = _rows(_export(gql, gql.token("APPRAISER", units=["ZJ-FGW-NYJ"])))
    assert [r[0] for r in scoped[1:]] == ["ZJ-FGW-NYJ"]

    xlsx = _export(gql, gql.token("VIEWER"), format="xlsx", lang="en")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_the_export_refuses_like_the_api(demo_world):
    gql = demo_world
    assert _export(gql, None).status_code == 401
    assert _export(gql, "nonsense").json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert _export(gql, gql.token("VIEWER"), cycle="EV-1999").status_code == 404
    elsewhere = gql.token("VIEWER", units=["ZJ-CZT"])
    assert _export(gql, elsewhere).status_code == 404, "outside the scope: as if absent"
    assert _export(gql, gql.token("VIEWER"), format="pdf").status_code == 400
