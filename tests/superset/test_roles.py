"""Roles of infra/superset/roles.yml, checked through Superset's API as each example user (session-cookie
login, as a browser): dashboard grants, no SQL Lab but for analysts and admin, no dataset access outside a
granted dashboard, and the territorial manager's row-level security (every territory, every chart)."""

from __future__ import annotations

import json

import duckdb
import pytest
from asset_files import load_assets
from roles_matrix import ACCOUNTS, CONF, allowed, role_name, territory_scope, territory_user
from superset_api import SupersetClient, query_context

pytestmark = pytest.mark.slow

PANORAMA = "panorama-social"


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


def _panorama_queries(client):
    """Every chart of the Panorama, its saved query in the dashboard's context (as the page asks)."""
    dash = client.get(f"/api/v1/dashboard/{PANORAMA}").json()["result"]
    for chart in client.dashboard_charts(PANORAMA):
        form_data = {**chart["form_data"], "dashboardId": dash["id"], "slice_id": chart["id"]}
        yield chart["slice_name"], query_context(form_data)


@pytest.mark.parametrize("role", ["copil", "gestionnaire_territorial", "public"])
def test_viewers_reach_data_only_through_a_granted_dashboard(clients, role):
    for name, body in _panorama_queries(clients[role]):
        assert clients[role].post("/api/v1/chart/data", body).status_code == 200, name
        body["form_data"] = {k: v for k, v in body["form_data"].items() if k not in ("dashboardId", "slice_id")}
        r = clients[role].post("/api/v1/chart/data", body)
        assert r.status_code in (401, 403), f"{role} read the dataset of {name!r} outside the dashboard"


def test_territorial_managers_get_only_their_territory(superset_server, clients, published_warehouse):
    """Partner rows (roles.yml confidentiality): each manager sees those of its territory only, and together the
    managers see them all; open rows are the same for a manager as for everyone (asked through the Panorama's
    « Territoire » filter, which lists the territories that have rows)."""
    con = duckdb.connect(str(published_warehouse), read_only=True)
    codes = [
        r[0]
        for r in con.execute(
            "select code_territoire from marts.dim_territoire where niveau = 'territoire_action' order by 1"
        ).fetchall()
    ]
    con.close()
    assert len(codes) > 1
    partner = [{"col": "theme", "op": "==", "val": "Indicateurs des partenaires"}]
    filter_id, column = "NATIVE_FILTER-territoire", "libelle_territoire"
    everything = clients["admin"].native_filter_values(PANORAMA, filter_id, column, partner)
    public_open = clients["public"].native_filter_values(PANORAMA, filter_id, column)
    seen_by_managers: set = set()
    for code in codes:
        user = territory_user(code)
        client = SupersetClient(superset_server.base_url, user, superset_server.password_of(user))
        scope = set(territory_scope(published_warehouse, code).values())
        try:
            seen = client.native_filter_values(PANORAMA, filter_id, column, partner)
            assert seen <= scope, f"{user}: partner rows outside {code}: {sorted(seen - scope)[:5]}"
            assert seen < everything, f"{user}: RLS did not filter the partner rows"
            others = {territory_scope(published_warehouse, c)[c] for c in codes if c != code}
            assert not seen & others, f"{user}: partner rows of other territories {sorted(seen & others)}"
            open_rows = client.native_filter_values(PANORAMA, filter_id, column)
            assert open_rows >= public_open, f"{user} sees less than the public"
            seen_by_managers |= seen
        finally:
            client.http.close()
    assert seen_by_managers, "no manager sees any partner row"
