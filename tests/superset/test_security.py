"""Issue #12 (items 4, 5, 7, 8): each attack of the issue, replayed against the real Superset of the session as
the role that made it, must be refused or bounded. Throttling (item 6) is in test_throttling.py (it spends the
login and request budgets, so it runs after these)."""

from __future__ import annotations

import json
import sqlite3
import subprocess

import pytest
import requests
from conftest import INFRA, SUPERSET_VENV
from roles_matrix import ACCOUNTS, CONF, FIRST_TERRITORY, role_name, territory_scope
from superset_api import SupersetClient, query_context

pytestmark = pytest.mark.slow

PANORAMA = "panorama-social"
VIEWERS = ["copil", "gestionnaire_territorial", "public"]
PARTNER_THEME = "Indicateurs des partenaires"


def _metadata(superset_server, sql: str, *args) -> list[tuple]:
    con = sqlite3.connect(f"file:{superset_server.home / 'superset.db'}?mode=ro", uri=True)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def _put(client: SupersetClient, path: str, payload: dict):
    return client.http.put(f"{client.base_url}{path}", json=payload, timeout=60)


# --- item 4: the analyst publishes nothing --------------------------------------------------------------------
def test_analyst_cannot_create_grant_or_publish(superset_server, clients):
    analyst, admin = clients["analyste"], clients["admin"]
    public_id = _metadata(superset_server, "select id from ab_role where name = ?", role_name("public"))[0][0]
    analyst_id = _metadata(superset_server, "select id from ab_user where username = ?", ACCOUNTS["analyste"])[0][0]
    r = analyst.post("/api/v1/dashboard/", {"dashboard_title": "Fuite", "published": True, "roles": [public_id]})
    assert r.status_code == 403, f"the analyst created a dashboard: HTTP {r.status_code} {r.text[:200]}"
    ctg = next(d for d in _metadata(superset_server, "select id, table_name from tables") if d[1] == "fct_action_ctg")
    chart = {"slice_name": "Budgets", "viz_type": "table", "datasource_id": ctg[0], "datasource_type": "table"}
    r = analyst.post("/api/v1/chart/", chart)
    assert r.status_code == 403, f"the analyst created a chart: HTTP {r.status_code} {r.text[:200]}"
    # a dashboard the analyst owns (made by the admin): still no right to grant it to the anonymous visitor
    r = admin.post("/api/v1/dashboard/", {"dashboard_title": "Brouillon analyste", "owners": [analyst_id]})
    assert r.status_code == 201, r.text[:300]
    dash_id = r.json()["id"]
    try:
        r = _put(analyst, f"/api/v1/dashboard/{dash_id}", {"roles": [public_id], "published": True})
        assert r.status_code == 403, f"the analyst granted a dashboard to Public: HTTP {r.status_code} {r.text[:200]}"
        assert admin.get(f"/api/v1/dashboard/{dash_id}").json()["result"]["roles"] == []
    finally:  # other tests count the dashboards each role sees
        admin.http.delete(f"{admin.base_url}/api/v1/dashboard/{dash_id}", timeout=60).raise_for_status()
    r = _put(analyst, f"/api/v1/dashboard/{PANORAMA}", {"roles": [public_id]})
    assert r.status_code in (403, 404), r.status_code


def test_roles_hold_no_forbidden_permission(superset_server):
    """roles.yml `forbidden`, read in the metadata database as roles_tool.py left it."""
    rows = _metadata(
        superset_server,
        "select r.name, p.name, v.name from ab_role r join ab_permission_view_role pr on pr.role_id = r.id "
        "join ab_permission_view pv on pv.id = pr.permission_view_id join ab_permission p on p.id = pv.permission_id "
        "join ab_view_menu v on v.id = pv.view_menu_id",
    )
    managed = {spec["name"] for spec in CONF["roles"].values()}
    held = [(r, p, v) for r, p, v in rows if r in managed]
    assert {r for r, _, _ in held} == managed
    forbidden = {tuple(x) for x in CONF["forbidden"]["permissions"]}
    views = set(CONF["forbidden"]["views"])
    bad = [h for h in held if (h[1], h[2]) in forbidden or h[2] in views]
    assert not bad, f"forbidden permissions held: {bad}"
    public_writes = {(p, v) for r, p, v in held if r == role_name("public") and p.startswith(("can_write", "can_post"))}
    assert public_writes == {tuple(x) for x in CONF["forbidden"]["public_writes"]}


# --- item 5: the owners and roles pick-lists -------------------------------------------------------------------
RELATED = ["/api/v1/dashboard/related/owners", "/api/v1/chart/related/owners", "/api/v1/dashboard/related/roles"]


