"""Shared fixtures: every test gets its own working area; the published warehouse is built once per session
by the real pipeline (extract → dbt build → publish) on the embedded snapshot."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from observatoire.config import REPO_ROOT, Settings, load_settings


def make_settings(var_dir: Path, departement: str = "32", **extra: str) -> Settings:
    return load_settings({"OBS_VAR_DIR": str(var_dir), "OBS_DEPARTEMENT": departement, **extra})


@pytest.fixture(scope="session")
def refreshed(tmp_path_factory) -> dict:
    """A complete offline refresh of the Gers: the settings used and what `refresh()` returned."""
    from observatoire.refresh import refresh

    settings = make_settings(tmp_path_factory.mktemp("var32"))
    return {"settings": settings, "result": refresh(settings)}


@pytest.fixture(scope="session")
def published_warehouse(refreshed) -> Path:
    return refreshed["settings"].warehouse_path


def read_snapshot_csv(relative: str, delimiter: str = ",") -> list[dict]:
    """Read a file of the embedded snapshot independently of extract/ (csv module, text codes)."""
    path = REPO_ROOT / "data" / "snapshot" / relative
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))
