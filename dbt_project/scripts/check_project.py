"""A local check of the dbt-project-evaluator rules this project keeps (no dbt package can be downloaded here).

    .venvs/pipeline/bin/python dbt_project/scripts/check_project.py [--manifest target/manifest.json]

Without --manifest, runs `dbt parse` into a temporary folder (no warehouse needed, a few seconds) and reads its
manifest. Prints every violation and exits 1 if there is any. `tests/test_dbt_project_rules.py` runs it in
`make test` and proves each rule fails on a broken manifest. The rules (dbt_project/README.md « Rules checked »):

- description      every model and seed has a description (evaluator: undocumented models);
- primary_key      every model and seed has a primary-key test: the generic `primary_key` (macros/tests/), or
                   `unique` / `unique_combination_of_columns` whose every column is also tested not null
                   (evaluator: missing primary key tests);
- contract         every mart (models/marts/, all published) has `contract.enforced`, and every column a
                   data_type and a description (evaluator: public models without contract, undocumented columns);
- naming           staging `models/staging/<source>/stg_<source>__<entities>`, intermediate `int_…` under
                   models/intermediate/, marts `dim_…` / `fct_…`, or another name with `meta.role` declared
                   (evaluator: model naming conventions, model directories);
- sources          only staging models call source(), and they call nothing else (evaluator: direct join to
                   source, staging depends on downstream models);
- layers           intermediate models read staging, intermediate or seeds (never marts); a `meta.role:
                   tableau_de_bord` mart reads marts only (evaluator: downstream models dependent on upstream);
- rejoining        no model reads A and B where B's only child is that model and B reads A (evaluator:
                   rejoining of upstream concepts), except the five of KNOWN_REJOINS, present when the rule came;
- exposures        dashboards (exposures) depend on marts only (evaluator: exposure parents materialisations).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
DBT = Path(sys.executable).with_name("dbt")
MART_ROLES = {"tableau_de_bord", "geometrie", "qualite"}
# Rejoins that existed when the rule was introduced (issue #13), as (model, A, B): each reads A and B where B's
# only child is the model and B reads A already. Listed so that a new one fails; remove a line when refactored.
KNOWN_REJOINS = {
    ("dim_territoire", "int_communes_located", "int_territoires_unioned"),
    ("int_indicateurs_territoires_aggregated", "int_communes_territoires_bridged",
     "int_besoins_territoires_incomplets"),
    ("int_offre_territoires_counted", "int_offre_services_unioned", "int_offre_communes_bridged"),
    ("int_offre_territoires_counted", "int_communes_territoires_bridged", "int_offre_communes_bridged"),
    ("offre_territoire", "dim_action", "fct_offre_territoire"),
}


def parse_manifest(workdir: Path) -> dict:
    """`dbt parse` with throw-away paths (parse reads no data: the vars only fill profiles and sources)."""
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt_vars = {"landing_dir": str(workdir / "landing"), "build_path": str(workdir / "parse.duckdb")}
    done = subprocess.run(
        [str(DBT), "parse", "--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT),
         "--vars", json.dumps(dbt_vars),
         "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs"), "--quiet"],
        env=env, capture_output=True, text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"dbt parse failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads((workdir / "target" / "manifest.json").read_text(encoding="utf-8"))


def _layer(node: dict) -> str:
    path = node["original_file_path"]
    for layer in ("staging", "intermediate", "marts"):
        if path.startswith(f"models/{layer}/"):
            return layer
    return "other"


def _tests_by_node(manifest: dict) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """node id → [(generic test name, columns it covers)]."""
    out: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for test in manifest["nodes"].values():
        meta = test.get("test_metadata") if test["resource_type"] == "test" else None
        if not meta or not test.get("attached_node"):
            continue
        kwargs = meta.get("kwargs", {})
        if meta["name"] == "primary_key":
            columns = tuple(sorted(kwargs.get("columns") or ()))
        elif "combination_of_columns" in kwargs:
            columns = tuple(sorted(kwargs["combination_of_columns"]))
        elif test.get("column_name"):
            columns = (test["column_name"],)
        else:
            continue
        out.setdefault(test["attached_node"], []).append((meta["name"], columns))
    return out


def _has_primary_key(tests: list[tuple[str, tuple[str, ...]]]) -> bool:
    """`primary_key`, or a uniqueness test whose every column is also checked not null."""
    found = set(tests)
    not_null = {cols[0] for name, cols in found if name == "not_null"}
    for name, cols in found:
        if name == "primary_key" and cols:
            return True
        if name in {"unique", "unique_combination_of_columns"} and (
                ("not_null_combination_of_columns", cols) in found or set(cols) <= not_null):
            return True
    return False


def violations(manifest: dict) -> list[str]:
    nodes = manifest["nodes"]
    models = {k: v for k, v in nodes.items() if v["resource_type"] == "model"}
    seeds = {k: v for k, v in nodes.items() if v["resource_type"] == "seed"}
    tests = _tests_by_node(manifest)
    children: dict[str, set[str]] = {}
    for key, node in nodes.items():
        for parent in node["depends_on"].get("nodes", []):
            if node["resource_type"] == "model":
                children.setdefault(parent, set()).add(key)
    out: list[str] = []
    for key, node in sorted({**models, **seeds}.items()):
        name = node["name"]
        if not (node.get("description") or "").strip():
            out.append(f"description: {name} has no description")
        if not _has_primary_key(tests.get(key, [])):
            out.append(f"primary_key: {name} has no unique + not_null test (single or combination of columns)")
    for key, node in sorted(models.items()):
        out += _model_rules(key, node, models, children)
    for _key, exposure in sorted(manifest.get("exposures", {}).items()):
        for parent in exposure["depends_on"]["nodes"]:
            if parent not in models or _layer(models[parent]) != "marts":
                out.append(f"exposures: {exposure['name']} depends on {parent}, not a mart")
    return out


def _model_rules(key: str, node: dict, models: dict, children: dict) -> list[str]:
    out: list[str] = []
    name, layer, path = node["name"], _layer(node), node["original_file_path"]
    parents = node["depends_on"]["nodes"]
    sources = [p for p in parents if p.startswith("source.")]
    parent_models = [p for p in parents if p in models]
    role = (node.get("config", {}).get("meta") or {}).get("role") or (node.get("meta") or {}).get("role")
    if layer == "staging":
        folder = Path(path).parent.name
        if not re.fullmatch(rf"stg_{re.escape(folder)}__[a-z0-9_]+", name):
            out.append(f"naming: {name} should be stg_{folder}__<entities> (folder models/staging/{folder}/)")
        if not sources or len(sources) != len(parents):
            out.append(f"sources: staging model {name} must read source() only, reads {parents}")
    elif sources:
        out.append(f"sources: {name} ({layer}) calls source() {sources}; only staging models may")
    if layer == "intermediate":
        if not name.startswith("int_"):
            out.append(f"naming: {name} in models/intermediate/ should start with int_")
        for parent in parent_models:
            if _layer(models[parent]) == "marts":
                out.append(f"layers: intermediate model {name} reads the mart {models[parent]['name']}")
    if layer == "marts":
        out += _mart_rules(node, role, [models[p] for p in parent_models])
    if layer == "other":
        out.append(f"naming: {name} is outside models/staging, models/intermediate and models/marts")
    for parent in parent_models:  # rejoining: parent B of this model, whose only child is this model, reads A
        if children.get(parent) == {key}:
            for grand in models[parent]["depends_on"]["nodes"]:
                known = (name, models.get(grand, {}).get("name"), models[parent]["name"]) in KNOWN_REJOINS
                if grand in parent_models and not known:
                    out.append(f"rejoining: {name} reads {models[grand]['name']} and "
                               f"{models[parent]['name']}, whose only child it is and which reads it already")
    return out


def _mart_rules(node: dict, role: str | None, parents: list[dict]) -> list[str]:
    out: list[str] = []
    name = node["name"]
    if not (node.get("config", {}).get("contract") or {}).get("enforced"):
        out.append(f"contract: mart {name} has no enforced contract")
    if not node["columns"]:
        out.append(f"contract: mart {name} declares no column")
    for column in node["columns"].values():
        if not column.get("data_type"):
            out.append(f"contract: {name}.{column['name']} has no data_type")
        if not (column.get("description") or "").strip():
            out.append(f"contract: {name}.{column['name']} has no description")
    if not name.startswith(("dim_", "fct_")) and role not in MART_ROLES:
        out.append(f"naming: mart {name} is neither dim_ nor fct_ and declares no meta.role "
                   f"({', '.join(sorted(MART_ROLES))})")
    if role == "tableau_de_bord":
        for parent in parents:
            if _layer(parent) != "marts":
                out.append(f"layers: dashboard table {name} reads {parent['name']}, not a mart")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, help="an existing manifest.json (default: run dbt parse)")
    args = parser.parse_args()
    if args.manifest:
        manifest = json.loads(args.manifest.read_text(encoding="utf-8"))
    else:
        with tempfile.TemporaryDirectory(prefix="dbt-parse-") as tmp:
            manifest = parse_manifest(Path(tmp))
    found = violations(manifest)
    for line in found:
        print(line)
    models = sum(1 for n in manifest["nodes"].values() if n["resource_type"] == "model")
    print(f"{len(found)} violation(s) over {models} models")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
