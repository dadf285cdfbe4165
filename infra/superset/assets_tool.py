"""Helpers for import_assets.sh (standard library + PyYAML, both in the Superset venv).

python assets_tool.py render ASSETS_DIR OUT_DIR WAREHOUSE_PATH
    Copy the YAML of ASSETS_DIR into OUT_DIR, replacing the placeholder __OBS_WAREHOUSE_PATH__ in
    database files with the absolute warehouse path (so no machine path is ever committed), and the charts'
    base map __OBS_MAP_TILES__ with SUPERSET_MAP_TILES_URL (none by default).
python assets_tool.py check-imported ASSETS_DIR SUPERSET_DB
    Fail unless every database, dataset, chart and dashboard UUID of ASSETS_DIR is in Superset's
    metadata database (SQLite), and every dashboard's charts are attached to it.
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
import unicodedata
import uuid
import zipfile
from pathlib import Path

import yaml
from superset_env import env

PLACEHOLDER = "__OBS_WAREHOUSE_PATH__"
# deck.gl base map of the charts (mapbox_style): SUPERSET_MAP_TILES_URL as "tile://URL", or "" (no base map,
# no third-party request) when unset. superset_config.py opens the CSP to that tile server only.
MAP_TILES = "__OBS_MAP_TILES__"
KINDS = {"databases": "dbs", "datasets": "tables", "charts": "slices", "dashboards": "dashboards"}


def render(assets: Path, out: Path, warehouse: Path) -> None:
    warehouse = warehouse.resolve()
    if not warehouse.is_file():
        sys.exit(f"warehouse not found: {warehouse}")
    n = 0
    for src in sorted(assets.rglob("*.yaml")):
        dst = out / src.relative_to(assets)
        dst.parent.mkdir(parents=True, exist_ok=True)
        text = src.read_text(encoding="utf-8")
        if src.relative_to(assets).parts[0] == "databases":
            if PLACEHOLDER not in text:
                sys.exit(f"{src}: sqlalchemy_uri must use the placeholder {PLACEHOLDER}")
            text = text.replace(PLACEHOLDER, str(warehouse))
            yaml.safe_load(text)  # the path must not break the YAML
        if src.relative_to(assets).parts[0] == "charts" and MAP_TILES in text:
            tiles = env("SUPERSET_MAP_TILES_URL").strip()
            text = text.replace(MAP_TILES, json.dumps(f"tile://{tiles}" if tiles else ""))
        dst.write_text(text, encoding="utf-8")
        n += 1
    if n == 0:
        sys.exit(f"no YAML file under {assets}")


def _slug(text: str) -> str:
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", norm.lower()).strip("_")[:80] or "objet"


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (markdown, descriptions) as literal blocks, for readable diffs."""


_Dumper.add_representer(
    str,
    lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", s, style="|" if "\n" in s else None),
)


def _keep_order(new: list[dict], old: list[dict], key: str) -> list[dict]:
    """Entries in the committed order, new ones (by `key`) after them."""
    rank = {item[key]: i for i, item in enumerate(old)}
    return sorted(new, key=lambda item: (rank.get(item[key], len(rank)), item[key]))


def _stable_chart_ids(doc: dict, committed: dict | None) -> None:
    """Replace the exporting instance's chart ids (volatile) by the committed ones, matched by chart UUID."""
    charts = [v for v in doc["position"].values() if isinstance(v, dict) and v.get("type") == "CHART"]
    old = {}
    if committed:
        old = {
            v["meta"]["uuid"]: v["meta"]["chartId"]
            for v in committed["position"].values()
            if isinstance(v, dict) and v.get("type") == "CHART"
        }
    next_id = max(old.values(), default=0) + 1
    id_map = {}
    for item in charts:
        new_id = old.get(item["meta"]["uuid"])
        if new_id is None:
            new_id, next_id = next_id, next_id + 1
        id_map[item["meta"]["chartId"]] = new_id
        item["meta"]["chartId"] = new_id
    meta = doc.get("metadata", {})
    for nf in meta.get("native_filter_configuration", []):
        scope = nf.get("scope", {})
        scope["excluded"] = sorted(id_map[i] for i in scope.get("excluded", []) if i in id_map)
        nf.pop("chartsInScope", None)  # recomputed by the frontend from scope; ids would be volatile
    glob = meta.get("global_chart_configuration", {})
    if glob:
        glob.get("scope", {})["excluded"] = sorted(
            id_map[i] for i in glob.get("scope", {}).get("excluded", []) if i in id_map
        )
        glob["chartsInScope"] = []
    conf = meta.get("chart_configuration", {})
    meta["chart_configuration"] = {
        str(id_map.get(int(k), k)): {
            **v,
            "id": id_map.get(v.get("id"), v.get("id")),
            "crossFilters": {
                **v.get("crossFilters", {}),
                "chartsInScope": [],
            },
        }
        for k, v in conf.items()
    }


