"""National scale (OBS_SCOPE=france): the same dbt project, fed with the same embedded snapshot, publishes every
commune and every EPCI of France, each EPCI attached to its own département and compared with it.

Expected values are recomputed here from the snapshot files (COG, DGCL/Etalab EPCI composition, populations
légales) with the csv and json modules, independently of extract/ and dbt."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

from core.settings import REPO_ROOT, ConfigError
from observatoire.refresh import build, new_build_path, publish_build
from tests.helpers import make_settings, query, read_snapshot_csv

pytestmark = pytest.mark.slow

SNAPSHOT = REPO_ROOT / "data" / "snapshot"


@pytest.fixture(scope="module")
def france_warehouse(refreshed, tmp_path_factory) -> Path:
    """The Gers refresh's landing files, rebuilt and published with the national scope."""
    settings = make_settings(tmp_path_factory.mktemp("var_france"), OBS_SCOPE="france")
    shutil.copytree(refreshed["settings"].landing_dir, settings.landing_dir)
    summary = build(settings, new_build_path(settings))
    publish_build(settings, summary, refreshed["result"]["sources"])
    return settings.warehouse_path


@cache
def snapshot_cog() -> tuple[dict[str, str], dict[str, str]]:
    """From the COG 2025: current commune -> département, and arrondissement municipal -> its commune."""
    rows = read_snapshot_csv("insee_cog_communes/v_commune_2025.csv.gz")
    return ({r["COM"]: r["DEP"] for r in rows if r["TYPECOM"] == "COM"},
            {r["COM"]: r["COMPARENT"] for r in rows if r["TYPECOM"] == "ARM"})


def snapshot_epci() -> dict[str, list[str]]:
    with (SNAPSHOT / "epci_composition" / "epci.json").open(encoding="utf-8") as handle:
        return {e["code"]: [m["code"] for m in e["membres"]] for e in json.load(handle)}


def snapshot_populations() -> dict[str, int]:
    """Population municipale per current commune; Paris, Lyon and Marseille are published by arrondissement."""
    _, parent = snapshot_cog()
    populations = defaultdict(int)
    for r in read_snapshot_csv("insee_populations_legales/donnees_communes.csv.gz", ";"):
        populations[parent.get(r["COM"], r["COM"])] += int(r["PMUN"])
    return dict(populations)


def test_scope_is_checked():
    with pytest.raises(ConfigError, match="OBS_SCOPE"):
        make_settings(Path("/tmp/unused"), OBS_SCOPE="europe")


def test_every_commune_and_epci_of_france(france_warehouse):
    communes = set(snapshot_cog()[0])
    published = query(france_warehouse, "select niveau, code from marts.dim_territoire")
    by_level = defaultdict(set)
    for niveau, code in published:
        by_level[niveau].add(code)
    assert by_level["commune"] == communes
    assert by_level["epci"] == set(snapshot_epci())
    assert len(by_level["departement"]) == len(read_snapshot_csv("insee_cog_departements/v_departement_2026.csv"))
    assert query(france_warehouse, "select perimetre, departement from meta.publication") == [("france", "32")]


def test_epci_population_and_departement(france_warehouse):
    """Each EPCI's population is the sum of its member communes; its département is the Gers when it touches
    the Gers, otherwise the one holding most of its population."""
    populations = snapshot_populations()
    departement_of, _ = snapshot_cog()
    expected = {}
    for code, members in snapshot_epci().items():
        per_dep = defaultdict(int)
        for member in members:
            per_dep[departement_of[member]] += populations.get(member, 0)
        dep = "32" if "32" in per_dep else min(per_dep, key=lambda d: (-per_dep[d], d))
        known = [populations[m] for m in members if m in populations]
        expected[code] = (dep, sum(known) if known else None)  # Mayotte: no legal population in the file
    published = {code: (dep, pop) for code, dep, pop in query(
        france_warehouse, "select code, code_departement, population_municipale from marts.dim_territoire "
                          "where niveau = 'epci'")}
    assert published == expected
    assert len({dep for dep, _ in published.values()}) >= 95


def test_each_epci_is_compared_with_its_own_departement(france_warehouse):
    (compared, mismatched, departements) = query(france_warehouse, """
        select
            count(*),
            count(*) filter (where p.valeur_departement is distinct from d.valeur),
            count(distinct p.code_departement)
        from marts.panorama_indicateurs as p
        inner join marts.fct_indicateur_territoire as d
            on d.code_territoire = 'DEP-' || p.code_departement
            and d.code_indicateur = p.code_indicateur and d.annee = p.annee
        where p.niveau = 'epci'""")[0]
    assert compared > 0 and mismatched == 0
    assert departements >= 95  # every département of France that has an EPCI (Paris is one commune in the MGP)


def test_departement_scope_is_unchanged(published_warehouse):
    """The default perimeter: the Gers and the EPCI touching it, every EPCI attached to the Gers."""
    epci = snapshot_epci()
    departement_of, _ = snapshot_cog()
    touching = {code for code, members in epci.items() if any(departement_of[m] == "32" for m in members)}
    published = query(published_warehouse, "select code, code_departement from marts.dim_territoire "
                                           "where niveau = 'epci'")
    assert {code for code, _ in published} == touching
    assert {dep for _, dep in published} == {"32"}
    assert query(published_warehouse, "select perimetre from meta.publication") == [("departement",)]
