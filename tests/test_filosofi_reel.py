"""Truth tests on INSEE's real Filosofi 2019 and 2021 commune files (issue 14): figures recomputed from the raw
CSV of the embedded snapshot with the csv module, independently of extract/ and of the dbt SQL, then compared with
the session's published warehouse (tests/conftest.py::published_warehouse, the Gers, offline)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from tests.helpers import query, read_snapshot_csv

FILES = {2019: "insee_filosofi_communes/cc_filosofi_2019_COM.CSV.gz",
         2021: "insee_filosofi_communes/cc_filosofi_2021_COM.csv.gz"}
INDICATORS = {"TP60": "taux_pauvrete", "MED": "niveau_vie_median", "NBMENFISC": "menages_fiscaux"}
MASKED = {"", "s", "nd"}  # INSEE: secret (s, or an empty cell in 2019), non disponible (nd)


@pytest.fixture(scope="module")
def raw() -> dict[tuple[str, int, str], str]:
    """(commune code, year, indicator) -> the cell's text as INSEE published it."""
    cells = {}
    for year, path in FILES.items():
        for row in read_snapshot_csv(path, ";"):
            for prefix, code in INDICATORS.items():
                cells[row["CODGEO"], year, code] = row[f"{prefix}{year % 100}"].strip()
    return cells


def number(text: str) -> float:
    return float(text.replace(",", "."))


def facts(warehouse, code: str, year: int) -> dict[str, float | None]:
    return dict(query(warehouse, "select code_territoire, valeur from marts.fct_indicateur_territoire "
                                 "where code_indicateur = ? and annee = ?", [code, year]))


def test_auch_published_figures(raw, published_warehouse):
    assert raw["32013", 2021, "taux_pauvrete"] == "18,0" and raw["32013", 2019, "niveau_vie_median"] == "20700"
    rows = {(r[0], r[1]): r[2:] for r in query(published_warehouse, """
        select code_indicateur, annee, valeur, statut_diffusion, nature_donnee from marts.panorama_indicateurs
        where code_territoire = 'COM-32013'""")}
    assert rows["taux_pauvrete", 2021] == (number(raw["32013", 2021, "taux_pauvrete"]), "diffusé", "Réel")
    assert rows["niveau_vie_median", 2019] == (number(raw["32013", 2019, "niveau_vie_median"]), "diffusé", "Réel")
    assert rows["menages_fiscaux", 2021][0] == number(raw["32013", 2021, "menages_fiscaux"])


@pytest.mark.parametrize("year", [2019, 2021])
def test_gers_communes_with_a_published_poverty_rate(raw, published_warehouse, year):
    published = {code for (code, y, ind), text in raw.items()
                 if code.startswith("32") and y == year and ind == "taux_pauvrete" and text not in MASKED}
    in_warehouse = {r[0] for r in query(published_warehouse, """
        select t.code from marts.fct_indicateur_territoire f join marts.dim_territoire t using (code_territoire)
        where f.code_indicateur = 'taux_pauvrete' and f.annee = ? and t.niveau = 'commune'
          and t.code_departement = '32' and f.valeur is not null""", [year])}
    assert len(published) == 12 and in_warehouse == published  # 12 of the Gers' 461 communes, both vintages
    values = facts(published_warehouse, "taux_pauvrete", year)
    assert all(values[f"COM-{c}"] == number(raw[c, year, "taux_pauvrete"]) for c in published)


def test_no_secret_cell_appears_as_a_number_in_any_mart(raw, published_warehouse):
    """Every mart with an indicator, a territory and a year: a cell INSEE masked has no number there (not 0, not
    an estimate) in any value column, whatever the table."""
    masked = {(f"COM-{code}", year, ind) for (code, year, ind), text in raw.items() if text in MASKED}
    tables = query(published_warehouse, """
        select table_name, list(column_name) from information_schema.columns where table_schema = 'marts'
        group by table_name
        having list_has_all(list(column_name), ['code_territoire', 'code_indicateur', 'annee'])""")
    assert {"fct_indicateur_territoire", "panorama_indicateurs", "panorama_carte",
            "fct_comparaison_indicateur"} <= {t for t, _ in tables}
    checked = 0
    for table, columns in tables:
        numbers = [c for c in columns if c in ("valeur", "numerateur", "denominateur")]
        for territory, year, indicator, *values in query(published_warehouse, f"""
                select code_territoire, annee, code_indicateur, {", ".join(numbers)} from marts.{table}
                where code_indicateur in ('taux_pauvrete', 'niveau_vie_median', 'menages_fiscaux')
                  and code_territoire like 'COM-%'"""):
            if (territory, year, indicator) in masked:
                checked += 1
                assert values == [None] * len(numbers), (table, territory, year, indicator, values)
    assert checked > 1000  # the Gers has hundreds of masked Filosofi cells per vintage


