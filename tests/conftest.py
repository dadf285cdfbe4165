"""Shared fixtures: every test gets its own working area; the published warehouse is built once per session
by the real pipeline (extract → dbt build → publish) on the embedded snapshot."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Portraits de territoire after each publish cost seconds per refresh; the tests that need them ask for them
# (tests/test_portraits.py, test_dags.py, test_refresh.py's 64 case). For what reads the environment (the CLI,
# subprocesses); settings built by tests.helpers.make_settings have it too.
os.environ.setdefault("OBS_PORTRAITS", "non")

from tests.helpers import make_settings, query


@pytest.fixture(scope="session")
def refreshed(tmp_path_factory) -> dict:
    """A complete offline refresh of the Gers: the settings used and what `refresh()` returned."""
    from observatoire.refresh import refresh

    settings = make_settings(tmp_path_factory.mktemp("var32"))
    return {"settings": settings, "result": refresh(settings)}


@pytest.fixture(scope="session")
def published_warehouse(refreshed) -> Path:
    return refreshed["settings"].warehouse_path


@pytest.fixture(scope="session")
def portraits_archive(refreshed) -> dict:
    """The step after a publish (portraits de territoire, HTML only) on the session's warehouse, run once."""
    from observatoire.portraits.archive import publish_portraits

    # the publication the portraits are made from (later tests may republish the session's warehouse)
    (published_at,) = query(refreshed["settings"].warehouse_path, "select published_at from meta.publication")[0]
    summary = publish_portraits(refreshed["settings"].model_copy(update={"portraits": "html"}))
    assert summary["statut"] == "générés", summary
    return {**summary, "published_at": published_at}
