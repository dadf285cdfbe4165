"""Issue #12, items 1–3, against the real Superset (gunicorn gthread workers as `make demo` serves them):
the warehouse answers read statements only, a hostile statement kills no worker, a heavy query is interrupted
at the statement timeout (or refused), and SQL Lab's « Stop » really stops a running query.

The session's server runs with a small statement timeout (conftest.py, `query_timeout`) so these tests stay fast.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator

import duckdb
import psutil
import pytest
import requests
from superset_api import SupersetClient, query_context

pytestmark = pytest.mark.slow

DATABASE_NAME = "Observatoire (entrepôt publié)"
PANORAMA = "panorama-social"
REFUSED = "Requête refusée"
# A statement that runs far longer than any timeout and allocates little: a cross join over range().
ENDLESS = "select sum(a.range * b.range) as s from range(1000000000) a, range(1000000000) b"
ENDLESS_ROWS = "select range as x from range(1000000000000)"  # its first row comes at once, its sum never


@pytest.fixture(scope="module")
def admin(superset_server) -> Iterator[SupersetClient]:
    api = SupersetClient(superset_server.base_url, superset_server.username, superset_server.password)
    yield api
    api.http.close()


@pytest.fixture(scope="module")
def analyst(superset_server) -> Iterator[SupersetClient]:
    api = SupersetClient(superset_server.base_url, "analyste.demo", superset_server.password_of("analyste.demo"))
    yield api
    api.http.close()


@pytest.fixture(scope="module")
def database_id(admin) -> int:
    r = admin.get("/api/v1/database/")
    r.raise_for_status()
    return next(d["id"] for d in r.json()["result"] if d["database_name"] == DATABASE_NAME)


def _workers(server) -> set[int]:
    master = int((server.home / "gunicorn.pid").read_text().strip())
    return {p.pid for p in psutil.Process(master).children()}


def _text(response) -> str:
    """The answer as a reader sees it (JSON bodies escape accents)."""
    try:
        return json.dumps(response.json(), ensure_ascii=False)
    except ValueError:
        return response.text


def _post_once(client: SupersetClient, path: str, body: dict, timeout: float):
    """One POST with the client's session and no retry: a request the server never answers fails once."""
    return requests.post(
        f"{client.base_url}{path}", json=body, timeout=timeout, headers=client.http.headers, cookies=client.http.cookies
    )


def _sql(client: SupersetClient, database_id: int, sql: str, timeout: float, client_id: str | None = None):
    body = {"database_id": database_id, "sql": sql, "schema": "marts", "runAsync": False, "queryLimit": 1000}
    if client_id:
        body["client_id"] = client_id
    return _post_once(client, "/api/v1/sqllab/execute/", body, timeout)


# --- item 1: a statement that changes DuckDB's state is refused, and no worker dies ----------------------
@pytest.mark.parametrize(
    "sql",
    [
        "call enable_logging(storage='file', storage_path='/tmp/obs_enable_logging')",
        "select * from enable_logging(storage='file', storage_path='/tmp/obs_enable_logging')",
        "explain analyze call enable_logging(storage='file', storage_path='/tmp/obs_enable_logging')",
    ],
)
def test_enable_logging_refused_and_workers_alive(superset_server, analyst, database_id, sql):
    before = _workers(superset_server)
    for _ in range(3):  # repeated, as the attack was: each attempt used to kill a worker
        r = _sql(analyst, database_id, sql, timeout=60)
        assert r.status_code != 200 and REFUSED in _text(r), f"{sql!r}: HTTP {r.status_code} {r.text[:500]}"
    r = _sql(analyst, database_id, "select count(*) as n from marts.dim_territoire", timeout=60)
    assert r.status_code == 200 and r.json()["data"][0]["n"] > 0, r.text[:500]
    assert _workers(superset_server) == before, "a gunicorn worker died and was replaced"


# --- write and engine statements refused by the allow-list ----------------------------------------------
@pytest.mark.parametrize(
    "sql",
    [
        "insert into marts.dim_territoire (code_territoire) values ('X')",
        "copy marts.dim_territoire to '/tmp/obs_copy.csv'",
        "attach '/tmp/obs_autre.duckdb' as autre",
        "install httpfs",
        "set threads = 64",
        "pragma version",
        "call checkpoint()",
        "select 1 as x; set memory_limit = '100GB'",
    ],
)
def test_sql_lab_refuses_everything_but_reads(analyst, database_id, sql):
    r = _sql(analyst, database_id, sql, timeout=60)
    assert r.status_code != 200, f"{sql!r} was accepted: {r.text[:500]}"
    text = _text(r)
    if "DML_NOT_ALLOWED" in text:  # Superset's own guard (allow_dml: false) answers writes before DuckDB
        return
    assert REFUSED in text and "SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN" in text, text[:800]


@pytest.mark.parametrize(
    "sql",
    [
        "with t as (select code_territoire from marts.dim_territoire) select count(*) as n from t",
        "describe marts.dim_territoire",
        "show all tables",
        "summarize marts.dim_indicateur",
        "explain select count(*) from marts.dim_territoire",
    ],
)
def test_sql_lab_still_answers_reads(analyst, database_id, sql):
    r = _sql(analyst, database_id, sql, timeout=60)
    assert r.status_code == 200 and r.json()["data"], f"{sql!r}: HTTP {r.status_code} {r.text[:500]}"