@pytest.mark.parametrize("path", RELATED)
def test_related_lists_show_no_other_account(superset_server, clients, path):
    everyone = clients["admin"].get(path, params={"q": "(page_size:100)"})
    assert everyone.status_code == 200 and everyone.json()["count"] > 3, everyone.text[:200]
    r = clients["public"].get(path)
    assert r.status_code in (401, 403) or r.json()["count"] == 0, f"anonymous: {r.text[:300]}"
    for role in ("copil", "analyste", "gestionnaire_territorial"):
        r = clients[role].get(path, params={"q": "(page_size:100)"})
        if r.status_code in (401, 403):
            continue
        texts = {x["text"] for x in r.json()["result"]}
        own = _own_entries(superset_server, ACCOUNTS[role], roles="roles" in path)
        assert texts <= own, f"{role} sees other entries on {path}: {sorted(texts - own)[:5]}"


def _own_entries(superset_server, username: str, roles: bool) -> set[str]:
    if roles:
        sql = ("select r.name from ab_role r join ab_user_role ur on ur.role_id = r.id "
               "join ab_user u on u.id = ur.user_id where u.username = ?")
        return {r[0] for r in _metadata(superset_server, sql, username)}
    sql = "select first_name, last_name from ab_user where username = ?"
    first, last = _metadata(superset_server, sql, username)[0]
    return {f"{first} {last}"}


# --- item 8: viewers run the saved chart queries only ----------------------------------------------------------
def _saved_query(client: SupersetClient, chart_name: str | None = None) -> dict:
    dash = client.get(f"/api/v1/dashboard/{PANORAMA}").json()["result"]
    charts = client.dashboard_charts(PANORAMA)
    chart = next(c for c in charts if chart_name is None or c["slice_name"] == chart_name)
    return query_context({**chart["form_data"], "dashboardId": dash["id"], "slice_id": chart["id"]})


def _variants(body: dict) -> dict[str, dict]:
    """The requests of the issue: a custom SQL metric, an extra column, free SQL in WHERE, samples."""
    def changed(**q) -> dict:
        b = json.loads(json.dumps(body))
        b["queries"][0].update(q)
        return b

    query = body["queries"][0]
    where = "(1 = 1) OR (current_setting('threads') > 0)"
    sql_col = {"expressionType": "SQL", "sqlExpression": "version()", "label": "v"}
    sql_metric = {"expressionType": "SQL", "sqlExpression": "max(length(current_setting('allowed_paths')))",
                  "label": "fuite"}
    out = {
        "custom SQL metric": changed(metrics=[sql_metric]),
        "extra column": changed(columns=[*query.get("columns", []), "libelle_indicateur", "source"]),
        "SQL column": changed(columns=[sql_col]),
        "free WHERE": changed(extras={**query.get("extras", {}), "where": where}),
        "free WHERE (query level)": changed(where=where),
        "samples (query level)": changed(result_type="samples"),
        "SQL filter column": changed(filters=[{"col": sql_col, "op": "IS NOT NULL"}]),
        "no saved chart": {**body, "form_data": {k: v for k, v in body["form_data"].items() if k != "slice_id"}},
    }
    samples = json.loads(json.dumps(body))
    samples["result_type"] = "samples"
    out["samples"] = samples
    return out


@pytest.mark.parametrize("role", VIEWERS)
def test_viewers_cannot_send_custom_sql_or_columns(clients, role):
    client = clients[role]
    body = _saved_query(client, None)
    ok = client.post("/api/v1/chart/data", body)
    assert ok.status_code == 200, f"{role}: the saved query itself: HTTP {ok.status_code} {ok.text[:300]}"
    for name, variant in _variants(body).items():
        r = client.post("/api/v1/chart/data", variant)
        assert r.status_code == 403, f"{role} / {name}: HTTP {r.status_code} {r.text[:200]}"


def test_analyst_keeps_custom_sql(clients):
    body = _variants(_saved_query(clients["analyste"], None))["custom SQL metric"]
    r = clients["analyste"].post("/api/v1/chart/data", body)
    assert r.status_code == 200, r.text[:300]


# --- item 7: who sees what (roles.yml `confidentiality`) --------------------------------------------------------
def test_confidentiality_matrix(clients, published_warehouse):
    """Open rows: the same for everyone. Partner rows: never anonymous, a manager those of its territory only."""
    themes = {role: clients[role].native_filter_values(PANORAMA, "NATIVE_FILTER-theme", "theme") for role in ACCOUNTS}
    assert PARTNER_THEME in themes["admin"], "the test warehouse has partner indicators"
    assert PARTNER_THEME not in themes["public"], "anonymous visitors read partner indicators"
    for role in ("copil", "analyste", "gestionnaire_territorial"):
        assert themes[role] >= themes["public"], f"{role} sees less open data than an anonymous visitor"
    assert themes["copil"] == themes["admin"] == themes["analyste"]

    def territories(role: str, op: str) -> set:
        theme = [{"col": "theme", "op": op, "val": PARTNER_THEME}]
        return clients[role].native_filter_values(PANORAMA, "NATIVE_FILTER-territoire", "libelle_territoire", theme)

    mine, everywhere = territories("gestionnaire_territorial", "=="), territories("admin", "==")
    allowed = set(territory_scope(published_warehouse, FIRST_TERRITORY).values())
    assert mine <= allowed, f"partner rows outside {FIRST_TERRITORY}: {sorted(mine - allowed)[:5]}"
    assert mine < everywhere
    assert territories("gestionnaire_territorial", "!=") == territories("public", "!=") == territories("admin", "!=")


