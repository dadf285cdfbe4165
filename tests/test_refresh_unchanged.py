"""A refresh with nothing new publishes nothing new (issue #16, item 1).

The published warehouse stores the fingerprint of its inputs (landing files, freshness flags, dbt project,
pipeline code, settings: observatoire/fingerprint.py). A refresh on the same inputs records its check and leaves
the published file byte-identical; `--force` or a changed input (a partner file) rebuilds. An unchanged source is
not parsed again (its landing carries the key of what it was parsed from).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import extract.run
from extract.registry import SOURCES
from observatoire.fingerprint import published_fingerprint, read_verification
from observatoire.intake import ingest_partner_file
from observatoire.refresh import refresh
from tests.helpers import adopt_build, copy_var, query, sha256
from tests.test_ctg import _actions_file


def _builds(settings) -> set[str]:
    return {p.name for p in settings.build_dir.iterdir()} if settings.build_dir.is_dir() else set()


def test_unchanged_inputs_publish_nothing_and_record_the_check(refreshed, tmp_path):
    settings = copy_var(refreshed["settings"], tmp_path / "var")
    before, builds = sha256(settings.warehouse_path), _builds(settings)
    result = refresh(settings)
    assert result["unchanged"] is True
    assert sha256(settings.warehouse_path) == before  # not republished, not touched
    assert _builds(settings) == builds  # and dbt did not run
    check = read_verification(settings)
    assert check["empreinte_entrees"] == published_fingerprint(settings.warehouse_path)


def test_force_rebuilds_the_same_inputs(refreshed, tmp_path):
    settings = copy_var(refreshed["settings"], tmp_path / "var")
    (before,) = query(settings.warehouse_path, "select published_at from meta.publication")[0]
    result = refresh(settings, force=True)
    assert result["unchanged"] is False
    (after,) = query(settings.warehouse_path, "select published_at from meta.publication")[0]
    assert after > before


def test_a_new_partner_file_rebuilds_and_publishes_it(refreshed, tmp_path):
    settings = copy_var(refreshed["settings"], tmp_path / "var")
    session_build = refreshed["result"]["build"]  # the published build's folder too: the rebuild may be partial
    adopt_build(session_build, settings, Path(session_build["build_path"]).parent.name)
    accepted = ingest_partner_file(_actions_file(tmp_path / "ctg.csv", "en cours"), "CAF32", None, settings)
    assert accepted.status == "accepted", accepted.errors
    result = refresh(settings)
    assert result["unchanged"] is False and result["build"]["partiel"] is True
    assert query(settings.warehouse_path,
                 "select statut from marts.fct_action_ctg where id_action = 'CAF32|A9.1'") == [("en cours",)]
    assert refresh(settings)["unchanged"] is True  # and the next night has nothing to do again


def test_a_stale_source_is_an_input_change(refreshed, tmp_path, monkeypatch):
    """Same landing bytes, but a source that failed tonight must be republished as stale."""
    settings = copy_var(refreshed["settings"], tmp_path / "var")
    real_fetch = extract.run.fetch

    def fetch(source, settings, session=None):
        if source.name == "insee_cog_regions":
            raise OSError("HTTP 503")
        return real_fetch(source, settings, session)

    monkeypatch.setattr(extract.run, "fetch", fetch)
    assert refresh(settings)["unchanged"] is False
    assert query(settings.warehouse_path, "select stale from meta.sources where source = 'insee_cog_regions'") \
        == [(True,)]


def test_an_unchanged_source_is_not_parsed_again(refreshed, tmp_path, monkeypatch):
    settings = copy_var(refreshed["settings"], tmp_path / "var")
    name = "insee_populations_legales"
    landing = settings.landing_dir / f"{name}.parquet"
    before = sha256(landing)

    def must_not_parse(paths, settings):
        raise AssertionError("parsed again although its inputs are unchanged")

    monkeypatch.setitem(SOURCES, name, dataclasses.replace(SOURCES[name], parser=must_not_parse))
    result = extract.run.extract_source(name, settings)
    assert sha256(landing) == before
    assert result["rows"] == pq.read_metadata(landing).num_rows > 0


def test_a_changed_perimeter_parses_again(refreshed, tmp_path, monkeypatch):
    """The perimeter landings (COG, EPCI) are inputs of the other parsers: when one changes, they re-parse."""
    settings = copy_var(refreshed["settings"], tmp_path / "var")
    perimeter = settings.landing_dir / "epci_composition.parquet"
    table = pq.read_table(perimeter)
    pq.write_table(table.slice(0, table.num_rows - 1), perimeter)  # one EPCI membership less
    calls = []
    real = SOURCES["insee_populations_legales"].parser

    def counting(paths, settings):
        calls.append(1)
        return real(paths, settings)

    monkeypatch.setitem(SOURCES, "insee_populations_legales",
                        dataclasses.replace(SOURCES["insee_populations_legales"], parser=counting))
    extract.run.extract_source("insee_populations_legales", settings)
    assert calls == [1]


@pytest.mark.parametrize("field", ["departement", "scope"])
def test_landing_key_follows_the_settings(refreshed, field):
    settings = refreshed["settings"]
    stored = [type("Stored", (), {"sha256": "x"})()]
    key = extract.run._landing_key("insee_rp_communes", stored, False, settings)
    other = {"departement": "64", "scope": "france"}[field]
    changed = extract.run._landing_key("insee_rp_communes", stored, False,
                                       settings.model_copy(update={field: other}))
    assert key != changed
