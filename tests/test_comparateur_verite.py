"""Truth tests of the real INSEE « Comparateur de territoire » figures (source insee_comparateur_communes).

Every expected figure is recomputed here from the raw official zip of the snapshot with pandas — not through
extract/ nor the dbt SQL — and compared with the warehouse built once per session by the real pipeline
(tests/conftest.py::published_warehouse, the Gers).
"""

from __future__ import annotations

import json
import zipfile

import pandas as pd
import pytest

from core.settings import REPO_ROOT
from tests.helpers import query

ZIP = REPO_ROOT / "data/snapshot/insee_comparateur_communes/base_cc_comparateur_csv.zip"
# Cap d'Astarac (32365) since 2025 = Saint-Blancard (32365) + Cabas-Loumassès + Monbardon + Sarcos (COG 2021 codes)
CAP_D_ASTARAC = ("32365", "32067", "32260", "32413")
GRAND_AUCH = "200066926"


def read_comparateur() -> pd.DataFrame:
    """The official CSV, one row per COG 2021 commune or arrondissement, read straight from the zip."""
    with zipfile.ZipFile(ZIP) as archive, archive.open("base_cc_comparateur.CSV") as handle:
        frame = pd.read_csv(handle, sep=";", dtype={"CODGEO": str})
    return frame.set_index("CODGEO")


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return read_comparateur()


def fact(warehouse, indicateur: str, territoire: str, annee: int) -> tuple:
    rows = query(warehouse, "select valeur, numerateur, denominateur, est_demonstration "
                 "from marts.fct_indicateur_territoire where code_indicateur = ? and code_territoire = ? "
                 "and annee = ?", [indicateur, territoire, annee])
    assert len(rows) == 1, (indicateur, territoire, annee, rows)
    return rows[0]


def test_gers_vacant_dwellings_and_unemployment_of_the_15_64(published_warehouse, raw):
    gers = raw[raw.index.str.startswith("32")]
    assert len(gers) == 461  # the Gers on COG 2021 (PROVENANCE §10)
    vacants = 100 * gers["P18_LOGVAC"].sum() / gers["P18_LOG"].sum()
    chomage = 100 * gers["P18_CHOM1564"].sum() / gers["P18_ACT1564"].sum()
    valeur, _, _, demo = fact(published_warehouse, "part_logements_vacants", "DEP-32", 2018)
    assert valeur == pytest.approx(vacants, rel=1e-9) and not demo
    valeur, _, _, demo = fact(published_warehouse, "taux_chomage_15_64_ans", "DEP-32", 2018)
    assert valeur == pytest.approx(chomage, rel=1e-9) and not demo
    assert 9 < vacants < 12 and 10 < chomage < 12  # sanity: the Gers' published orders of magnitude


def test_gers_population_change_and_natural_balance(published_warehouse, raw):
    gers = raw[raw.index.str.startswith("32")]
    p18, p13 = gers["P18_POP"].sum(), gers["P13_POP"].sum()
    assert fact(published_warehouse, "population_municipale", "DEP-32", 2018)[0] == p18
    assert fact(published_warehouse, "population_municipale", "DEP-32", 2013)[0] == p13
    taux = fact(published_warehouse, "taux_evolution_annuel_population", "DEP-32", 2018)[0]
    assert taux == pytest.approx(100 * ((p18 / p13) ** (1 / 5) - 1), rel=1e-9)
    assert taux != pytest.approx(100 * p18 / p13)  # an annual rate, not the plain ratio of the engine
    solde = gers["NAIS1318"].sum() - gers["DECE1318"].sum()
    assert fact(published_warehouse, "solde_naturel", "DEP-32", 2018)[0] == pytest.approx(solde)
    assert fact(published_warehouse, "solde_naturel_pour_1000_habitants", "DEP-32", 2018)[0] == pytest.approx(
        1000 * solde / p18)


