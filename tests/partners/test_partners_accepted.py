"""Accepted files: examples load, archive and landing, duplicates, versions per period, formulas, inbox."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pandas as pd
import pytest

from core.settings import load_settings
from extract.partners import CONTRACTS, ingest_file, ingest_inbox, landing_frame
from tests.partners.helpers import EXAMPLES, FIXTURES, fingerprint

HEADER = "niveau_territoire;code_territoire;code_indicateur;libelle_indicateur;periode;valeur;unite\n"

EXAMPLE_FILES = [
    ("caf32_indicateurs_2024.csv", "CAF32", "indicateurs_partenaire", 9),
    ("msa_indicateurs_2023_windows1252.csv", "MSA", "indicateurs_partenaire", 4),
    ("cpam32_indicateurs_2024.xlsx", "CPAM32", "indicateurs_partenaire", 4),
    ("ccas_auch_abs_2024.csv", "CCAS-32013", "indicateurs_abs", 3),
    ("forum_autonomie_2024.csv", "FORUM", "priorites_forum", 4),
    ("cd32_actions_ctg_2025.xlsx", "CD32", "actions_ctg", 4),
    ("cd32_referentiel_offre.csv", "CD32", "referentiel_offre", 4),
]


@pytest.mark.parametrize("name, partner, kind, rows", EXAMPLE_FILES)
def test_example_files_are_accepted(settings, name, partner, kind, rows):
    result = ingest_file(EXAMPLES / name, partner, None, settings, demonstration=True)
    assert result.status == "accepted", result.errors
    assert (result.kind, result.rows, result.version) == (kind, rows, 1)
    archived = settings.raw_dir / "partenaires" / partner / kind / result.sha256 / name
    assert archived == result.archive_path and archived.read_bytes() == (EXAMPLES / name).read_bytes()
    assert not archived.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)  # read-only
    frame = landing_frame(settings, kind)
    assert len(frame) == rows
    assert set(frame["partenaire"]) == {partner} and set(frame["_sha256"]) == {result.sha256}
    assert frame["est_demonstration"].all() and (frame["version"] == 1).all()
    assert set(CONTRACTS[kind].names) <= set(frame.columns)
    line = json.loads((settings.raw_dir / "partenaires" / "_receptions.jsonl").read_text())
    assert (line["partner"], line["kind"], line["status"], line["rows"]) == (partner, kind, "accepted", rows)


def test_working_area_with_an_apostrophe(tmp_path):
    """Paths reach DuckDB statements as quoted literals: « L'Isle-Jourdain » must not break an ingest."""
    from core.settings import load_settings

    settings = load_settings({"OBS_VAR_DIR": str(tmp_path / "L'Isle-Jourdain" / "var"), "OBS_DEPARTEMENT": "32"})
    # the second file is merged with the landing the first one wrote
    for name, partner in [("caf32_indicateurs_2024.csv", "CAF32"), ("msa_indicateurs_2023_windows1252.csv", "MSA")]:
        result = ingest_file(EXAMPLES / name, partner, None, settings)
        assert result.status == "accepted", result.errors
    assert set(landing_frame(settings, "indicateurs_partenaire")["partenaire"]) == {"CAF32", "MSA"}


def test_french_formats_are_read(settings):
    ingest_file(EXAMPLES / "caf32_indicateurs_2024.csv", "CAF32", None, settings)
    ingest_file(EXAMPLES / "msa_indicateurs_2023_windows1252.csv", "MSA", None, settings)
    ingest_file(EXAMPLES / "cpam32_indicateurs_2024.xlsx", "CPAM32", None, settings)
    frame = landing_frame(settings, "indicateurs_partenaire").set_index(["partenaire", "code_territoire",
                                                                         "code_indicateur", "periode"])
    assert frame.loc[("CAF32", "32013", "foyers_rsa", "2024"), "valeur"] == 1184  # "1 184"
    row = frame.loc[("CAF32", "32013", "part_allocataires_aides_logement", "2024")]
    assert (row["valeur"], row["unite"], row["numerateur"]) == (48.6, "%", 4310)
    assert frame.loc[("MSA", "32256", "ressortissants_agricoles_retraites", "2023"), "libelle_indicateur"] == \
        "Retraités du régime agricole"  # Windows-1252 decoded
    # XLSX: title row, merged "Territoire" over niveau/code, float cell 9.8
    assert frame.loc[("CPAM32", "32", "part_complementaire_sante_solidaire", "2024"), "valeur"] == 9.8
    assert frame.loc[("CPAM32", "32119", "assures_sans_medecin_traitant", "2024"), "cle_territoire"] == "COM-32119"


