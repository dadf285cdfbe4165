"""A small REST client for the Superset under test, and the chart-params → /api/v1/chart/data body mapping.

`GET /api/v1/chart/{id}/data/` needs a saved query context, which imported charts do not have; the frontend
builds the query from the chart's params (form_data) instead. `query_from_form_data` does the same for the
viz types used in superset_assets/ and refuses the others, so a new viz type makes the test say so.
"""

from __future__ import annotations

import json
import re
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry


class SupersetClient:
    """Logged in through the login form (a session cookie), as a browser is.

    Not with a bearer token: once the Public role can reach an endpoint (the anonymous Panorama), Flask-AppBuilder
    skips the JWT check there and the call runs as the anonymous visitor (RECIPES.md, Superset). A session
    cookie is honoured everywhere. `username=None` gives an anonymous client.
    """

    def __init__(
        self, base_url: str, username: str | None, password: str | None = None, *, wait_when_throttled: bool = True
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        # A connection gunicorn drops (worker recycled under load) is retried: these tests judge answers,
        # not the transport. Every test client shares 127.0.0.1's application-wide budget
        # (RATELIMIT_APPLICATION, 50 per second): a fast machine running a test's calls back to back gets a 429,
        # so by default the client waits for the Retry-After the limiter sends and asks again, as a patient
        # visitor would. tests/superset/test_throttling.py passes wait_when_throttled=False to see the 429s.
        # No other error status is retried, so a refusal stays a refusal.
        retry = Retry(total=10, connect=3, read=3, status=6 if wait_when_throttled else 0, other=0,
                      status_forcelist={429} if wait_when_throttled else None, allowed_methods=None,
                      backoff_factor=0.5, respect_retry_after_header=wait_when_throttled, raise_on_status=False)
        self.http.mount("http://", HTTPAdapter(max_retries=retry, pool_maxsize=16))
        self.http.headers["Referer"] = self.base_url
        page = self.http.get(f"{self.base_url}/login/", timeout=30)
        page.raise_for_status()
        token = re.search(r'id="csrf_token"\s+value="([^"]+)"', page.text)
        assert token, "no csrf_token on the login page"
        # The form's CSRF token is tied to the session, so it also signs the REST write calls (viewer roles
        # may not read /api/v1/security/csrf_token/).
        self.http.headers["X-CSRFToken"] = token.group(1)
        if username is not None:
            r = self.http.post(
                f"{self.base_url}/login/",
                data={"username": username, "password": password, "csrf_token": token.group(1)},
                timeout=30,
                allow_redirects=False,
            )
            assert r.status_code in (302, 303) and "/login" not in r.headers.get("Location", ""), (
                f"login of {username} failed: HTTP {r.status_code} {r.headers.get('Location')}"
            )
            r = self.http.get(f"{self.base_url}/api/v1/me/", timeout=30)
            assert r.status_code == 200 and r.json()["result"]["username"] == username, r.text[:300]

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.http.get(f"{self.base_url}{path}", timeout=60, **kw)

    def post(self, path: str, payload: dict[str, Any]) -> requests.Response:
        return self.http.post(f"{self.base_url}{path}", json=payload, timeout=120)

    def dashboards(self) -> list[dict[str, Any]]:
        q = json.dumps({"page_size": 100})
        r = self.get("/api/v1/dashboard/", params={"q": q})
        r.raise_for_status()
        return r.json()["result"]

    def dashboard_charts(self, id_or_slug: int | str) -> list[dict[str, Any]]:
        r = self.get(f"/api/v1/dashboard/{id_or_slug}/charts")
        r.raise_for_status()
        return r.json()["result"]

    def chart_data(self, form_data: dict[str, Any]) -> requests.Response:
        return self.post("/api/v1/chart/data", query_context(form_data))

    def native_filter_values(
        self, slug: str, filter_id: str, column: str, filters: list[dict[str, Any]] | None = None
    ) -> set[Any]:
        """The values a dashboard's native filter offers, asked as the dashboard asks them (plus `filters`)."""
        dash = self.get(f"/api/v1/dashboard/{slug}").json()["result"]
        config = json.loads(dash["json_metadata"])["native_filter_configuration"]
        dataset = next(f for f in config if f["id"] == filter_id)["targets"][0]["datasetId"]
        body = {
            "datasource": {"id": dataset, "type": "table"},
            "force": True,
            "form_data": {"type": "NATIVE_FILTER", "native_filter_id": filter_id, "dashboardId": dash["id"],
                          "viz_type": "filter_select", "datasource": f"{dataset}__table"},
            "queries": [{"columns": [column], "metrics": [], "filters": filters or [], "row_limit": 10_000}],
            "result_format": "json",
            "result_type": "full",
        }
        r = self.post("/api/v1/chart/data", body)
        assert r.status_code == 200, f"{filter_id}: HTTP {r.status_code} {r.text[:300]}"
        return {row[column] for row in r.json()["result"][0]["data"]}

    def sql(self, database_id: int, sql: str, schema: str | None = "marts") -> requests.Response:
        return self.post(
            "/api/v1/sqllab/execute/",
            {
                "database_id": database_id,
                "sql": sql,
                "schema": schema,
                "runAsync": False,
                "select_as_cta": False,
                "ctas_method": "TABLE",
                "queryLimit": 1000,
                "expand_data": True,
            },
        )


def _filters(form_data: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    filters, where = [], []
    for f in form_data.get("adhoc_filters") or []:
        if f.get("clause", "WHERE") != "WHERE":
            raise AssertionError(f"HAVING filters are not mapped: {f}")
        if f["expressionType"] == "SIMPLE":
            filters.append({"col": f["subject"], "op": f["operator"], "val": f.get("comparator")})
        else:
            where.append(f"({f['sqlExpression']})")
    return filters, ({"where": " AND ".join(where)} if where else {})


def query_from_form_data(form_data: dict[str, Any]) -> dict[str, Any]:
    viz = form_data["viz_type"]
    filters, extras = _filters(form_data)
    query: dict[str, Any] = {"filters": filters, "extras": extras, "row_limit": form_data.get("row_limit", 1000)}
    if viz == "table" and form_data.get("query_mode") == "raw":
        query["columns"] = list(form_data["all_columns"])
        query["metrics"] = []
        query["orderby"] = [json.loads(o) for o in form_data.get("order_by_cols") or []]
    elif viz == "table":
        query["columns"] = list(form_data.get("groupby") or [])
        query["metrics"] = list(form_data.get("metrics") or [])
    elif viz in ("big_number_total", "pie"):
        query["metrics"] = [form_data["metric"]]
        query["columns"] = list(form_data.get("groupby") or [])
    elif viz.startswith("echarts_timeseries"):
        x = form_data["x_axis"]
        axis: dict[str, Any] = {"columnType": "BASE_AXIS", "sqlExpression": x, "label": x, "expressionType": "SQL"}
        if form_data.get("time_grain_sqla"):
            axis["timeGrain"] = form_data["time_grain_sqla"]
        query["columns"] = [axis, *(form_data.get("groupby") or [])]
        query["metrics"] = list(form_data["metrics"])
        query["orderby"] = [[form_data["metrics"][0], False]]
        query["series_columns"] = list(form_data.get("groupby") or [])
    elif viz == "deck_polygon":  # as the plugin's buildQuery: polygon column + js_columns, one metric, non-null
        query["columns"] = list(dict.fromkeys([form_data["line_column"], *(form_data.get("js_columns") or [])]))
        query["metrics"] = [form_data["metric"]]
        if form_data.get("filter_nulls", True):
            query["filters"] += [{"col": form_data["line_column"], "op": "IS NOT NULL"},
                                 {"col": form_data["metric"], "op": "IS NOT NULL"}]
    else:
        raise AssertionError(f"viz_type {viz!r} is not mapped to a query in tests/superset/superset_api.py")
    return query


def query_context(form_data: dict[str, Any]) -> dict[str, Any]:
    ds_id, ds_type = str(form_data["datasource"]).split("__")
    return {
        "datasource": {"id": int(ds_id), "type": ds_type},
        "force": True,
        "queries": [query_from_form_data(form_data)],
        "form_data": form_data,
        "result_format": "json",
        "result_type": "full",
    }


def has_numeric_value(result: dict[str, Any]) -> bool:
    """At least one non-null value in a numeric column (coltype 0), so a chart of nulls does not pass."""
    numeric = [c for c, t in zip(result.get("colnames", []), result.get("coltypes", []), strict=False) if t == 0]
    return any(row.get(c) is not None for row in result.get("data", []) for c in numeric)