def test_epci_population_2018_is_the_sum_of_its_communes(published_warehouse, raw):
    with open(REPO_ROOT / "data/snapshot/epci_composition/epci.json", encoding="utf-8") as handle:
        (epci,) = [e for e in json.load(handle) if e["code"] == GRAND_AUCH]
    members = [m["code"] for m in epci["membres"]]
    assert len(members) == 34 and set(members) <= set(raw.index)  # no merger since 2021 in Grand Auch
    expected = raw.loc[members, "P18_POP"].sum()
    assert fact(published_warehouse, "population_municipale", f"EPCI-{GRAND_AUCH}", 2018)[0] == expected
    menages = raw.loc[members, "P18_MEN"].sum()
    valeur, num, den, _ = fact(published_warehouse, "personnes_par_menage", f"EPCI-{GRAND_AUCH}", 2018)
    assert (num, den) == (expected, pytest.approx(menages)) and valeur == pytest.approx(expected / menages)


def test_commune_merged_after_2021_sums_its_predecessors(published_warehouse, raw):
    assert all(code in raw.index for code in CAP_D_ASTARAC)
    population = raw.loc[list(CAP_D_ASTARAC), "P18_POP"].sum()
    assert population > raw.loc["32365", "P18_POP"]  # the others do add something
    assert fact(published_warehouse, "population_municipale", "COM-32365", 2018)[0] == population
    logements = raw.loc[list(CAP_D_ASTARAC), ["P18_LOGVAC", "P18_LOG"]].sum()
    valeur, num, den, _ = fact(published_warehouse, "part_logements_vacants", "COM-32365", 2018)
    assert (num, den) == (pytest.approx(logements["P18_LOGVAC"]), pytest.approx(logements["P18_LOG"]))
    retired = query(published_warehouse, "select count(*) from marts.dim_territoire where code in (?, ?, ?)",
                    list(CAP_D_ASTARAC[1:]))
    assert retired == [(0,)]


def test_france_counts_paris_lyon_marseille_once(published_warehouse, raw):
    """The file holds Paris, Lyon, Marseille AND their arrondissements: France must count them once."""
    arrondissements = raw.index.str.match(r"^(751[0-2]\d|1320\d|1321[0-6]|6938\d)$")
    assert arrondissements.sum() == 45
    communes = raw[~arrondissements]
    assert fact(published_warehouse, "population_municipale", "FR", 2018)[0] == communes["P18_POP"].sum()
    emplois = fact(published_warehouse, "emplois_lieu_de_travail", "FR", 2018)[0]
    assert emplois == pytest.approx(communes["P18_EMPLT"].sum(), rel=1e-12)


def test_real_households_replace_the_demonstration_ones(published_warehouse, raw):
    """Auch's CAF ratios (demonstration CAF) now divide by the real 2018 households, not the demonstration ones."""
    _, _, den, demo = fact(published_warehouse, "foyers_aides_logement_pour_100_menages", "COM-32013", 2024)
    assert den == pytest.approx(raw.loc["32013", "P18_MEN"]) and demo  # CAF itself is still demonstration
    (n_demo,) = query(published_warehouse, "select count(*) from marts.fct_indicateur_territoire "
                      "where code_indicateur = 'nombre_menages' and est_demonstration")[0]
    assert n_demo == 0


def test_every_gers_epci_has_a_dozen_real_commune_indicators_beside_its_references(published_warehouse):
    rows = query(published_warehouse, """
        select p.code_territoire, count(distinct p.code_indicateur)
        from marts.panorama_indicateurs p join marts.dim_indicateur i using (code_indicateur)
        where p.niveau = 'epci' and p.nature_donnee = 'Réel' and i.niveau_le_plus_fin = 'commune'
          and p.valeur is not null and p.valeur_departement is not null and p.valeur_region is not null
          and p.valeur_france is not null
        group by 1""")
    (n_epci,) = query(published_warehouse, "select count(*) from marts.dim_territoire where niveau = 'epci'")[0]
    assert len(rows) == n_epci == 17
    assert min(n for _, n in rows) >= 12, rows
