"""The history of dbt snapshots (the CTG action plan), kept between builds.

Each build writes a new file, so dbt snapshots would restart empty every night: `restore_snapshots` loads the
saved history into the build file before `dbt build`, `save_snapshots` writes it back to
`$OBS_VAR_DIR/history/snapshots/` (one parquet per snapshot) only after a build whose tests all passed.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.files import atomic_path
from core.settings import Settings
from extract.raw import sql_literal

SNAPSHOT_SCHEMA = "snapshots"  # dbt snapshots (history of the CTG action plan), see dbt_project/snapshots/


def history_dir(settings: Settings) -> Path:
    """Where snapshot history survives between builds (each build file is new): one parquet per snapshot."""
    return settings.var_dir / "history" / SNAPSHOT_SCHEMA


def _count(con: duckdb.DuckDBPyConnection, name: str) -> int:
    return con.execute(f'select count(*) from {SNAPSHOT_SCHEMA}."{name}"').fetchone()[0]


def restore_snapshots(settings: Settings, build_path: Path) -> dict[str, int]:
    """Load the saved history of every snapshot into the build file, before `dbt build`, so that dbt
    snapshot *adds* to the history instead of starting it again."""
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
            counts[path.stem] = _count(con, path.stem)
    finally:
        con.close()
    return counts


def save_snapshots(settings: Settings, build_path: Path) -> dict[str, int]:
    """After a build where every test passed: write each snapshot table to var/history (atomic replace)."""
    folder = history_dir(settings)
    counts = {}
    con = duckdb.connect(str(build_path), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE'",
            [SNAPSHOT_SCHEMA]).fetchall()]
        for name in names:
            folder.mkdir(parents=True, exist_ok=True)
            with atomic_path(folder / f"{name}.parquet", suffix=".parquet") as tmp:
                con.execute(f"copy {SNAPSHOT_SCHEMA}.\"{name}\" to {sql_literal(tmp)} (format parquet)")
            counts[name] = _count(con, name)
    finally:
        con.close()
    return counts
