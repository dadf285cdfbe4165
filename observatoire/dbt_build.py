"""Run `dbt build` (models, seeds, snapshots and every test) into a build file, in-process.

dbt-core's programmatic entry point (dbtRunner) is used rather than a subprocess so that Airflow and the
CLI share one code path and progress events stream to the caller.

dbt receives its variables explicitly (`--vars`, read by profiles.yml and the sources): the process
environment is not touched. dbt always builds into the same work file of `$OBS_VAR_DIR/dbt/`, with the
same `--vars` and the same target folder, so that its profile and vars hashes do not change from one build
to the next and dbt re-parses only the project files that changed (partial parsing); the finished file is
then moved into the build's own folder. A partial build (`start_from` + `select`) starts from a copy of
the last good build file and rebuilds only the selected nodes (observatoire/partial.py).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from core.settings import Settings
from observatoire.snapshot_history import restore_snapshots, save_snapshots

AUDIT_FILE = "build_ok.json"  # written next to the build file only when every node and test passed
BUILD_FILE = "observatoire_build.duckdb"  # its stem is the DuckDB catalog name the dbt models live in


class BuildFailed(RuntimeError):
    """dbt build did not pass; nothing is published. The message lists the failing nodes."""


def dbt_dir(settings: Settings) -> Path:
    """dbt's stable working area: the work file being built and `target/` (the saved manifest)."""
    return settings.var_dir / "dbt"


def work_path(settings: Settings) -> Path:
    return dbt_dir(settings) / BUILD_FILE


def dbt_vars(settings: Settings, build_path: Path | None = None, run_date: str | None = None) -> dict[str, str]:
    """Every value the dbt project reads (profiles.yml, sources, models), passed with `--vars`. The build
    path is the stable work file unless another is given (dbt docs on a finished build); the run date
    (macro date_reference) is fixed by the caller so that a partial build knows which date it uses — the
    vars change once a day, and so does dbt's parse."""
    return {
        "departement": settings.departement,
        "scope": settings.scope,
        "millesimes_regionaux": settings.millesimes_regionaux,
        "landing_dir": str(settings.landing_dir),
        "build_path": str(build_path or work_path(settings)),
    } | ({"date_reference": run_date} if run_date else {})


def dbt_args(command: list[str], settings: Settings, log_path: Path, target_path: Path | None = None,
             build_path: Path | None = None, run_date: str | None = None) -> list[str]:
    project = str(settings.dbt_project_dir)
    return [*command, "--project-dir", project, "--profiles-dir", project,
            "--vars", json.dumps(dbt_vars(settings, build_path, run_date), sort_keys=True),
            "--target-path", str(target_path or dbt_dir(settings) / "target"),
            "--log-path", str(log_path), "--quiet"]


def _progress_callback(progress: Callable[[str], None] | None):
    def callback(event) -> None:
        if progress and event.info.name in {"LogModelResult", "LogTestResult", "LogSeedResult"}:
            progress(event.info.msg)

    return callback


def _prepare(settings: Settings, build_path: Path, start_from: Path | None) -> Path:
    """Clear what a killed or failed build left, and put the starting file (empty, or a copy of the last
    good build) in the work place."""
    build_path.parent.mkdir(parents=True, exist_ok=True)
    work = work_path(settings)
    work.parent.mkdir(parents=True, exist_ok=True)
    for stale in (build_path, build_path.with_suffix(".duckdb.wal"), build_path.parent / AUDIT_FILE,
                  work, work.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    if start_from is not None:
        shutil.copyfile(start_from, work)
    return work


def _invoke(settings: Settings, work: Path, build_path: Path, select: list[str] | None, run_date: str | None,
            progress):
    from dbt.cli.main import dbtRunner  # heavy import: only when a build runs

    args = dbt_args(["build"], settings, build_path.parent / "logs", run_date=run_date)
    # A partial build writes no manifest.json nor run_results.json (~1 s): see partial.record_build.
    args += ["--select", *select, "--no-write-json"] if select else []
    try:
        return dbtRunner(callbacks=[_progress_callback(progress)]).invoke(args)
    finally:
        _release_duckdb()
        if work.exists():  # closed: move it to the build's own folder (kept for inspection when it failed)
            os.replace(work, build_path)


def run_dbt_build(settings: Settings, build_path: Path, progress: Callable[[str], None] | None = None,
                  start_from: Path | None = None, select: list[str] | None = None,
                  run_date: str | None = None) -> dict:
    work = _prepare(settings, build_path, start_from)
    restored = restore_snapshots(settings, work)
    started = time.monotonic()
    result = _invoke(settings, work, build_path, select, run_date, progress)
    seconds = round(time.monotonic() - started, 1)
    node_results = _check(result)
    saved = save_snapshots(settings, build_path)
    summary = {
        "build_path": str(build_path),
        "snapshots": {"restored": restored, "saved": saved},
        "nodes": len(node_results),
        "tests": sum(1 for r in node_results if r.node.resource_type in {"test", "unit_test"}),
        "warnings": [f"{r.node.unique_id}: {(r.message or '').strip()[:300]}"
                     for r in node_results if str(r.status) == "warn"],
        "seconds": seconds,
        "dbt_version": _dbt_version(),
    }
    (build_path.parent / AUDIT_FILE).write_text(json.dumps(summary, indent=2))
    return summary


def _check(result) -> list:
    """The node results of a build where every node and test passed; BuildFailed (in French) otherwise."""
    if result.exception is not None:
        raise BuildFailed(f"dbt n'a pas pu s'exécuter : {result.exception}")
    node_results = list(result.result.results) if result.result is not None else []
    failures = [
        f"{r.node.unique_id}: {r.status} — {(r.message or '').strip()[:300]}"
        for r in node_results
        if str(r.status) not in {"success", "pass", "skipped", "warn", "no-op"}
    ]
    if not result.success or failures:
        raise BuildFailed(
            "dbt build a échoué ; l'entrepôt publié n'est pas modifié.\n" + "\n".join(failures or ["(voir logs)"])
        )
    return node_results


def _release_duckdb() -> None:
    """dbt-duckdb keeps its DuckDB environment for the life of the process; close it (through the adapter's
    public `env()`) so that the build file is not held open once dbt is done."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    try:
        environment = DuckDBConnectionManager.env()
    except Exception:  # no environment: dbt failed before connecting
        return
    environment.close()
    DuckDBConnectionManager.close_all_connections()


def _dbt_version() -> str:
    from importlib.metadata import version

    return version("dbt-core")
