"""CTG marts end to end: the offline refresh loads the example partner files (flagged demonstration) into
the marts, and the history of the action plan survives from one build file to the next (dbt snapshot)."""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import pytest

from observatoire.intake import ingest_partner_file
from observatoire.refresh import build, new_build_path, publish_build
from tests.helpers import adopt_build, make_settings, query
from tests.partners.helpers import EXAMPLES

pytestmark = pytest.mark.slow

ACTIONS_HEADER = ["axe", "code_action", "intitule", "pilote", "statut", "date_echeance"]


def test_example_files_reach_the_marts_as_demonstration(published_warehouse):
    with (EXAMPLES / "forum_autonomie_2024.csv").open(encoding="utf-8") as handle:
        forum_rows = list(csv.DictReader(handle, delimiter=";"))
    rows = query(published_warehouse, "select rang, type_expertise, code_territoire, nature_donnee "
                                      "from marts.fct_priorite_forum order by all")
    expected = sorted((int(r["rang"]), r["type_expertise"].replace("usage", "d'usage").replace("d'd'", "d'"),
                       ("EPCI-" if r["niveau_territoire"] == "epci" else "COM-") + r["code_territoire"],
                       "Démonstration") for r in forum_rows)
    assert rows == expected
    (actions,) = query(published_warehouse, "select count(*) from marts.fct_action_ctg where est_demonstration")[0]
    assert actions == 4
    (caf,) = query(published_warehouse, "select valeur from marts.fct_indicateur_partenaire "
                                        "where code_indicateur = 'caf32__foyers_rsa' and code_territoire = 'DEP-32' "
                                        "and annee = 2024")[0]
    assert caf == 5873  # the year wins over the month 2024-06 (5 912) sent in the same file
    quality = query(published_warehouse, "select partenaire, type_fichier, nb_fichiers_acceptes, nature_donnee "
                                         "from marts.fct_qualite_donnees_partenaires order by 1, 2")
    assert ("FORUM", "priorites_forum", 1, "Démonstration") in quality
    assert {q[0] for q in quality} == {"CAF32", "CCAS-32013", "CD32", "CPAM32", "FORUM", "MSA"}


def test_partner_indicators_are_published_in_the_main_fact_as_sent(published_warehouse):
    """The CAF example indicator is in marts.fct_indicateur_territoire with its source, catalogued in
    dim_indicateur, published as sent (the EPCI keeps the value sent, not the sum of its communes) and never
    summed to a level the partner did not send."""
    sha = hashlib.sha256((EXAMPLES / "caf32_indicateurs_2024.csv").read_bytes()).hexdigest()
    facts = query(published_warehouse, """
        select code_territoire, valeur, est_demonstration, source, nb_unites, nb_unites_masquees
        from marts.fct_indicateur_territoire where code_indicateur = 'caf32__foyers_rsa' and annee = 2024""")
    source = f"partenaire CAF32 — caf32_indicateurs_2024.csv (sha256 {sha[:12]}, version 1)"
    assert {f[0]: f[1] for f in facts} == {  # 32067 is sent under its old code (now 32365)
        "COM-32013": 1184, "COM-32107": 412, "COM-32160": 236, "COM-32365": 3, "EPCI-200066926": 1602,
        "DEP-32": 5873}
    assert {f[2:] for f in facts} == {(True, source, 1, 0)}
    (libelle, theme, producteur, nature, niveau, facteur) = query(published_warehouse, """
        select libelle, theme, producteur, nature, niveau_le_plus_fin, facteur from marts.dim_indicateur
        where code_indicateur = 'caf32__foyers_rsa'""")[0]
    assert (libelle, theme, nature, niveau, facteur) == (
        "Foyers allocataires du RSA", "Indicateurs des partenaires", "démonstration", "commune", None)
    assert producteur.startswith("Caisse d'allocations familiales")
    panorama = query(published_warehouse, """
        select valeur_departement, valeur_region, valeur_france, nature_donnee from marts.panorama_indicateurs
        where code_indicateur = 'caf32__foyers_rsa' and code_territoire = 'COM-32013' and annee = 2024""")
    assert panorama == [(5873, None, None, "Démonstration")]  # only the levels the partner sent
    (compared,) = query(published_warehouse, "select count(*) from marts.fct_comparaison_indicateur "
                                             "where code_indicateur like 'caf32\\_\\_%' escape '\\'")[0]
    assert compared == 0
    (abs_source,) = query(published_warehouse, """
        select source from marts.fct_indicateur_territoire
        where code_indicateur = 'ccas-32013__taux_pauvrete' and code_territoire = 'COM-32013'""")[0]
    assert abs_source.startswith("partenaire CCAS-32013 — ccas_auch_abs_2024.csv (sha256 ")


def _actions_file(path: Path, statut: str) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(ACTIONS_HEADER)
        writer.writerow(["Axe 2 - Autonomie", "A9.1", "Plateforme de répit", "Département du Gers", statut,
                         "2025-06-30"])
    return path


def test_snapshot_history_survives_new_build_files(refreshed, tmp_path):
    """Two builds (each into a new file, partial: the first from a copy of the session's published build, the
    second from a copy of the first) with a changed action status keep both versions, published."""
    settings = make_settings(tmp_path / "var")
    shutil.copytree(refreshed["settings"].landing_dir, settings.landing_dir)
    sources = refreshed["result"]["sources"]
    publish_build(settings, adopt_build(refreshed["result"]["build"], settings, "session"), sources)

    first = ingest_partner_file(_actions_file(tmp_path / "ctg_v1.csv", "en cours"), "CAF32", None, settings)
    assert first.status == "accepted", first.errors
    summary = build(settings, new_build_path(settings, "run1"))
    assert summary["partiel"] is True
    publish_build(settings, summary, sources)

    second = ingest_partner_file(_actions_file(tmp_path / "ctg_v2.csv", "réalisée"), "CAF32", None, settings)
    assert (second.status, second.version) == ("accepted", 2)
    summary = build(settings, new_build_path(settings, "run2"))
    assert summary["partiel"] is True  # observatoire/partial.py: the snapshot re-run from a copy of run1
    assert summary["snapshots"]["restored"]["snp_actions_ctg"] >= 1
    publish_build(settings, summary, sources)

    history = query(settings.warehouse_path, "select statut, version, est_version_courante "
                                             "from marts.fct_action_ctg_historique where id_action = 'CAF32|A9.1' "
                                             "order by valide_du")
    assert history == [("en cours", 1, False), ("réalisée", 2, True)]
    (late,) = query(settings.warehouse_path, "select est_en_retard from marts.fct_action_ctg "
                                             "where id_action = 'CAF32|A9.1'")[0]
    assert late is False  # done: never late, whatever the run date
