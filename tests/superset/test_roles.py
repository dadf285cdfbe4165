"""Roles of infra/superset/roles.yml, checked through Superset's API as each example user (session-cookie
login, as a browser): dashboard grants, no SQL Lab but for analysts and admin, no dataset access outside a
granted dashboard, and the territorial manager's row-level security (every territory, every chart)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from asset_files import load_assets
from roles_matrix import ACCOUNTS, CONF, allowed, role_name, territory_user
from superset_api import SupersetClient

pytestmark = pytest.mark.slow

PANORAMA = "panorama-social"


@pytest.fixture(scope="module")
def clients(superset_server):
    made = {
        role: SupersetClient(superset_server.base_url, user, superset_server.password_of(user) if user else None)
        for role, user in ACCOUNTS.items()
    }
    yield made
    for c in made.values():
        c.http.close()


@pytest.fixture(scope="module")
def database_id(clients) -> int:
    r = clients["admin"].get("/api/v1/database/")
    r.raise_for_status()
    return next(d["id"] for d in r.json()["result"] if d["database_name"] == "Observatoire (entrepôt publié)")


def test_every_dashboard_lists_the_roles_of_roles_yml(clients):
    for dash in load_assets().of("dashboards").values():
        r = clients["admin"].get(f"/api/v1/dashboard/{dash['slug']}")
        r.raise_for_status()
        granted = {x["name"] for x in r.json()["result"]["roles"]}
        expected = {role_name(k) for k in CONF["dashboards"].get(dash["slug"], CONF["dashboards"]["default"])}
        assert granted == expected, dash["slug"]


@pytest.mark.parametrize("role", sorted(ACCOUNTS))
def test_each_role_sees_exactly_its_dashboards(clients, role, restricted_dashboard):
    r = clients[role].get("/api/v1/dashboard/", params={"q": json.dumps({"page_size": 100})})
    assert r.status_code == 200, r.text[:300]
    listed = {d["slug"] for d in r.json()["result"]}
    expected = {d["slug"] for d in load_assets().of("dashboards").values() if allowed(d["slug"], role)}
    if role in ("admin", "analyste"):
        expected.add(restricted_dashboard)
    assert listed == expected
    if role == "public":
        assert listed == {PANORAMA}, "anonymous visitors see the Panorama only"
    r = clients[role].get(f"/api/v1/dashboard/{restricted_dashboard}")
    assert (r.status_code == 200) == (role in ("admin", "analyste")), f"{role}: HTTP {r.status_code}"


@pytest.mark.parametrize("role", sorted(ACCOUNTS))
def test_sql_lab_for_analysts_and_admin_only(clients, database_id, role):
    r = clients[role].sql(database_id, "select count(*) as n from marts.dim_territoire")
    if role in ("admin", "analyste"):
        assert r.status_code == 200 and r.json()["data"][0]["n"] > 0, r.text[:300]
    else:
        assert r.status_code in (401, 403), f"{role} reached SQL Lab: HTTP {r.status_code} {r.text[:200]}"
    page = clients[role].get("/sqllab/", allow_redirects=False)
    assert (page.status_code == 200) == (role in ("admin", "analyste")), page.status_code


def _panorama_queries(client, columns):
    """Every chart of the Panorama, asked for `columns` in the dashboard's context (as the page asks)."""
    dash = client.get(f"/api/v1/dashboard/{PANORAMA}").json()["result"]
    for chart in client.dashboard_charts(PANORAMA):
        fd = {**chart["form_data"], "dashboardId": dash["id"], "slice_id": chart["id"]}
        ds_id, ds_type = str(fd["datasource"]).split("__")
        body = {
            "datasource": {"id": int(ds_id), "type": ds_type},
            "force": True,
            "form_data": fd,
            "queries": [{"columns": columns, "metrics": [], "row_limit": 100_000, "filters": []}],
            "result_format": "json",
            "result_type": "full",
        }
        yield chart["slice_name"], body


@pytest.mark.parametrize("role", ["copil", "gestionnaire_territorial", "public"])
def test_viewers_reach_data_only_through_a_granted_dashboard(clients, role):
    for name, body in _panorama_queries(clients[role], ["code_territoire"]):
        assert clients[role].post("/api/v1/chart/data", body).status_code == 200, name
        body["form_data"] = {k: v for k, v in body["form_data"].items() if k not in ("dashboardId", "slice_id")}
        r = clients[role].post("/api/v1/chart/data", body)
        assert r.status_code in (401, 403), f"{role} read the dataset of {name!r} outside the dashboard"


def _allowed_territories(warehouse: Path, code: str) -> set[str]:
    """The territory, its communes, the EPCI of its communes, département/région/France (roles.yml, rls)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        dim = con.execute(
            "select code_territoire, niveau, code, code_epci, code_territoire_action from marts.dim_territoire"
        ).fetchall()
    finally:
        con.close()
    native = code.removeprefix("TER-")
    communes = [r for r in dim if r[1] == "commune" and r[4] == native]
    assert communes, f"no commune in {code}"
    epcis = {r[3] for r in communes}
    return (
        {code}
        | {r[0] for r in communes}
        | {r[0] for r in dim if r[1] == "epci" and r[2] in epcis}
        | {r[0] for r in dim if r[1] in ("departement", "region", "france")}
    )


def test_territorial_managers_get_only_their_territory(superset_server, clients, published_warehouse):
    con = duckdb.connect(str(published_warehouse), read_only=True)
    codes = [
        r[0]
        for r in con.execute(
            "select code_territoire from marts.dim_territoire where niveau = 'territoire_action' order by 1"
        ).fetchall()
    ]
    con.close()
    assert len(codes) > 1
    everything = {}
    for name, body in _panorama_queries(clients["admin"], ["code_territoire"]):
        r = clients["admin"].post("/api/v1/chart/data", body)
        everything[name] = {row["code_territoire"] for row in r.json()["result"][0]["data"]}
    for code in codes:
        user = territory_user(code)
        client = SupersetClient(superset_server.base_url, user, superset_server.password_of(user))
        allowed_codes = _allowed_territories(published_warehouse, code)
        others = set(codes) - {code}
        try:
            for name, body in _panorama_queries(client, ["code_territoire"]):
                r = client.post("/api/v1/chart/data", body)
                assert r.status_code == 200, f"{user} / {name}: HTTP {r.status_code} {r.text[:300]}"
                seen = {row["code_territoire"] for row in r.json()["result"][0]["data"]}
                assert seen, f"{user} / {name}: no row"
                assert seen <= allowed_codes, f"{user} / {name}: outside {code}: {sorted(seen - allowed_codes)[:10]}"
                assert not seen & others, f"{user} / {name}: other territories {sorted(seen & others)}"
                if everything[name] - allowed_codes:
                    assert seen < everything[name], f"{user} / {name}: RLS did not filter"
        finally:
            client.http.close()
