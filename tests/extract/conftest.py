"""Fixtures for extract tests: settings pointed at a temporary var dir, recorded responses, fast retries."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import load_settings
from extract.http import make_session

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "recorded"


@pytest.fixture
def make_settings(tmp_path):
    def make(**env):
        values = {"OBS_VAR_DIR": str(tmp_path / "var"), "OBS_DEPARTEMENT": "32", "OBS_MODE": "offline"}
        values.update(env)
        return load_settings(values)

    return make


@pytest.fixture
def settings(make_settings):
    return make_settings()


@pytest.fixture
def session():
    """Same retry policy as production, without the waiting."""
    return make_session(retries=2, backoff_factor=0)