def test_merged_commune_is_mapped_and_reported(settings):
    result = ingest_file(EXAMPLES / "caf32_indicateurs_2024.csv", "CAF32", None, settings)
    assert any("32067 → 32365 (Cap d'Astarac)" in n for n in result.notes)
    frame = landing_frame(settings, "indicateurs_partenaire")
    row = frame[frame["code_territoire_recu"] == "32067"].iloc[0]
    assert (row["code_territoire"], row["cle_territoire"]) == ("32365", "COM-32365")


def test_leading_zero_restored_when_unambiguous(tmp_path):
    from core.settings import load_settings

    ain = load_settings({"OBS_VAR_DIR": str(tmp_path / "var"), "OBS_DEPARTEMENT": "01"})
    path = tmp_path / "ain.csv"
    path.write_text(HEADER + "commune;1001;foyers_rsa;Foyers RSA;2024;12;nombre\n", encoding="utf-8")
    result = ingest_file(path, "CAF01", None, ain)
    assert result.status == "accepted", result.errors
    row = landing_frame(ain, "indicateurs_partenaire").iloc[0]
    assert (row["code_territoire"], row["code_territoire_recu"]) == ("01001", "1001")


def test_same_file_twice_is_a_noop(settings):
    first = ingest_file(EXAMPLES / "caf32_indicateurs_2024.csv", "CAF32", None, settings)
    before = fingerprint(settings)
    manifest = (settings.raw_dir / "partenaires" / "_receptions.jsonl").read_text()
    again = ingest_file(EXAMPLES / "caf32_indicateurs_2024.csv", "CAF32", None, settings)
    assert again.status == "duplicate" and again.sha256 == first.sha256 and again.version == 1
    assert "déjà reçu à l'identique" in again.summary()
    assert fingerprint(settings) == before
    assert (settings.raw_dir / "partenaires" / "_receptions.jsonl").read_text() == manifest


def test_new_version_replaces_only_its_periods(settings, tmp_path):
    v1 = tmp_path / "v1.csv"
    v1.write_text(HEADER + "commune;32013;foyers_rsa;RSA;2023;100;nombre\n"
                           "commune;32013;foyers_rsa;RSA;2024;200;nombre\n"
                           "commune;32107;foyers_rsa;RSA;2024;50;nombre\n", encoding="utf-8")
    v2 = tmp_path / "v2.csv"
    v2.write_text(HEADER + "commune;32013;foyers_rsa;RSA;2024;210;nombre\n", encoding="utf-8")
    other = tmp_path / "msa.csv"
    other.write_text(HEADER + "commune;32013;foyers_rsa;RSA;2024;7;nombre\n", encoding="utf-8")
    r1 = ingest_file(v1, "CAF32", None, settings)
    ingest_file(other, "MSA", None, settings)
    r2 = ingest_file(v2, "CAF32", None, settings)
    assert (r1.version, r2.version, r2.periods) == (1, 2, ["2024"])
    frame = landing_frame(settings, "indicateurs_partenaire")
    caf = frame[frame["partenaire"] == "CAF32"].set_index(["code_territoire", "periode"])
    assert caf.loc[("32013", "2023"), "valeur"] == 100 and caf.loc[("32013", "2023"), "version"] == 1
    assert caf.loc[("32013", "2024"), "valeur"] == 210 and caf.loc[("32013", "2024"), "version"] == 2
    assert ("32107", "2024") not in caf.index  # the 2024 period is replaced whole
    assert frame[frame["partenaire"] == "MSA"]["valeur"].tolist() == [7]  # other partners untouched
    assert r1.archive_path.exists() and r2.archive_path.exists()  # both versions stay in raw


def test_action_plan_new_version_replaces_the_whole_plan(settings, tmp_path):
    ingest_file(EXAMPLES / "cd32_actions_ctg_2025.xlsx", "CD32", None, settings)
    path = tmp_path / "plan.csv"
    path.write_text("axe;code_action;intitule;pilote;statut;date_echeance;derniere_valeur\n"
                    "Axe 1;A1.1;Relais petite enfance itinérant;CAF du Gers;réalisée;31/12/2025;455\n",
                    encoding="utf-8")
    result = ingest_file(path, "CD32", "actions_ctg", settings)
    assert result.status == "accepted", result.errors
    frame = landing_frame(settings, "actions_ctg")
    assert frame["code_action"].tolist() == ["A1.1"] and frame["statut"].tolist() == ["réalisée"]


def test_formulas_are_neutralised_in_landing(settings):
    result = ingest_file(FIXTURES / "formules_acceptees.csv", "CAF32", None, settings)
    assert result.status == "accepted", result.errors
    frame = landing_frame(settings, "indicateurs_partenaire").sort_values("_ligne")
    assert frame["libelle_indicateur"].tolist() == ["'=HYPERLINK(\"http://exemple.invalid\";\"clic\")",
                                                    "'@SUM(A1:A2)"]
    assert frame["commentaire"].tolist() == ["'+33 voir note", "'-10 % sur un an"]


