"""Partner files are checked against the COG of the current run (its landing), not the committed snapshot."""

from __future__ import annotations

import pandas as pd
import pytest

from core.settings import load_settings
from extract import geography
from extract.partners import ingest_file

NEW_COMMUNE = "32999"  # not in the committed COG 2025: only in the landing of this run
HEADER = "niveau_territoire;code_territoire;code_indicateur;libelle_indicateur;periode;valeur;unite\n"


def _landing_with_a_new_commune(settings) -> None:
    """Land the snapshot's COG plus one commune of the Gers, as an online fetch of a later COG would."""
    snapshot = geography.communes(settings)  # no landing yet: the snapshot, parsed
    assert NEW_COMMUNE not in set(snapshot["code_commune"])
    from extract.registry import SOURCES

    source = SOURCES[geography.COG_COMMUNES]
    cog = source.parser([settings.snapshot_dir / source.name / f for f in source.snapshot_files], settings)
    extra = cog.loc[cog["code_commune"] == "32013"].assign(code_commune=NEW_COMMUNE, libelle="Commune-Test")
    settings.landing_dir.mkdir(parents=True, exist_ok=True)
    pd.concat([cog, extra]).to_parquet(settings.landing_dir / f"{geography.COG_COMMUNES}.parquet")


def _file(tmp_path):
    path = tmp_path / "caf32_nouvelle_commune.csv"
    path.write_text(HEADER + f"commune;{NEW_COMMUNE};foyers_rsa;Foyers allocataires du RSA;2024;12;nombre\n"
                    "commune;32013;foyers_rsa;Foyers allocataires du RSA;2024;1184;nombre\n", encoding="utf-8")
    return path


def test_partner_file_is_checked_against_the_landing_cog(settings, tmp_path):
    _landing_with_a_new_commune(settings)
    result = ingest_file(_file(tmp_path), "CAF32", None, settings)
    assert result.status == "accepted", result.errors
    assert NEW_COMMUNE in set(geography.communes(settings)["code_commune"])


def test_without_a_landing_the_snapshot_cog_refuses_the_new_commune(tmp_path):
    settings = load_settings({"OBS_VAR_DIR": str(tmp_path / "var"), "OBS_DEPARTEMENT": "32"})
    result = ingest_file(_file(tmp_path), "CAF32", None, settings)
    assert result.status == "refused"
    assert [(e["ligne"], e["valeur"], e["regle"]) for e in result.errors] == [(2, NEW_COMMUNE,
                                                                               "code commune inconnu")]


def test_a_ccas_of_the_new_commune_is_a_known_partner(settings):
    """The partners' registry (CCAS-<commune>) follows the same landing."""
    from extract.partners.reference import UnknownPartner, resolve_partner

    with pytest.raises(UnknownPartner):  # before the landing: the snapshot COG does not know the commune
        resolve_partner(f"CCAS-{NEW_COMMUNE}", settings)
    _landing_with_a_new_commune(settings)
    assert resolve_partner(f"CCAS-{NEW_COMMUNE}", settings).label == "CCAS de Commune-Test"


def test_merged_communes_follow_the_landing_history(settings, tmp_path):
    """A commune change only in this run's COG history (landing) remaps an old code, with a note."""
    from extract.registry import SOURCES

    old = "32998"  # no such commune in the committed COG, nor in its history
    path = tmp_path / "caf32_ancienne_commune.csv"
    path.write_text(HEADER + f"commune;{old};foyers_rsa;Foyers allocataires du RSA;2024;12;nombre\n",
                    encoding="utf-8")
    assert ingest_file(path, "CAF32", None, settings).status == "refused"
    source = SOURCES[geography.COG_MOUVEMENTS]
    mvt = source.parser([settings.snapshot_dir / source.name / f for f in source.snapshot_files], settings)
    change = mvt.iloc[[0]].assign(typecom_avant="COM", code_commune_avant=old, typecom_apres="COM",
                                  code_commune_apres="32013")
    settings.landing_dir.mkdir(parents=True, exist_ok=True)
    pd.concat([mvt, change]).to_parquet(settings.landing_dir / f"{geography.COG_MOUVEMENTS}.parquet")
    result = ingest_file(path, "CAF32", None, settings)
    assert result.status == "accepted", result.errors
    assert result.notes == [f"code de commune fusionnée rattaché à la commune actuelle : {old} → 32013 (Auch)"]
