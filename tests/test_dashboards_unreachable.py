"""Publishing does not depend on Superset: with Superset unreachable or not configured, the warehouse is still
published and a French warning says the dashboards keep their cached figures (observatoire/dashboards.py)."""

from __future__ import annotations

import json
import logging
import socket

import duckdb
import pytest

from observatoire.dbt_build import AUDIT_FILE
from observatoire.refresh import publish_build
from tests.helpers import make_settings


def _tiny_tested_build(folder):
    """The smallest build publish() accepts: the contract tables, one row each, and the audit file."""
    folder.mkdir(parents=True)
    build = folder / "observatoire_build.duckdb"
    con = duckdb.connect(str(build))
    con.execute("create schema marts")
    for table in ("dim_territoire", "dim_indicateur", "fct_indicateur_territoire"):
        con.execute(f"create table marts.{table} as select 'COM-32013' as code_territoire")
    con.close()
    (folder / AUDIT_FILE).write_text(json.dumps({"ok": True}))
    return build


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed when the block ends: nothing listens there


@pytest.mark.parametrize("superset_url", ["unreachable", ""])
def test_publish_stands_and_warns_when_superset_is_not_there(superset_url, tmp_path, monkeypatch, caplog):
    settings = make_settings(tmp_path / "var")
    url = f"http://127.0.0.1:{_closed_port()}" if superset_url else ""
    monkeypatch.setenv("SUPERSET_URL", url)
    monkeypatch.setenv("SUPERSET_SERVICE_USER", "service")
    monkeypatch.setenv("SUPERSET_SERVICE_PASSWORD", "secret")
    monkeypatch.delenv("OBS_NOTIFY_WEBHOOK", raising=False)
    monkeypatch.delenv("OBS_NOTIFY_SMTP_HOST", raising=False)
    build = _tiny_tested_build(settings.build_dir / "run1")
    caplog.set_level(logging.WARNING)

    result = publish_build(settings, {"build_path": str(build)}, [])

    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    assert con.execute("select count(*) from marts.dim_territoire").fetchone()[0] == 1
    assert con.execute("select count(*) from meta.publication").fetchone()[0] == 1
    con.close()
    expected = "injoignable" if url else "non configuré"
    assert result["dashboards"]["statut"] == expected
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("jusqu'à expiration du cache" in w for w in warnings), warnings
    if url:
        assert any(url in w and "L'entrepôt est bien publié" in w for w in warnings), warnings
