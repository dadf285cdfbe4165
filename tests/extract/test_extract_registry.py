"""The registry is complete and coherent; failures stay isolated; the demonstration data is reproducible."""

from __future__ import annotations

import dataclasses

import pytest

from core.settings import REPO_ROOT
from extract.demo import generate
from extract.registry import SOURCES
from extract.run import ExtractError, extract_all, extract_source

CONTRACT_SOURCES = {
    "insee_cog_communes", "insee_cog_departements", "insee_cog_regions", "insee_cog_mouvements",
    "epci_composition", "insee_populations_legales", "insee_estimations_population_departement",
    "drees_aide_sociale_departement", "territoires_action", "insee_rp_communes", "insee_filosofi_communes",
    "caf_allocataires_communes", "finess_etablissements", "ign_contours", "data_inclusion_services",
    "insee_bpe_communes", "insee_comparateur_communes", "compilation_populations_occitanie", "laposte_codes_postaux",
}


def test_registry_declares_every_contract_source():
    assert set(SOURCES) == CONTRACT_SOURCES
    for name, source in SOURCES.items():
        assert source.name == name and source.producer and source.licence and source.primary_key
        for file in source.snapshot_files:
            assert (REPO_ROOT / "data" / "snapshot" / name / file).is_file(), file
        assert source.snapshot_files or source.local_file
        with pytest.raises(dataclasses.FrozenInstanceError):
            source.name = "x"
    demo = {n for n, s in SOURCES.items() if s.is_demonstration}
    assert demo == {"insee_rp_communes", "caf_allocataires_communes",
                    "finess_etablissements", "data_inclusion_services", "insee_bpe_communes"}


def test_one_failing_source_does_not_stop_the_others(make_settings, tmp_path):
    settings = make_settings(OBS_TERRITOIRES_FILE=str(tmp_path / "absent.csv"))
    with pytest.raises(ExtractError) as error:
        extract_all(settings, sources=["insee_cog_regions", "territoires_action", "insee_cog_departements"])
    assert "territoires_action" in str(error.value)
    assert [r["source"] for r in error.value.results] == ["insee_cog_regions", "insee_cog_departements"]


def test_online_source_without_url_uses_its_snapshot(make_settings):
    result = extract_source("drees_aide_sociale_departement", make_settings(OBS_MODE="online"))
    assert result["origin"].startswith("data/snapshot/") and result["rows"] > 100_000


def test_demonstration_files_are_reproducible(tmp_path):
    written = generate.write(generate.generate(), snapshot=tmp_path)
    for path in written:
        committed = REPO_ROOT / "data" / "snapshot" / path.parent.name / path.name
        assert path.read_bytes() == committed.read_bytes(), path.name
