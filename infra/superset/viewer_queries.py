"""Viewers run the saved chart queries only (issue #12, item 8).

A viewer (any visitor without Superset's `can_explore`: COPIL, territorial managers, anonymous visitors) may ask
`/api/v1/chart/data` for what a dashboard draws, nothing else: the request must name a saved chart
(`form_data.slice_id`) or a native filter of the dashboard (`form_data.native_filter_id`), and every metric,
column, ordering and free SQL clause of its queries must come from that saved chart's params (or that filter's
configuration). Dashboard filters reach the query as `filters` on the dataset's own columns with bound values,
so they stay allowed. Custom SQL expressions, extra columns, other result types (samples, query text) and
annotation layers are refused with HTTP 403 before Superset runs anything.

Analysts and the admin (who hold `can_explore`) are not concerned: they have SQL Lab anyway.

Registered by superset_config.py: `APP_HOOKS.append(viewer_queries.install)`.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from flask import Flask, jsonify, request

logger = logging.getLogger(__name__)

CHART_DATA = "/api/v1/chart/data"
SAVED_CHART_DATA = re.compile(r"^/api/v1/chart/\d+/data/?$")
MESSAGE = (
    "Requête refusée : un visiteur ne peut demander que les graphiques enregistrés d'un tableau de bord, "
    "avec ses filtres ({why}). Pour une analyse libre, demander un compte « Analyste de données »."
)


class Refused(Exception):
    """The request asks for more than the saved chart (the message says what)."""


def _frozen(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _walk(value: Any):
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)


class Reference:
    """What a saved chart (or a native filter) allows: every value of its params, and its dataset's columns."""

    def __init__(self, params: dict[str, Any], datasource_id: int, dataset_columns: set[str]) -> None:
        self.datasource_id = datasource_id
        self.values = {_frozen(v) for v in _walk(params) if not isinstance(v, (bool, int, float)) and v is not None}
        self.strings = {v for v in _walk(params) if isinstance(v, str)}
        self.dataset_columns = dataset_columns
        adhoc = [f for f in params.get("adhoc_filters") or [] if f.get("expressionType") == "SQL"]
        self.where = [f["sqlExpression"] for f in adhoc if f.get("clause", "WHERE") == "WHERE"]
        self.having = [f["sqlExpression"] for f in adhoc if f.get("clause") == "HAVING"]

    def check_metric(self, metric: Any) -> None:
        if _frozen(metric) not in self.values:
            raise Refused(f"mesure non enregistrée : {_short(metric)}")

    def check_column(self, column: Any, *, filtered: bool = False) -> None:
        """A column of the saved chart; a dashboard filter may also name any column of the dataset."""
        if isinstance(column, str):
            if column in self.strings or (filtered and column in self.dataset_columns):
                return
        elif isinstance(column, dict):
            if _frozen(column) in self.values:
                return
            # the time axis: the frontend wraps the saved x_axis column name in a dict
            expr = column.get("sqlExpression")
            if column.get("expressionType") == "SQL" and expr in self.strings and expr in self.dataset_columns:
                return
        raise Refused(f"colonne non enregistrée : {_short(column)}")

    def check_clause(self, clause: str | None, saved: list[str], kind: str) -> None:
        text = " ".join((clause or "").split())
        if not text:
            return
        expected = " ".join(" AND ".join(f"({e})" for e in saved).split())
        if text != expected:
            raise Refused(f"clause SQL libre ({kind}) : {_short(clause)}")


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else _frozen(value)
    return text if len(text) <= 120 else text[:117] + "…"


