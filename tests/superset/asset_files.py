"""Read superset_assets/ into plain dicts, keyed by UUID (shared by the Superset tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ASSETS = Path(__file__).resolve().parents[2] / "superset_assets"
KINDS = ("databases", "datasets", "charts", "dashboards")


@dataclass
class Assets:
    metadata: dict[str, Any]
    files: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # kind -> uuid -> doc
    paths: dict[str, Path] = field(default_factory=dict)  # uuid -> file

    def of(self, kind: str) -> dict[str, dict[str, Any]]:
        return self.files[kind]


def load_assets(root: Path = ASSETS) -> Assets:
    assets = Assets(metadata=yaml.safe_load((root / "metadata.yaml").read_text(encoding="utf-8")))
    for kind in KINDS:
        assets.files[kind] = {}
        for path in sorted((root / kind).rglob("*.yaml")):
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            uuid = str(doc["uuid"])
            assert uuid not in assets.paths, f"duplicate uuid {uuid}: {path} and {assets.paths[uuid]}"
            assets.files[kind][uuid] = doc
            assets.paths[uuid] = path
    return assets


def dashboard_chart_uuids(dashboard: dict[str, Any]) -> list[str]:
    return [
        item["meta"]["uuid"]
        for item in dashboard["position"].values()
        if isinstance(item, dict) and item.get("type") == "CHART"
    ]


def chart_column_refs(params: dict[str, Any]) -> set[str]:
    """Dataset column names a chart's params refer to (simple column references only)."""
    refs: set[str] = set()
    for key in ("x_axis", "groupby", "all_columns", "columns", "series"):
        value = params.get(key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item:
                refs.add(item)
    for f in params.get("adhoc_filters") or []:
        if f.get("expressionType") == "SIMPLE":
            refs.add(f["subject"])
    return refs


def chart_metric_refs(params: dict[str, Any]) -> set[str]:
    """Saved-metric names a chart's params refer to (ad hoc metrics are dicts and are not listed)."""
    refs: set[str] = set()
    for key in ("metric", "metrics", "percent_metrics", "timeseries_limit_metric"):
        value = params.get(key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item:
                refs.add(item)
    return refs