def test_no_published_indicator_above_the_commune_offline(published_warehouse):
    """Offline only the commune files exist: a median or a published rate has no EPCI, territoire, département,
    région or France value (never summed nor averaged); the Panorama says « non diffusé à ce niveau » there, and
    EPCI comparisons give no rank."""
    assert query(published_warehouse, "select code_indicateur from marts.dim_indicateur "
                                      "where regle_agregation = 'publiee' and facteur is not null "
                                      "order by 1") == [("niveau_vie_median",), ("taux_pauvrete",)]
    above = query(published_warehouse, """
        select f.code_indicateur, t.niveau, count(*) from marts.fct_indicateur_territoire f
        join marts.dim_territoire t using (code_territoire) join marts.dim_indicateur i using (code_indicateur)
        where i.regle_agregation = 'publiee' and i.facteur is not null and t.niveau <> 'commune' group by all""")
    assert above == []
    panorama = query(published_warehouse, """
        select niveau, count(*), count(valeur), list_distinct(list(statut_diffusion)) from marts.panorama_indicateurs
        where code_indicateur in ('taux_pauvrete', 'niveau_vie_median') and niveau <> 'commune'
        group by niveau order by niveau""")
    assert [r[0] for r in panorama] == ["departement", "epci", "france", "region", "territoire_action"]
    assert all(n > 0 and valued == 0 and statuts == ["non diffusé à ce niveau"] for _, n, valued, statuts in panorama)
    ranks = query(published_warehouse, """
        select count(*), count(rang), count(mediane) from marts.fct_comparaison_indicateur
        where code_indicateur in ('taux_pauvrete', 'niveau_vie_median') and groupe_comparaison = 'epci_perimetre'""")
    assert ranks[0][0] > 0 and ranks[0][1:] == (0, 0)


def test_a_count_is_unknown_as_soon_as_one_commune_is_secret(raw, published_warehouse):
    """Fiscal households summed per EPCI from the raw file: the EPCI whose communes are all published (on the
    same codes) carry exactly that sum; every other EPCI of the Gers is null, never a partial sum."""
    communes = query(published_warehouse, "select code, code_epci from marts.dim_territoire "
                                          "where niveau = 'commune' and code_epci is not null")
    by_epci = defaultdict(list)
    for code, epci in communes:
        by_epci[epci].append(raw.get((code, 2021, "menages_fiscaux")))
    values = facts(published_warehouse, "menages_fiscaux", 2021)
    complete = {epci: sum(number(t) for t in cells) for epci, cells in by_epci.items()
                if all(t is not None and t not in MASKED for t in cells)}
    assert complete and len(complete) < len(by_epci)
    for epci in by_epci:
        assert values[f"EPCI-{epci}"] == complete.get(epci), epci
    assert values["DEP-32"] is None  # 104 secret Gers communes in 2021


def test_cap_d_astarac_on_todays_geography(raw, published_warehouse):
    """32067, 32260 and 32413 merged into 32365 in 2025; both files predate it. The three were secret: Cap
    d'Astarac's fiscal households are unknown (not the 96 of the old 32365 alone); its median, a value of the
    old commune only, is not published for the new one."""
    assert {raw[c, 2021, "menages_fiscaux"] for c in ("32067", "32260", "32413")} == {"s"}
    assert raw["32365", 2021, "niveau_vie_median"] == "20940"
    rows = dict(((r[0], r[1]), r[2:]) for r in query(published_warehouse, """
        select code_indicateur, annee, valeur, statut_diffusion from marts.panorama_indicateurs
        where code_territoire = 'COM-32365'"""))
    assert rows["menages_fiscaux", 2021] == (None, "secret statistique")
    assert rows["niveau_vie_median", 2021] == (None, "non diffusé à ce niveau")
