"""The offer referential end to end ("qui fait quoi"): marts of the real offline refresh against the input files,
read here independently of extract/ and dbt (csv/json modules only), and a partner sheet with an unmapped
action showing up as non classé."""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
from collections import Counter, defaultdict

import duckdb
import pytest

from core.settings import REPO_ROOT
from tests.helpers import make_settings

SNAPSHOT = REPO_ROOT / "data" / "snapshot"
SEEDS = REPO_ROOT / "dbt_project" / "seeds"


def expected_from_files(departement: str = "32"):
    """Count and installed capacity per FINESS category and per EPCI, straight from the snapshot files."""
    text = (SNAPSHOT / "finess_etablissements" / "etalab-cs1100507-stock-demonstration.csv").read_bytes()
    rows = [r for r in csv.reader(io.StringIO(text.decode("latin-1")), delimiter=";")][1:]
    etabs = {r[1]: (r[13] + r[12], r[18]) for r in rows if r[0] == "structureet"}
    act = json.loads(gzip.decompress((SNAPSHOT / "finess_etablissements" /
                                      "finess-activites-demonstration.json.gz").read_bytes()))
    capacity = Counter()
    for pm in act["pmej"]:
        for ege in pm["ege"]:
            for a in ege["activitesExercees"]:
                for c in a["capacite"]:
                    if c["statutCapacite"] == "09":
                        capacity[ege["numFinessEge"]] += int(c["nombre"])
    with (SEEDS / "offre_correspondance_finess.csv").open(encoding="utf-8") as handle:
        in_scope = {r["categorie_finess"] for r in csv.DictReader(handle) if r["dans_champ"] == "true"}
    epci_of, epci_touching = {}, set()
    for epci in json.loads((SNAPSHOT / "epci_composition" / "epci.json").read_text(encoding="utf-8")):
        for m in epci["membres"]:
            epci_of[m["code"]] = epci["code"]
            if m["code"].startswith(departement):
                epci_touching.add(epci["code"])
    by_cat, by_epci = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0])
    for nofinesset, (commune, categorie) in etabs.items():
        if categorie not in in_scope or epci_of.get(commune) not in epci_touching:
            continue
        for bucket in (by_cat[categorie], by_epci[epci_of[commune]]):
            bucket[0] += 1
            bucket[1] += capacity[nofinesset]
    return by_cat, by_epci


@pytest.fixture(scope="module")
def warehouse(published_warehouse):
    con = duckdb.connect(str(published_warehouse), read_only=True)
    yield con
    con.close()


@pytest.mark.slow
def test_capacities_per_category_and_epci_equal_the_input_file(warehouse):
    by_cat, by_epci = expected_from_files()
    assert by_cat and by_epci
    got_cat = {r[0]: [r[1], r[2]] for r in warehouse.execute(
        "select categorie_source, count(*), coalesce(sum(capacite), 0)::bigint from marts.fct_offre "
        "where source = 'FINESS' group by all").fetchall()}
    assert got_cat == {k: v for k, v in by_cat.items()}
    got_epci = {r[0]: [r[1], r[2]] for r in warehouse.execute(
        "select t.code, sum(f.nb_offres)::bigint, sum(f.capacite)::bigint from marts.fct_offre_territoire f "
        "join marts.dim_territoire t using (code_territoire) "
        "where t.niveau = 'epci' and f.mode_comptage = 'implantation' "
        "group by all").fetchall()}
    # Partners' sheets located in a commune also count in fct_offre_territoire: take them out by source.
    partners = {r[0]: (r[1], r[2]) for r in warehouse.execute(
        "select code_epci, count(*), coalesce(sum(capacite), 0)::bigint from marts.offre_services "
        "where source <> 'FINESS' and code_commune_implantation is not null group by all").fetchall()}
    finess_only = {k: [n - partners.get(k, (0, 0))[0], c - partners.get(k, (0, 0))[1]]
                   for k, (n, c) in got_epci.items()}
    assert {k: v for k, v in finess_only.items() if v[0]} == dict(by_epci)


@pytest.mark.slow
def test_marts_keys_and_nomenclature(warehouse):
    for table, key in [("dim_action", "code_action"), ("dim_institution", "code_institution"),
                       ("dim_public", "code_public"), ("fct_offre", "code_offre")]:
        total, distinct = warehouse.execute(f"select count(*), count(distinct {key}) from marts.{table}").fetchone()
        assert total == distinct > 0, table
    politiques = {r[0] for r in warehouse.execute("select distinct code_politique from marts.dim_action").fetchall()}
    assert {"ENF", "PA", "PH", "INS", "LOG", "DRO", "NC"} <= politiques
    # Counting modes: located-in adds up over the EPCI of the département, serving may count an offer twice.
    dep, epci_sum = warehouse.execute(
        "select sum(nb_offres) filter (where code_territoire = 'DEP-32'), "
        "sum(nb_offres) filter (where code_territoire like 'EPCI-%') "
        "from marts.fct_offre_territoire where mode_comptage = 'desserte'").fetchone()
    assert epci_sum >= dep > 0


