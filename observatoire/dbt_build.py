"""Run `dbt build` (models, seeds, snapshots and every test) into a build file, in-process.

dbt-core's programmatic entry point (dbtRunner) is used rather than a subprocess so that Airflow and the
CLI share one code path and progress events stream to the caller.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from observatoire.config import Settings

AUDIT_FILE = "build_ok.json"  # written next to the build file only when every node and test passed


class BuildFailed(RuntimeError):
    """dbt build did not pass; nothing is published. The message lists the failing nodes."""


def _progress_callback(progress: Callable[[str], None] | None):
    def callback(event) -> None:
        if progress and event.info.name in {"LogModelResult", "LogTestResult", "LogSeedResult"}:
            progress(event.info.msg)

    return callback


def run_dbt_build(
    settings: Settings, build_path: Path, progress: Callable[[str], None] | None = None
) -> dict:
    from dbt.cli.main import dbtRunner  # heavy import: only when a build runs

    build_path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (build_path, build_path.with_suffix(".duckdb.wal"), build_path.parent / AUDIT_FILE):
        stale.unlink(missing_ok=True)
    os.environ.update(settings.dbt_env(build_path))
    project = str(settings.dbt_project_dir)
    args = [
        "build",
        "--project-dir", project,
        "--profiles-dir", project,
        "--target-path", str(build_path.parent / "target"),
        "--log-path", str(build_path.parent / "logs"),
        "--quiet",
    ]
    started = time.monotonic()
    try:
        result = dbtRunner(callbacks=[_progress_callback(progress)]).invoke(args)
    finally:
        _release_duckdb()
    seconds = round(time.monotonic() - started, 1)
    if result.exception is not None:
        raise BuildFailed(f"dbt n'a pas pu s'exécuter : {result.exception}")
    node_results = list(result.result.results) if result.result is not None else []
    failures = [
        f"{r.node.unique_id}: {r.status} — {(r.message or '').strip()[:300]}"
        for r in node_results
        if str(r.status) not in {"success", "pass", "skipped", "warn", "no-op"}
    ]
    warnings = [
        f"{r.node.unique_id}: {(r.message or '').strip()[:300]}" for r in node_results if str(r.status) == "warn"
    ]
    if not result.success or failures:
        raise BuildFailed(
            "dbt build a échoué ; l'entrepôt publié n'est pas modifié.\n" + "\n".join(failures or ["(voir logs)"])
        )
    summary = {
        "build_path": str(build_path),
        "nodes": len(node_results),
        "tests": sum(1 for r in node_results if r.node.resource_type in {"test", "unit_test"}),
        "warnings": warnings,
        "seconds": seconds,
        "dbt_version": _dbt_version(),
    }
    (build_path.parent / AUDIT_FILE).write_text(json.dumps(summary, indent=2))
    return summary


def _release_duckdb() -> None:
    """dbt-duckdb keeps its connection open for the life of the process; close it so that the build file
    can be attached read-only by the publish step in the same process (CLI) and is not held locked."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    env = DuckDBConnectionManager._ENV
    conn = getattr(env, "conn", None)
    if conn is not None:
        conn.close()
    DuckDBConnectionManager.close_all_connections()


def _dbt_version() -> str:
    from importlib.metadata import version

    return version("dbt-core")
