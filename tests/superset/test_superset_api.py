"""Superset, imported from superset_assets/ and pointed at the published warehouse, answers through its
REST API: every chart of every dashboard returns rows, SQL Lab reads the marts and nothing else."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from asset_files import dashboard_chart_uuids, load_assets
from superset_api import SupersetClient, has_numeric_value

pytestmark = pytest.mark.slow

DATABASE_NAME = "Observatoire (entrepôt publié)"


@pytest.fixture(scope="module")
def client(superset_server) -> Iterator[SupersetClient]:
    api = SupersetClient(superset_server.base_url, superset_server.username, superset_server.password)
    yield api
    api.http.close()  # no idle keep-alive connection left for the server's graceful stop to wait on


@pytest.fixture(scope="module")
def database_id(client) -> int:
    r = client.get("/api/v1/database/")
    r.raise_for_status()
    ids = [d["id"] for d in r.json()["result"] if d["database_name"] == DATABASE_NAME]
    assert len(ids) == 1, r.json()["result"]
    return ids[0]


def test_every_committed_dashboard_is_served(client):
    served = {d["slug"] or str(d["id"]): d for d in client.dashboards()}
    for dash in load_assets().of("dashboards").values():
        assert dash["slug"] in served, f"dashboard {dash['slug']} not imported"
        assert len(client.dashboard_charts(dash["slug"])) == len(dashboard_chart_uuids(dash))


def test_every_chart_of_every_dashboard_returns_rows(client, superset_server):
    failures, count = [], 0
    for dash in client.dashboards():
        for chart in client.dashboard_charts(dash["id"]):
            t0 = time.monotonic()
            r = client.chart_data(chart["form_data"])
            superset_server.timings[f"chart data: {chart['slice_name']}"] = time.monotonic() - t0
            count += 1
            name = f"{dash['dashboard_title']} / {chart['slice_name']}"
            if r.status_code != 200:
                failures.append(f"{name}: HTTP {r.status_code} {r.text[:500]}")
                continue
            for result in r.json()["result"]:
                if result.get("error") or not result.get("rowcount") or not has_numeric_value(result):
                    failures.append(f"{name}: error={result.get('error')!r} rows={result.get('rowcount')}")
    assert count > 0
    assert not failures, "\n".join(failures)


def test_sql_lab_reads_the_marts(client, database_id):
    r = client.sql(database_id, "select count(*) as n from marts.dim_territoire")
    assert r.status_code == 200, r.text[:1000]
    body = r.json()
    assert body["status"] == "success"
    assert body["data"][0]["n"] > 0


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        # server files: refused by the DuckDB setting enable_external_access=false
        ("select * from read_csv('/etc/passwd')", "disabled by configuration"),
        # anything but a read: refused by the allow-list of infra/superset/warehouse_guard.py before DuckDB runs it
        ("attach '/tmp/autre.duckdb' as autre", "Requête refusée (instruction ATTACH)"),
        ("set enable_external_access = true", "Requête refusée (instruction SET)"),
        # writes: refused by Superset (allow_dml=false) before DuckDB's read_only would
        ("create table marts.intrus as select 1 as x", "DML_NOT_ALLOWED"),
    ],
)
def test_sql_lab_refuses_files_settings_and_writes(client, database_id, sql, reason):
    r = client.sql(database_id, sql)
    assert r.status_code != 200, f"{sql!r} was accepted: {r.text[:500]}"
    assert reason.lower() in json.dumps(r.json(), ensure_ascii=False).lower(), r.text[:1000]
    assert "root:" not in r.text