def check_query(query: dict[str, Any], ref: Reference) -> None:
    for metric in query.get("metrics") or []:
        ref.check_metric(metric)
    for key in ("series_limit_metric", "timeseries_limit_metric"):
        if query.get(key):
            ref.check_metric(query[key])
    for key in ("columns", "groupby", "series_columns"):
        for column in query.get(key) or []:
            ref.check_column(column)
    for item in query.get("orderby") or []:
        target = item[0] if isinstance(item, list) and item else item
        if _frozen(target) not in ref.values:
            raise Refused(f"tri non enregistré : {_short(target)}")
    for flt in query.get("filters") or []:
        ref.check_column(flt.get("col"), filtered=True)
    extras = query.get("extras") or {}
    for holder in (extras, query):  # `where`/`having` are also accepted at the query's top level (deprecated)
        ref.check_clause(holder.get("where"), ref.where, "WHERE")
        ref.check_clause(holder.get("having"), ref.having, "HAVING")
    if query.get("result_type") not in (None, "full"):
        raise Refused(f"type de résultat {query.get('result_type')!r}")
    for layer in query.get("annotation_layers") or []:
        if _frozen(layer) not in ref.values:
            raise Refused("couche d'annotation non enregistrée")
    if query.get("datasource") and int(query["datasource"].get("id", -1)) != ref.datasource_id:
        raise Refused("jeu de données différent de celui du graphique")


def _dataset_columns(datasource_id: int) -> set[str]:
    from superset import db
    from superset.connectors.sqla.models import SqlaTable

    table = db.session.get(SqlaTable, datasource_id)
    if table is None:
        raise Refused("jeu de données inconnu")
    return {c.column_name for c in table.columns}


def reference_for(body: dict[str, Any]) -> Reference:
    from superset import db
    from superset.models.dashboard import Dashboard
    from superset.models.slice import Slice

    form_data = body.get("form_data") or {}
    datasource = body.get("datasource") or {}
    try:
        ds_id = int(datasource.get("id"))
    except (TypeError, ValueError) as err:
        raise Refused("jeu de données absent") from err
    if form_data.get("type") == "NATIVE_FILTER":
        dashboard = db.session.get(Dashboard, form_data.get("dashboardId") or -1)
        config = json.loads(dashboard.json_metadata or "{}") if dashboard else {}
        wanted = form_data.get("native_filter_id")
        fltr = next((f for f in config.get("native_filter_configuration", []) if f.get("id") == wanted), None)
        if fltr is None or not any(t.get("datasetId") == ds_id for t in fltr.get("targets", [])):
            raise Refused("filtre de tableau de bord inconnu")
        return Reference(fltr, ds_id, _dataset_columns(ds_id))
    chart = db.session.get(Slice, form_data.get("slice_id") or -1)
    if chart is None:
        raise Refused("aucun graphique enregistré n'est nommé (slice_id)")
    if chart.datasource_id != ds_id:
        raise Refused("jeu de données différent de celui du graphique")
    return Reference(json.loads(chart.params or "{}"), ds_id, _dataset_columns(ds_id))


def check_body(body: Any) -> None:
    if not isinstance(body, dict):
        raise Refused("corps de requête illisible")
    if body.get("result_type", "full") != "full":
        raise Refused(f"type de résultat {body.get('result_type')!r}")
    if body.get("result_format", "json") != "json":
        raise Refused(f"format {body.get('result_format')!r}")
    ref = reference_for(body)
    for query in body.get("queries") or []:
        check_query(query, ref)


def _request_body() -> Any:
    if request.is_json:
        return request.get_json(silent=True)
    raw = request.form.get("form_data")
    try:
        return json.loads(raw) if raw else None
    except json.JSONDecodeError:
        return None


def is_viewer() -> bool:
    from superset import security_manager

    return not security_manager.can_access("can_explore", "Superset")


def _refusal(refused: Refused):
    logger.warning("chart data refused for a viewer: %s", refused)
    return jsonify({"message": MESSAGE.format(why=refused)}), 403


def guard():
    path = request.path.rstrip("/")
    saved = request.method == "GET" and SAVED_CHART_DATA.match(request.path)
    posted = request.method == "POST" and path == CHART_DATA
    if not (saved or posted) or not is_viewer():
        return None
    try:
        if saved:  # the saved query context itself; only its other result types and formats are refused
            kind, fmt = request.args.get("type", "full"), request.args.get("format", "json")
            if (kind, fmt) != ("full", "json"):
                raise Refused(f"type de résultat {kind!r}, format {fmt!r}")
        else:
            check_body(_request_body())
    except Refused as refused:
        return _refusal(refused)
    return None


def install(app: Flask) -> None:
    app.before_request(guard)
