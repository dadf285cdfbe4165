"""Fixtures for the partner-file intake: a fresh working area per test."""

from __future__ import annotations

import pytest

from core.settings import Settings, load_settings


@pytest.fixture
def settings(tmp_path) -> Settings:
    return load_settings({"OBS_VAR_DIR": str(tmp_path / "var"), "OBS_DEPARTEMENT": "32"})
