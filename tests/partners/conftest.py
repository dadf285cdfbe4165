"""Fixtures for the partner-file intake: a fresh working area per test."""

from __future__ import annotations

import pytest

from observatoire.config import Settings, load_settings


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    monkeypatch.delenv("OBS_CTG_DEBUT", raising=False)
    monkeypatch.delenv("OBS_CTG_FIN", raising=False)
    monkeypatch.delenv("OBS_INBOX_DIR", raising=False)
    return load_settings({"OBS_VAR_DIR": str(tmp_path / "var"), "OBS_DEPARTEMENT": "32"})
