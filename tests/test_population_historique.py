"""Population history (1968, 1982, 1999, 2014 from the Occitanie compilation) on today's geography.

Expected figures are recomputed here from the raw compilation file with the csv module, mapped onto COG 2025
communes with the commune passage table of the snapshot (derived from the COG, PROVENANCE §5) and onto EPCI
with the DGCL composition: independently of extract/ and dbt. Reuses the session's Gers warehouse.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections import Counter

from core.settings import REPO_ROOT
from tests.helpers import query

SNAPSHOT = REPO_ROOT / "data" / "snapshot"
VAL_DE_GERS = "200072320"  # holds Saint-Blancard 32365, which absorbed 32067, 32260 and 32413 in 2019
CROSS_BORDER = ("EPCI-200030435", "EPCI-248200016")  # CC d'Aire-sur-l'Adour (Landes), CC des Deux Rives (82)


def compilation_1968() -> dict[str, int]:
    """Commune code as written in the raw compilation (zero-padded to 5) → population_1968."""
    raw = gzip.decompress((SNAPSHOT / "compilation_populations_occitanie/TDV_hackaviz_2018_utf8.tsv.gz").read_bytes())
    csv.field_size_limit(10**8)  # one column holds each commune's contour
    rows = csv.DictReader(io.StringIO(raw.decode("cp1252")), delimiter="\t")
    return {row["CODGEO"].zfill(5): int(row["population_1968"]) for row in rows}


def gers_on_today_geography(pop: dict[str, int]) -> Counter:
    with open(SNAPSHOT / "ign_contours/passage_communes_geo2018_vers_cog2025_32_64.csv", encoding="utf-8") as f:
        passage = {r["code_commune_2018"]: r["code_commune_2025"] for r in csv.DictReader(f, delimiter=";")}
    gers = {code: value for code, value in pop.items() if code.startswith("32")}
    assert set(gers) <= set(passage) and len(gers) == 462  # every Gers commune of the compilation is mapped
    today: Counter = Counter()
    for code, value in gers.items():
        today[passage[code]] += value
    return today


def test_1968_recomputed_from_the_raw_compilation(published_warehouse):
    pop = compilation_1968()
    today = gers_on_today_geography(pop)
    assert today["32365"] == pop["32067"] + pop["32260"] + pop["32413"] + pop["32365"]  # merged communes summed
    with open(SNAPSHOT / "epci_composition/epci.json", encoding="utf-8") as handle:
        members = {m["code"] for e in json.load(handle) if e["code"] == VAL_DE_GERS for m in e["membres"]}
    expected = {"COM-32365": today["32365"], "DEP-32": sum(today.values()),
                f"EPCI-{VAL_DE_GERS}": sum(today[c] for c in members),
                "REG-76": sum(pop.values())}  # the compilation covers the whole région
    published = dict(query(published_warehouse, """
        select code_territoire, valeur from marts.fct_indicateur_territoire
        where code_indicateur = 'population_municipale' and annee = 1968
          and code_territoire in ('COM-32365', 'DEP-32', 'EPCI-200072320', 'REG-76')"""))
    assert published == expected
    series = dict(query(published_warehouse, "select annee, population_municipale from marts.fct_population_historique "
                        "where code_territoire = 'DEP-32'"))
    assert series[1968] == expected["DEP-32"] and 2023 in series


def test_regional_vintages_never_for_france_nor_a_partly_covered_epci(published_warehouse):
    regional = [y for (y,) in query(published_warehouse, "select distinct annee from marts.fct_population_historique "
                                    "where couverture like 'Occitanie seulement%'")]
    assert sorted(regional) == [1968, 1982, 1999, 2014]
    marks = ", ".join("?" * len(regional))
    rows = query(published_warehouse, f"""
        select code_territoire, annee from marts.fct_indicateur_territoire
        where code_indicateur = 'population_municipale' and annee in ({marks})
          and (code_territoire = 'FR' or code_territoire in (?, ?) or code_territoire like 'DEP-%'
               and code_territoire not in ('DEP-09', 'DEP-11', 'DEP-12', 'DEP-30', 'DEP-31', 'DEP-32', 'DEP-34',
                                           'DEP-46', 'DEP-48', 'DEP-65', 'DEP-66', 'DEP-81', 'DEP-82'))""",
                 regional + list(CROSS_BORDER))
    assert rows == []
    # France keeps its national vintages only: the censuses of the Comparateur and the legal populations
    france = query(published_warehouse, "select annee from marts.fct_indicateur_territoire "
                   "where code_indicateur = 'population_municipale' and code_territoire = 'FR' order by annee")
    assert france == [(2013,), (2018,), (2023,)]
    couverture = dict(query(published_warehouse, "select annee, any_value(couverture) from "
                            "marts.fct_population_historique group by annee"))
    assert couverture[1968].startswith("Occitanie seulement") and couverture[2023] == "France entière"
    # the cross-border EPCI keep their national vintage
    assert query(published_warehouse, "select count(*) from marts.fct_population_historique "
                 "where code_territoire in (?, ?) and annee = 2023", list(CROSS_BORDER)) == [(2,)]