def test_inbox_ingests_every_partner_folder(settings, tmp_path):
    inbox = tmp_path / "depot"
    settings = load_settings({"OBS_VAR_DIR": str(settings.var_dir), "OBS_DEPARTEMENT": "32",
                              "OBS_INBOX_DIR": str(inbox)})
    for name, partner, _, _ in EXAMPLE_FILES[:3]:
        (inbox / partner).mkdir(parents=True, exist_ok=True)
        shutil.copy(EXAMPLES / name, inbox / partner / name)
    (inbox / "CAF32" / "doublons.csv").write_bytes((FIXTURES / "doublons.csv").read_bytes())
    results = ingest_inbox(settings)
    assert sorted(r.status for r in results) == ["accepted", "accepted", "accepted", "refused"]
    assert not any(p.is_file() for p in inbox.rglob("*"))  # handled files leave the inbox
    refused = next(r for r in results if r.status == "refused")
    assert refused.report_path.parent == settings.var_dir / "quarantine" / "CAF32"
    assert (refused.report_path.parent / refused.report_path.name.replace(".rapport.md", "")).exists()
    receptions = pd.read_parquet(settings.landing_dir / "partenaires_receptions.parquet")
    assert sorted(receptions["statut"]) == ["accepted", "accepted", "accepted", "refused"]
    assert "clé en double" in receptions.loc[receptions["statut"] == "refused", "motifs"].iloc[0]


def test_the_sensor_lists_exactly_what_the_inbox_ingest_handles(settings, tmp_path):
    """One walk of the inbox: the partner_intake sensor's listing is the list ingest_inbox handles, in its order
    (oldest first), with a file misplaced at the root; hidden files and sub-folders are left alone."""
    import os

    from observatoire.intake import inbox_files

    inbox = tmp_path / "depot"
    settings = settings.model_copy(update={"inbox_dir": inbox})
    (inbox / "CAF32" / "archives").mkdir(parents=True)
    (inbox / "MSA").mkdir()
    files = [inbox / "MSA" / "a_msa.csv", inbox / "CAF32" / "b_caf.csv", inbox / "perdu.csv"]
    for age, path in enumerate(files):  # the oldest is the last by name
        shutil.copy(EXAMPLES / "caf32_indicateurs_2024.csv", path)
        os.utime(path, (1_700_000_000 - age * 60, 1_700_000_000 - age * 60))
    (inbox / "CAF32" / ".en_cours.csv").write_text("x", encoding="utf-8")  # being uploaded
    listed = inbox_files(settings)
    assert listed == files[::-1]
    results = ingest_inbox(settings)
    assert [Path(r.path) for r in results] == listed
    assert (inbox / "CAF32" / ".en_cours.csv").exists() and (inbox / "CAF32" / "archives").is_dir()


def test_partner_registry(settings):
    from extract.partners.reference import UnknownPartner, resolve_partner

    assert resolve_partner("caf32", settings).code == "CAF32"
    assert resolve_partner("MSA", settings).label == "MSA Midi-Pyrénées Sud"
    assert resolve_partner("CCAS-32013", settings).label == "CCAS de Auch"
    assert resolve_partner("CIAS-243200417", settings).code == "CIAS-243200417"
    for bad in ("CAF64", "CCAS-64445", "CIAS-200000172", "", "../x"):
        with pytest.raises(UnknownPartner):
            resolve_partner(bad, settings)
    # a CCAS cannot send the CTG action plan
    result = ingest_file(EXAMPLES / "cd32_actions_ctg_2025.xlsx", "CCAS-32013", None, settings)
    assert result.status == "refused" and "ne peut pas envoyer" in result.errors[0]["message"]


def test_contacts_starting_like_formulas_are_neutralised(settings):
    result = ingest_file(FIXTURES / "contact_plus.csv", "CD32", "referentiel_offre", settings)
    assert result.status == "accepted", result.errors
    frame = landing_frame(settings, "referentiel_offre").sort_values("_ligne")
    assert frame["contact_structure"].tolist() == ["'+33 5 62 00 00 00", "'-accueil@caf-exemple.fr"]


def test_receptions_are_numbered_and_an_old_table_is_upgraded(settings):
    from extract.partners.ingest import RECEPTIONS, receptions

    ingest_file(EXAMPLES / "caf32_indicateurs_2024.csv", "CAF32", None, settings)
    ingest_file(FIXTURES / "doublons.csv", "CAF32", None, settings)
    path = settings.landing_dir / RECEPTIONS
    table = pd.read_parquet(path)
    assert table["numero_reception"].tolist() == list(range(1, len(receptions(settings)) + 1))
    table.drop(columns="numero_reception").to_parquet(path, index=False)  # as written before the column existed
    assert ingest_file(EXAMPLES / "caf32_indicateurs_2024.csv", "CAF32", None, settings).status == "duplicate"
    assert pd.read_parquet(path)["numero_reception"].tolist() == [1, 2]
