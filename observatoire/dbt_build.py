"""Run `dbt build` (models, seeds, snapshots and every test) into a build file, in-process.

dbt-core's programmatic entry point (dbtRunner) is used rather than a subprocess so that Airflow and the
CLI share one code path and progress events stream to the caller.

Each build writes a new file, so dbt snapshots (history of the CTG action plan) would restart empty every
night: `restore_snapshots` loads the saved history into the new file before `dbt build`, `save_snapshots`
writes it back to `$OBS_VAR_DIR/history/snapshots/` only after a build whose tests all passed.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from core.files import atomic_path
from core.settings import Settings
from extract.raw import sql_literal

AUDIT_FILE = "build_ok.json"  # written next to the build file only when every node and test passed
SNAPSHOT_SCHEMA = "snapshots"  # dbt snapshots (history of the CTG action plan), see dbt_project/snapshots/


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
    restored = restore_snapshots(settings, build_path)
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
    saved = save_snapshots(settings, build_path)
    summary = {
        "build_path": str(build_path),
        "snapshots": {"restored": restored, "saved": saved},
        "nodes": len(node_results),
        "tests": sum(1 for r in node_results if r.node.resource_type in {"test", "unit_test"}),
        "warnings": warnings,
        "seconds": seconds,
        "dbt_version": _dbt_version(),
    }
    (build_path.parent / AUDIT_FILE).write_text(json.dumps(summary, indent=2))
    return summary


def history_dir(settings: Settings) -> Path:
    """Where snapshot history survives between builds (each build file is new): one parquet per snapshot."""
    return settings.var_dir / "history" / SNAPSHOT_SCHEMA


def restore_snapshots(settings: Settings, build_path: Path) -> dict[str, int]:
    """Load the saved history of every snapshot into the new build file, before `dbt build`, so that dbt
    snapshot *adds* to the history instead of starting it again."""
    import duckdb

    saved = sorted(history_dir(settings).glob("*.parquet"))
    if not saved:
        return {}
    counts = {}
    con = duckdb.connect(str(build_path))
    try:
        con.execute(f"create schema if not exists {SNAPSHOT_SCHEMA}")
        for path in saved:
            con.execute(f'create or replace table {SNAPSHOT_SCHEMA}."{path.stem}" as select * from read_parquet(?)',
                        [str(path)])
            counts[path.stem] = con.execute(f'select count(*) from {SNAPSHOT_SCHEMA}."{path.stem}"').fetchone()[0]
    finally:
        con.close()
    return counts


def save_snapshots(settings: Settings, build_path: Path) -> dict[str, int]:
    """After a build where every test passed: write each snapshot table to var/history (atomic replace)."""
    import duckdb

    folder = history_dir(settings)
    counts = {}
    con = duckdb.connect(str(build_path), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE'",
            [SNAPSHOT_SCHEMA]).fetchall()]
        for name in names:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{name}.parquet"
            with atomic_path(target, suffix=".parquet") as tmp:
                con.execute(f"copy {SNAPSHOT_SCHEMA}.\"{name}\" to {sql_literal(tmp)} (format parquet)")
            counts[name] = con.execute(f'select count(*) from {SNAPSHOT_SCHEMA}."{name}"').fetchone()[0]
    finally:
        con.close()
    return counts


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