def test_the_limits_reach_the_warehouse_connection(analyst, database_id):
    """The guard's DuckDB limits are those of the connection a query really runs on (each connection is opened
    afresh by infra/superset/fresh_duckdb.py, which must receive them), and the configuration is locked."""
    r = _sql(analyst, database_id, "select current_setting('threads') as t, current_setting('memory_limit') as m, "
             "current_setting('max_temp_directory_size') as d, current_setting('enable_external_access') as e, "
             "current_setting('lock_configuration') as l", timeout=60)
    assert r.status_code == 200, r.text[:500]
    (row,) = r.json()["data"]
    default_memory = duckdb.connect().execute("select current_setting('memory_limit')").fetchone()[0]
    assert int(row["t"]) == 2 and row["m"] != default_memory  # .env.example: 2 threads, 1GB (DuckDB's own: 80 % RAM)
    assert row["m"].endswith(("MiB", "MB")) and row["d"].endswith(("GiB", "GB"))
    assert row["e"] is False and row["l"] is True


# --- item 2: the heavy anonymous metric is refused or bounded, the Panorama stays up ---------------------
def _panorama_chart(client: SupersetClient) -> dict:
    dash = client.get(f"/api/v1/dashboard/{PANORAMA}").json()["result"]
    charts = client.dashboard_charts(PANORAMA)
    chart = next(c for c in charts if c["form_data"].get("viz_type") == "table")
    return {**chart["form_data"], "dashboardId": dash["id"], "slice_id": chart["id"]}


def _heavy_metric_body(form_data: dict, expression: str) -> dict:
    body = query_context(form_data)
    metric = {"expressionType": "SQL", "sqlExpression": expression, "label": "lourd"}
    body["queries"] = [{"columns": [], "metrics": [metric], "row_limit": 10, "filters": []}]
    return body


# the attack as reported: GBs per chunk of rows, now past the worker's memory cap at once (a metric that merely
# runs long depends on the machine's speed; the endless chart query below shows the timeout)
HEAVY_METRIC = "max(list_sum(range(0, 250000 + length(code_territoire))))"


def test_heavy_anonymous_metric_is_refused_or_bounded(superset_server):
    public = SupersetClient(superset_server.base_url, None)
    try:
        before = _workers(superset_server)
        body = _heavy_metric_body(_panorama_chart(public), HEAVY_METRIC)
        r = _post_once(public, "/api/v1/chart/data", body, superset_server.query_timeout + 60)
        text = _text(r)
        if r.status_code == 200:
            pytest.fail(f"the heavy metric ran to its end: {text[:300]}")
        refused = r.status_code in (400, 403, 422) and "Requête interrompue" not in text
        assert refused or "Requête interrompue" in text, f"HTTP {r.status_code} {text[:800]}"
        assert public.get("/login/").status_code == 200
        assert _workers(superset_server) == before, "a gunicorn worker died and was replaced"
    finally:
        public.http.close()


# --- item 3: a real statement timeout, and a working « Stop » ---------------------------------------------
def test_long_sql_lab_query_interrupted_at_the_timeout(superset_server, analyst, database_id):
    r = _sql(analyst, database_id, ENDLESS, timeout=superset_server.query_timeout + 60)
    text = _text(r)
    assert r.status_code != 200, text[:500]
    assert "Requête interrompue" in text and f"{superset_server.query_timeout:g} s" in text, text[:800]


def test_long_chart_query_interrupted_at_the_timeout(superset_server, admin, database_id):
    """A chart on a virtual dataset whose query never ends (custom SQL may hold no subquery, a dataset may)."""
    r = admin.post(
        "/api/v1/dataset/",
        {
            "database": database_id,
            "schema": "marts",
            "table_name": f"sans_fin_{secrets.token_hex(3)}",
            "sql": ENDLESS_ROWS,
        },
    )
    assert r.status_code == 201, r.text[:500]
    metric = {"expressionType": "SQL", "sqlExpression": "sum(x)", "label": "somme"}
    body = {
        "datasource": {"id": r.json()["id"], "type": "table"},
        "force": True,
        "queries": [{"columns": [], "metrics": [metric], "row_limit": 10, "filters": []}],
        "result_format": "json",
        "result_type": "full",
    }
    r = _post_once(admin, "/api/v1/chart/data", body, superset_server.query_timeout + 60)
    text = _text(r)
    assert r.status_code != 200, text[:500]
    assert "Requête interrompue" in text and f"{superset_server.query_timeout:g} s" in text, text[:800]


def test_sql_lab_stop_ends_the_running_query(superset_server, analyst, database_id):
    client_id = secrets.token_hex(5)
    answer: dict = {}
    running = SupersetClient(superset_server.base_url, "analyste.demo", superset_server.password_of("analyste.demo"))
    runner = threading.Thread(
        target=lambda: answer.update(
            r=_sql(running, database_id, ENDLESS, superset_server.query_timeout + 60, client_id)
        )
    )
    runner.start()
    stops = []
    while runner.is_alive() and not (stops and stops[-1] == 200):
        runner.join(0.5)  # the query row and its cancel key appear once the statement starts
        stops.append(_post_once(analyst, "/api/v1/query/stop", {"client_id": client_id}, timeout=30).status_code)
    runner.join()
    running.http.close()
    assert stops and stops[-1] == 200, f"stop answered {stops}"
    r = answer["r"]
    assert r.json().get("status") == "stopped" or "Requête arrêtée" in _text(r), (
        f"HTTP {r.status_code} {_text(r)[:800]}"
    )
