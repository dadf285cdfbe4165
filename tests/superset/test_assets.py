"""Lint superset_assets/ without a Superset: YAML, UUID links, marts tables and columns, read-only
connection, no secrets or machine paths, French labels, and the dbt exposure of each dashboard."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from asset_files import (
    ASSETS,
    chart_column_refs,
    chart_metric_refs,
    dashboard_chart_uuids,
    load_assets,
)

from tests.helpers import query

pytestmark = pytest.mark.slow  # needs the published warehouse, which the real pipeline builds

REPO_ROOT = ASSETS.parent
EXPOSURES = REPO_ROOT / "dbt_project" / "models" / "exposures.yml"
PLACEHOLDER = "__OBS_WAREHOUSE_PATH__"


@pytest.fixture(scope="module")
def assets():
    return load_assets()


@pytest.fixture(scope="module")
def marts_columns(published_warehouse: Path) -> dict[str, set[str]]:
    rows = query(published_warehouse,
                 "select table_name, column_name from information_schema.columns where table_schema = 'marts'")
    tables: dict[str, set[str]] = {}
    for table, column in rows:
        tables.setdefault(table, set()).add(column)
    return tables


def test_every_yaml_parses_and_is_versioned(assets):
    files = sorted(ASSETS.rglob("*.yaml")) + sorted(ASSETS.rglob("*.yml"))
    assert len(files) >= 1 + 4
    for path in files:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(doc, dict), path
        assert str(doc.get("version")) == "1.0.0", f"{path}: version must be 1.0.0"
        if path.name != "metadata.yaml":
            assert re.fullmatch(r"[0-9a-f-]{36}", str(doc.get("uuid", ""))), f"{path}: uuid"
    for kind in ("databases", "datasets", "charts", "dashboards"):
        assert assets.of(kind), f"no {kind} in superset_assets/"


def test_uuid_links_resolve(assets):
    databases, datasets = assets.of("databases"), assets.of("datasets")
    charts, dashboards = assets.of("charts"), assets.of("dashboards")
    for uuid, ds in datasets.items():
        assert ds["database_uuid"] in databases, f"{assets.paths[uuid]}: unknown database_uuid"
    for uuid, chart in charts.items():
        assert chart["dataset_uuid"] in datasets, f"{assets.paths[uuid]}: unknown dataset_uuid"
    used = set()
    for uuid, dash in dashboards.items():
        chart_uuids = dashboard_chart_uuids(dash)
        assert chart_uuids, f"{assets.paths[uuid]}: no chart"
        for cu in chart_uuids:
            assert cu in charts, f"{assets.paths[uuid]}: position refers to unknown chart {cu}"
        used.update(chart_uuids)
        chart_ids = [
            item["meta"]["chartId"]
            for item in dash["position"].values()
            if isinstance(item, dict) and item.get("type") == "CHART"
        ]
        assert len(set(chart_ids)) == len(chart_ids), f"{assets.paths[uuid]}: duplicate chartId in position"
        for nf in dash.get("metadata", {}).get("native_filter_configuration", []):
            for target in nf.get("targets", []):
                ds = datasets.get(target.get("datasetUuid"))
                assert ds is not None, f"filter {nf['name']!r}: unknown datasetUuid"
                names = {c["column_name"] for c in ds["columns"]}
                assert target["column"]["name"] in names, f"filter {nf['name']!r}: unknown column"
            for excluded in nf.get("scope", {}).get("excluded", []):
                assert excluded in chart_ids, f"filter {nf['name']!r}: scope excludes unknown chartId {excluded}"
    assert set(charts) == used, f"charts on no dashboard: {[assets.paths[u].name for u in set(charts) - used]}"


def test_datasets_are_marts_tables_of_the_published_warehouse(assets, marts_columns):
    for uuid, ds in assets.of("datasets").items():
        where = assets.paths[uuid]
        assert ds["schema"] == "marts", f"{where}: datasets read the marts schema only"
        assert not ds.get("sql"), f"{where}: physical datasets only (no SQL)"
        table = ds["table_name"]
        assert table in marts_columns, f"{where}: marts.{table} is not in the published warehouse"
        names = set()
        for column in ds["columns"]:
            names.add(column["column_name"])
            if not column.get("expression"):
                assert column["column_name"] in marts_columns[table], (
                    f"{where}: column {column['column_name']} not in marts.{table}"
                )
            assert column.get("verbose_name"), f"{where}: column {column['column_name']} needs a French label"
        for metric in ds["metrics"]:
            assert metric.get("verbose_name"), f"{where}: metric {metric['metric_name']} needs a French label"
            assert metric.get("d3format"), f"{where}: metric {metric['metric_name']} needs a number format"


def test_charts_refer_to_existing_columns_and_metrics(assets):
    datasets = assets.of("datasets")
    for uuid, chart in assets.of("charts").items():
        ds = datasets[chart["dataset_uuid"]]
        columns = {c["column_name"] for c in ds["columns"]}
        metrics = {m["metric_name"] for m in ds["metrics"]}
        params = chart["params"]
        where = assets.paths[uuid]
        assert chart["viz_type"] == params["viz_type"], where
        assert "datasource" not in params, f"{where}: params.datasource is a volatile id"
        assert chart_column_refs(params) <= columns, f"{where}: {chart_column_refs(params) - columns}"
        assert chart_metric_refs(params) <= metrics, f"{where}: {chart_metric_refs(params) - metrics}"


def test_demonstration_data_is_labelled(assets, marts_columns):
    """The indicator table shows the nature of the data; charts restricted to demonstration data say so."""
    charts = assets.of("charts").values()
    tables = [c for c in charts if c["viz_type"] == "table"]
    assert any("nature_donnee" in (c["params"].get("all_columns") or []) for c in tables)
    # and whether the value is published: « secret statistique », « non diffusé à ce niveau » (issue 14)
    assert any("statut_diffusion" in (c["params"].get("all_columns") or []) for c in tables)
    for chart in charts:
        values = {
            f.get("comparator")
            for f in chart["params"].get("adhoc_filters") or []
            if f.get("subject") in ("nature_donnee", "est_demonstration")
        }
        if "Démonstration" in values or True in values:
            assert "(données de démonstration)" in chart["slice_name"], chart["slice_name"]
    for dash in assets.of("dashboards").values():
        markdown = " ".join(
            item["meta"].get("code", "")
            for item in dash["position"].values()
            if isinstance(item, dict) and item.get("type") == "MARKDOWN"
        )
        assert "DÉMONSTRATION" in markdown.upper(), "the dashboard must explain the demonstration data"


def test_database_is_read_only_and_carries_no_secret_or_path(assets):
    for uuid, db in assets.of("databases").items():
        where = assets.paths[uuid]
        assert db["sqlalchemy_uri"] == f"duckdb:///{PLACEHOLDER}", f"{where}: uri must be the placeholder"
        assert db.get("allow_dml") is False and db.get("allow_ctas") is False and db.get("allow_cvas") is False
        assert db.get("expose_in_sqllab") is True
        connect_args = db["extra"]["engine_params"]["connect_args"]
        assert connect_args["read_only"] is True
        assert connect_args["config"] == {"enable_external_access": False, "lock_configuration": True}
        assert not db.get("password") and not db.get("encrypted_extra")
    for path in ASSETS.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"(/home/|/work/|/tmp/|/Users/|[A-Z]:\\\\)", text), f"{path}: machine path"
            assert not re.search(r"(?i)(password|secret|token)\s*:", text), f"{path}: secret-like key"


def test_dashboards_are_dbt_exposures_on_their_marts(assets):
    assert EXPOSURES.exists(), f"{EXPOSURES.relative_to(REPO_ROOT)} is missing (dbt exposures of the dashboards)"
    doc = yaml.safe_load(EXPOSURES.read_text(encoding="utf-8")) or {}
    exposures = [e for e in doc.get("exposures", []) if e.get("type") == "dashboard"]
    datasets = assets.of("datasets")
    for dash in assets.of("dashboards").values():
        title, slug = dash["dashboard_title"], dash.get("slug") or ""
        matches = [
            e
            for e in exposures
            if e.get("label") == title or e.get("name") == title or (slug and slug in str(e.get("url", "")))
        ]
        assert matches, f"dashboard {title!r} (slug {slug}) is not declared in {EXPOSURES.name}"
        refs = set()
        for dep in matches[0].get("depends_on", []):
            m = re.fullmatch(r"\s*ref\(\s*['\"]([^'\"]+)['\"]\s*\)\s*", str(dep))
            if m:
                refs.add(m.group(1))
        used_tables = {
            datasets[assets.of("charts")[cu]["dataset_uuid"]]["table_name"] for cu in dashboard_chart_uuids(dash)
        } | {
            datasets[t["datasetUuid"]]["table_name"]
            for nf in dash.get("metadata", {}).get("native_filter_configuration", [])
            for t in nf.get("targets", [])
            if t.get("datasetUuid") in datasets
        }
        assert used_tables <= refs, f"exposure {matches[0].get('name')} should depend on {sorted(used_tables - refs)}"
