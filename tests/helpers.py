"""Helpers shared by the tests (import as `from tests.helpers import ...`)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import shutil
from pathlib import Path

import duckdb

from core.settings import REPO_ROOT, Settings, load_settings


def make_settings(var_dir: Path, departement: str = "32", **extra: str) -> Settings:
    """Settings of a test's own working area, read from these values only (not the environment); portraits off
    unless asked (OBS_PORTRAITS, as tests/conftest.py sets the environment for the CLI and subprocesses)."""
    return load_settings({"OBS_VAR_DIR": str(var_dir), "OBS_DEPARTEMENT": departement, "OBS_PORTRAITS": "non",
                          **extra})


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_var(settings: Settings, target: Path) -> Settings:
    """A copy of a working area (raw zone, landing, published warehouse), without builds, lock or Airflow."""
    shutil.copytree(settings.var_dir, target, ignore=shutil.ignore_patterns("build", "writer.lock", "airflow"))
    return make_settings(target, settings.departement)


def adopt_build(build_summary: dict, settings: Settings, name: str) -> dict:
    """A build of another working area (the session's full build, tests/conftest.py `refreshed`) copied under
    this area's builds as folder `name`, to publish it here instead of building the same inputs again. Its
    record (observatoire/partial.py's entrees.json) names the landing it was built from: here this area's
    copy of the very same files, so that the next build may start from it as it would from its own."""
    from observatoire.partial import INPUTS_FILE

    source = Path(build_summary["build_path"])
    folder = settings.build_dir / name
    shutil.copytree(source.parent, folder)
    record = json.loads((folder / INPUTS_FILE).read_text(encoding="utf-8"))
    assert record["landing_dir"] != str(settings.landing_dir)
    (folder / INPUTS_FILE).write_text(json.dumps({**record, "landing_dir": str(settings.landing_dir)}, indent=1),
                                      encoding="utf-8")
    return {**build_summary, "build_path": str(folder / source.name)}


def read_snapshot_csv(relative: str, delimiter: str = ",") -> list[dict]:
    """Read a file of the embedded snapshot independently of extract/ (csv module, text codes)."""
    path = REPO_ROOT / "data" / "snapshot" / relative
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of one query on a published warehouse, opened read-only as the dashboards open it."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