def normalize(export_zip: Path, assets: Path) -> None:
    by_uuid = {}
    for path in assets.rglob("*.yaml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and "uuid" in doc:
            by_uuid[str(doc["uuid"])] = path
    with zipfile.ZipFile(export_zip) as zf:
        for name in zf.namelist():
            parts = Path(name).parts
            kind = next((p for p in parts if p in KINDS), None)
            if kind is None or not name.endswith(".yaml"):
                continue  # metadata.yaml of the export is not kept: ours stays
            doc = yaml.safe_load(zf.read(name).decode("utf-8"))
            if kind == "databases":
                doc["sqlalchemy_uri"] = f"duckdb:///{PLACEHOLDER}"
                for key in ("password", "encrypted_extra", "masked_encrypted_extra", "ssh_tunnel"):
                    doc.pop(key, None)
            elif kind == "charts":
                doc.get("params", {}).pop("datasource", None)
                doc["query_context"] = None
                if "mapbox_style" in doc.get("params", {}):
                    doc["params"]["mapbox_style"] = MAP_TILES
            target = by_uuid.get(str(doc["uuid"]))
            committed = yaml.safe_load(target.read_text(encoding="utf-8")) if target else None
            if kind == "datasets" and committed:
                doc["columns"] = _keep_order(doc["columns"], committed["columns"], "column_name")
                doc["metrics"] = _keep_order(doc["metrics"], committed["metrics"], "metric_name")
            if kind == "dashboards":
                _stable_chart_ids(doc, committed)
            title = (
                doc.get("database_name") or doc.get("table_name") or doc.get("slice_name") or doc.get("dashboard_title")
            )
            if target is None:
                sub = parts[parts.index(kind) : -1]
                target = assets.joinpath(*sub, _slug(str(title)) + ".yaml")
            target.parent.mkdir(parents=True, exist_ok=True)
            text = yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110)
            target.write_text(text, encoding="utf-8")
            print(f"{kind}: {target.relative_to(assets)}", file=sys.stderr)


def check_imported(assets: Path, superset_db: Path) -> None:
    con = sqlite3.connect(f"file:{superset_db}?mode=ro", uri=True)
    missing = []
    for folder, table in KINDS.items():
        for path in sorted((assets / folder).rglob("*.yaml")):
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            blob = uuid.UUID(str(doc["uuid"])).bytes
            row = con.execute(f"select id from {table} where uuid = ?", (blob,)).fetchone()
            if row is None:
                missing.append(f"{folder}/{path.name} ({doc['uuid']})")
                continue
            if folder == "dashboards":
                wanted = {
                    uuid.UUID(item["meta"]["uuid"]).bytes
                    for item in doc["position"].values()
                    if isinstance(item, dict) and item.get("type") == "CHART"
                }
                attached = {
                    r[0]
                    for r in con.execute(
                        "select s.uuid from dashboard_slices ds join slices s on s.id = ds.slice_id "
                        "where ds.dashboard_id = ?",
                        (row[0],),
                    )
                }
                if wanted - attached:
                    missing.append(f"{folder}/{path.name}: {len(wanted - attached)} chart(s) not attached")
    if missing:
        sys.exit("not imported: " + "; ".join(missing))
    print(f"[superset] all asset UUIDs present in {superset_db}", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "render":
        render(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
    elif len(sys.argv) == 4 and sys.argv[1] == "normalize":
        normalize(Path(sys.argv[2]), Path(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "check-imported":
        check_imported(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        sys.exit(__doc__)