@pytest.mark.parametrize("role", VIEWERS)
def test_partner_tables_never_reach_anonymous(clients, role):
    """A chart of a partner table, asked in the Panorama's context: refused to every viewer of the Panorama."""
    dash = clients["admin"].get(f"/api/v1/dashboard/{PANORAMA}").json()["result"]
    partner = set(CONF["confidentiality"]["partenaire"])
    r = clients["admin"].get("/api/v1/chart/", params={"q": json.dumps({"page_size": 100})})
    charts = [c for c in r.json()["result"] if c.get("datasource_name_text", "").split(".")[-1] in partner]
    assert charts, "no chart on a partner table in the assets"
    for chart in charts:
        params = json.loads(clients["admin"].get(f"/api/v1/chart/{chart['id']}").json()["result"]["params"])
        body = query_context({**params, "datasource": f"{chart['datasource_id']}__table", "dashboardId": dash["id"],
                              "slice_id": chart["id"]})
        r = clients[role].post("/api/v1/chart/data", body)
        assert r.status_code in (401, 403), f"{role} read {chart['slice_name']!r}: HTTP {r.status_code}"


# --- item 8, the rest ------------------------------------------------------------------------------------------
def test_anonymous_writes_bounded(clients):
    public = clients["public"]
    dash = public.get(f"/api/v1/dashboard/{PANORAMA}").json()["result"]
    small = public.post(f"/api/v1/dashboard/{dash['id']}/filter_state", {"value": json.dumps({"id": "x"})})
    assert small.status_code == 201, small.text[:200]
    big = public.post(f"/api/v1/dashboard/{dash['id']}/filter_state", {"value": json.dumps({"x": "a" * 5_000_000})})
    assert big.status_code == 413, f"5 MB filter state: HTTP {big.status_code}"
    for path, payload in [
        (f"/api/v1/dashboard/{dash['id']}/permalink", {"dataMask": {}}),
        ("/api/v1/dashboard/", {"dashboard_title": "x"}),
        ("/api/v1/chart/", {"slice_name": "x", "datasource_id": 1, "datasource_type": "table"}),
        ("/api/v1/explore/form_data", {"datasource_id": 1, "datasource_type": "table", "form_data": "{}"}),
    ]:
        r = public.post(path, payload)
        assert r.status_code in (401, 403, 404, 405), f"anonymous POST {path}: HTTP {r.status_code}"


def test_session_cookie_dies_at_logout(superset_server):
    client = SupersetClient(superset_server.base_url, ACCOUNTS["copil"], superset_server.password_of(ACCOUNTS["copil"]))
    cookies = client.http.cookies.copy()
    client.get("/logout/", allow_redirects=False)
    with requests.Session() as stolen:
        stolen.cookies.update(cookies)
        r = stolen.get(f"{superset_server.base_url}/api/v1/me/", timeout=30)
    alive = r.status_code == 200 and not r.json()["result"].get("is_anonymous", False)
    assert not alive, f"the cookie still works after logout: HTTP {r.status_code} {r.text[:200]}"


def test_analyst_has_no_user_registrations(clients):
    r = clients["analyste"].get("/api/v1/security/user_registrations/")
    assert r.status_code in (401, 403, 404), f"HTTP {r.status_code}"


def test_no_default_secret_in_the_configuration(superset_server, tmp_path):
    """GUEST_TOKEN_JWT_SECRET must not be Superset's published default (the config read as Superset reads it)."""
    script = (
        "import importlib.util, json, superset.config as d;"
        f"s = importlib.util.spec_from_file_location('c', {str(INFRA / 'superset_config.py')!r});"
        "m = importlib.util.module_from_spec(s); s.loader.exec_module(m);"
        "print(json.dumps([m.GUEST_TOKEN_JWT_SECRET, d.GUEST_TOKEN_JWT_SECRET, m.SECRET_KEY]))"
    )
    env = {"SUPERSET_SECRET_KEY": "k" * 40, "SUPERSET_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([str(SUPERSET_VENV / "bin" / "python"), "-c", script], env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    ours, default, key = json.loads(out.stdout.strip().splitlines()[-1])
    assert ours not in (default, key) and len(ours) >= 32
