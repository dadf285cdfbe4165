"""The floor of a build: the compiled SQL of every model executed directly in one DuckDB connection, in
dependency order, without dbt and without tests (issue #16 item 4).

`dbt compile` (not timed) writes the manifest; then, in one connection with the profile's DuckDB settings
(two DuckDB threads, as the build), every seed is loaded from its CSV with its declared column
types, every model and the snapshot's first version are created (CREATE TABLE / VIEW per materialization)
from their compiled SQL, which reads the landing parquet files as dbt-duckdb does. Each node is timed.

Usage (after a refresh has filled the landing of OBS_VAR_DIR; same OBS_* variables as that refresh):
    .venvs/pipeline/bin/python bench/floor.py [--top 10] [--explain 2]
`--explain N` prints DuckDB's EXPLAIN ANALYZE of the N slowest models (run again after the floor).
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import tempfile
import time
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb
import yaml

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venvs" / "pipeline" / "bin"
PROFILE = ROOT / "dbt_project" / "profiles.yml"
SNAPSHOT_COLUMNS = ("md5(cast(current_timestamp as varchar)) as dbt_scd_id, current_timestamp as dbt_updated_at, "
                    "current_timestamp as dbt_valid_from, null::timestamp as dbt_valid_to")


def compile_manifest(settings, work: Path) -> dict:
    """`dbt compile` of the project for `settings` into `work` (its own process, so that dbt-duckdb's
    connection is closed when it ends); returns the manifest, compiled SQL inside."""
    from observatoire.dbt_build import dbt_args

    args = dbt_args(["compile"], settings, work / "logs", work / "target", build_path=work / "floor.duckdb")
    run = subprocess.run([str(VENV_BIN / "dbt"), *args], capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"dbt compile failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    (work / "floor.duckdb").unlink(missing_ok=True)
    return json.loads((work / "target" / "manifest.json").read_text())


def _ordered_nodes(manifest: dict) -> list[dict]:
    nodes = {uid: node for uid, node in manifest["nodes"].items()
             if node["resource_type"] in {"model", "seed", "snapshot"}}
    graph = {uid: [d for d in node.get("depends_on", {}).get("nodes", []) if d in nodes] for uid, node in nodes.items()}
    return [nodes[uid] for uid in TopologicalSorter(graph).static_order()]


def _statement(node: dict) -> str | None:
    """The SQL creating `node` as dbt would (None for an ephemeral model, inlined in its dependants)."""
    relation = node["relation_name"]
    kind = node["resource_type"]
    if kind == "seed":
        path = Path(node["root_path"]) / node["original_file_path"]
        with path.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        types = node["config"].get("column_types") or {}
        spec = ", ".join(f"'{col}': '{types.get(col, 'varchar')}'" for col in header)
        return f"create table {relation} as select * from read_csv('{path}', header = true, columns = {{{spec}}})"
    if kind == "snapshot":
        return f"create table {relation} as select *, {SNAPSHOT_COLUMNS} from ({node['compiled_code']})"
    materialized = node["config"]["materialized"]
    if materialized == "ephemeral":
        return None
    return f"create {'view' if materialized == 'view' else 'table'} {relation} as {node['compiled_code']}"


def duckdb_settings() -> dict:
    """The DuckDB settings of the build's profile (threads: 2), so the floor runs the queries as dbt does."""
    profile = yaml.safe_load(PROFILE.read_text())["observatoire"]["outputs"]["build"]
    return dict(profile.get("settings") or {})


def run_floor(manifest: dict, database: Path) -> list[tuple[str, float]]:
    """Every node in dependency order in one connection; (name, seconds) per node, in execution order."""
    database.unlink(missing_ok=True)
    timings = []
    con = duckdb.connect(str(database), config=duckdb_settings())
    try:
        for node in _ordered_nodes(manifest):
            statement = _statement(node)
            if statement is None:
                continue
            started = time.perf_counter()
            con.execute(f"create schema if not exists {node['schema']}")
            con.execute(statement)
            timings.append((node["name"], time.perf_counter() - started))
    finally:
        con.close()
    return timings


def explain(manifest: dict, database: Path, names: list[str]) -> None:
    """EXPLAIN ANALYZE of the named models on the floor's database (their inputs are there)."""
    by_name = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    con = duckdb.connect(str(database), config=duckdb_settings())
    try:
        for name in names:
            plan = con.execute(f"explain analyze {by_name[name]['compiled_code']}").fetchall()
            print(f"\n===== {name}\n{plan[0][1]}")
    finally:
        con.close()


def measure(settings, top: int = 10, explain_top: int = 0) -> float:
    """Compile, run the floor, print the slowest nodes; returns the floor's total seconds."""
    with tempfile.TemporaryDirectory(prefix="obs-floor-") as tmp:
        work = Path(tmp)
        manifest = compile_manifest(settings, work)
        timings = run_floor(manifest, work / "floor.duckdb")
        total = sum(seconds for _, seconds in timings)
        slowest = sorted(timings, key=lambda item: -item[1])
        print(f"floor: {len(timings)} nodes in {total:.2f} s; slowest:")
        for name, seconds in slowest[:top]:
            print(f"  {seconds:6.2f} s  {name}")
        if explain_top:
            explain(manifest, work / "floor.duckdb", [name for name, _ in slowest[:explain_top]
                                                       if not name.startswith(("stg_", "snp_"))])
    return total


def main() -> None:
    from core.settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=10, help="slowest nodes to list")
    parser.add_argument("--explain", type=int, default=0, help="EXPLAIN ANALYZE of the N slowest models")
    args = parser.parse_args()
    measure(load_settings(), args.top, args.explain)


if __name__ == "__main__":
    main()