@pytest.mark.slow
def test_partner_sheet_with_unmapped_action_shows_as_non_classe(refreshed, tmp_path):
    from extract.partners import ingest_file
    from observatoire.refresh import build, new_build_path

    source = refreshed["settings"]
    settings = make_settings(tmp_path / "var")
    shutil.copytree(source.landing_dir, settings.landing_dir)
    sheet = tmp_path / "ccas_auch_referentiel_offre.csv"
    sheet.write_text(
        "politique;mission;action;institution;public;niveau_territoire;code_territoire;capacite;contact_structure\n"
        "Précarité;Aider;Épicerie sociale;CCAS d'Auch;Personnes en situation de précarité;commune;32013;80;"
        "ccas@exemple-auch.fr\n"
        "Précarité;Aider;Jardins partagés solidaires;CCAS d'Auch;Tout public;epci;200066926;;\n",
        encoding="utf-8")
    result = ingest_file(sheet, "CCAS-32013", "referentiel_offre", settings)
    assert result.status == "accepted", result.errors
    summary = build(settings, new_build_path(settings, "offre-test"))
    con = duckdb.connect(summary["build_path"], read_only=True)
    rows = dict(con.execute("select libelle_offre, code_action from marts.fct_offre "
                            "where source = 'Partenaire CCAS-32013'").fetchall())
    assert rows == {"Épicerie sociale": "PRE-AID-ALIM", "Jardins partagés solidaires": "NC-NC-NC"}
    quality = con.execute("select statut, nb_lignes from marts.offre_correspondances_manquantes "
                          "where dimension = 'action' and valeur_source = 'Jardins partagés solidaires'").fetchall()
    assert quality == [("non classé", 1)]
    served = con.execute("select count(distinct code_territoire) from marts.fct_offre_territoire f "
                         "join marts.dim_territoire t using (code_territoire) where f.code_action = 'NC-NC-NC' "
                         "and f.mode_comptage = 'desserte' and t.niveau = 'commune' "
                         "and t.code_epci = '200066926'").fetchone()[0]
    # the EPCI served, Grand Auch Coeur de Gascogne, has 34 communes (other non classé offers, e.g. the
    # demonstration data·inclusion service in Condom, serve communes outside it)
    assert served == 34


def test_data_inclusion_and_bpe_join_the_offer(published_warehouse):
    """BPE: one offer row per facility of a type FINESS does not carry, per commune of the Gers, equal to the
    file's counts; data·inclusion: every service of the Gers, classified through the crosswalk or non classé."""
    lines = (SNAPSHOT / "insee_bpe_communes" / "insee_bpe_communes_demonstration.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader([x for x in lines.splitlines() if not x.startswith("#")], delimiter=";"))
    with (SEEDS / "offre_correspondance_bpe.csv").open(encoding="utf-8") as handle:
        in_scope = {r["type_equipement"] for r in csv.DictReader(handle) if r["dans_champ"] == "true"}
    expected = Counter()
    for r in rows:
        if r["code_commune"].startswith("32") and r["type_equipement"] in in_scope:
            expected[r["code_commune"]] += int(r["nombre"])
    services = json.loads((SNAPSHOT / "data_inclusion_services" / "services-demonstration.pages.jsonl")
                          .read_text(encoding="utf-8"))["items"]
    gers = {s["id"] for s in services if s["code_insee"].startswith("32")}
    con = duckdb.connect(str(published_warehouse), read_only=True)
    got = Counter(dict(con.execute("select code_commune_implantation, count(*) from marts.fct_offre "
                                   "where source = 'BPE' group by 1").fetchall()))
    assert got == expected and sum(expected.values()) > 0
    di = dict(con.execute("select code_offre, code_action from marts.fct_offre "
                          "where source = 'data·inclusion'").fetchall())
    assert set(di) == {f"DI-demonstration-{i}" for i in gers}
    assert di["DI-demonstration-svc-005"] == "NC-NC-NC"  # numérique: not in the crosswalk, kept as non classé
    assert di["DI-demonstration-svc-003"] == "ENF-PAR-LAEP"
    hors_champ = dict(con.execute("select valeur_source, nb_lignes from marts.offre_correspondances_manquantes "
                                  "where source = 'BPE' and statut = 'hors champ'").fetchall())
    assert "D502" not in hors_champ and hors_champ.get("D401") == 4  # already counted through FINESS
