"""Helpers shared by the tests (import as `from tests.helpers import ...`)."""

from __future__ import annotations

import csv
import gzip
import hashlib
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
