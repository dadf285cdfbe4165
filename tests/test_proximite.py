"""Proximity to services (issue 15): distances and shares of the published warehouse recomputed here from the raw
coordinates of the embedded snapshot — La Poste's points, FINESS Lambert 93 geolocation lines, populations
légales, DGCL EPCI composition — with an independent Lambert 93 inverse (IGN's iterative latitude, not the dbt
macro's series) and a plain-Python haversine. Only the list of communes to check is read from the warehouse."""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict
from pathlib import Path

import duckdb
import jinja2
import pytest

from core.settings import REPO_ROOT
from extract.demo import finess as demo_finess
from tests.helpers import query, read_snapshot_csv

SNAPSHOT = REPO_ROOT / "data" / "snapshot"
SEEDS = REPO_ROOT / "dbt_project" / "seeds"
E = 0.0818191910428158  # GRS80 first eccentricity
N, C, XS, YS = 0.7256077650532670, 11754255.4261, 700000.0, 12655612.0499  # Lambert 93 (IGN)


def lambert93_to_wgs84(x: float, y: float) -> tuple[float, float]:
    """(latitude, longitude) by IGN's algorithm ALG0004: latitude from the isometric latitude by fixed-point
    iteration (ALG0002), independent of the series the dbt macro uses."""
    radius, gamma = math.hypot(x - XS, y - YS), math.atan((x - XS) / (YS - y))
    latiso = -math.log(abs(radius / C)) / N
    phi = 2 * math.atan(math.exp(latiso)) - math.pi / 2
    for _ in range(50):
        phi = 2 * math.atan(((1 + E * math.sin(phi)) / (1 - E * math.sin(phi))) ** (E / 2) * math.exp(latiso)) \
            - math.pi / 2
    return math.degrees(phi), 3 + math.degrees(gamma / N)


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lat1, lon1), (lat2, lon2) = (tuple(map(math.radians, p)) for p in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def commune_points() -> dict[str, tuple[float, float]]:
    """La Poste rule of the README: mean of the main localities (no ligne 5, label = commune name), else of all."""
    rows = read_snapshot_csv("laposte_codes_postaux/laposte_hexasmal.csv.gz", ";")
    by_code = defaultdict(list)
    for r in rows:
        by_code[r["Code_commune_INSEE"]].append(r)
    points = {}
    for code, localities in by_code.items():
        main = [r for r in localities if not r["Ligne_5"] and r["Libellé_d_acheminement"] == r["Nom_commune"]]
        chosen = main or localities
        points[code] = (sum(float(r["latitude"]) for r in chosen) / len(chosen),
                        sum(float(r["longitude"]) for r in chosen) / len(chosen))
    return points


def finess_services(category_actions: set[str]) -> dict[str, tuple[str, tuple[float, float]]]:
    """FINESS établissements whose category maps to one of the actions: nofinesset → (commune, point)."""
    with (SEEDS / "offre_correspondance_finess.csv").open(encoding="utf-8") as handle:
        categories = {r["categorie_finess"] for r in csv.DictReader(handle)
                      if r["dans_champ"] == "true" and r["code_action"] in category_actions}
    text = (SNAPSHOT / "finess_etablissements" / "etalab-cs1100507-stock-demonstration.csv").read_bytes()
    lines = list(csv.reader(io.StringIO(text.decode("latin-1")), delimiter=";"))[1:]
    communes = {r[1]: r[13] + r[12] for r in lines if r[0] == "structureet" and r[18] in categories}
    return {r[1]: (communes[r[1]], lambert93_to_wgs84(float(r[2]), float(r[3])))
            for r in lines if r[0] == "geolocalisation" and r[1] in communes}


def actions_of(categorie: str) -> set[str]:
    with (SEEDS / "proximite_categories.csv").open(encoding="utf-8") as handle:
        return {r["code"] for r in csv.DictReader(handle)
                if r["categorie_service"] == categorie and r["dimension"] == "action"}


@pytest.fixture(scope="module")
def proximity(published_warehouse: Path):
    """Independent nearest distances for the FINESS-only category « hébergement des personnes âgées »."""
    sql = "select distinct code_commune from marts.fct_proximite_commune"
    perimeter = {c for (c,) in query(published_warehouse, sql)}
    services = {k: v for k, v in finess_services(actions_of("hebergement_personnes_agees")).items()
                if v[0] in perimeter}
    points = commune_points()
    nearest = {}
    for commune in perimeter & set(points):
        code, (_, point) = min(services.items(), key=lambda s: (haversine_km(points[commune], s[1][1]), s[0]))
        nearest[commune] = ("FINESS-" + code, haversine_km(points[commune], point))
    return nearest


def test_lambert93_macro_matches_the_projection_origin_and_ign_iteration():
    """The dbt macro, rendered and run in DuckDB: the origin (700 000, 6 600 000) is (46.5°N, 3°E) by the
    definition of Lambert 93, and points across France agree with IGN's iteration to 1e-8° (≈ 1 mm)."""
    macros = jinja2.Environment().from_string((REPO_ROOT / "dbt_project" / "macros" / "geographie.sql").read_text())
    module = macros.make_module()
    points = [(700000.0, 6600000.0), (504363.3, 6286825.0), (1050000.0, 6200000.0), (150000.0, 6850000.0),
              (1200000.0, 6100000.0), (650000.0, 7100000.0)]
    rows = duckdb.sql(
        f"select {module.lambert93_latitude('x', 'y')} as lat, {module.lambert93_longitude('x', 'y')} as lon "
        f"from (values {', '.join(f'({x}, {y})' for x, y in points)}) as t (x, y)").fetchall()
    assert rows[0] == pytest.approx((46.5, 3.0), abs=1e-8)
    for (x, y), (lat, lon) in zip(points, rows, strict=True):
        assert (lat, lon) == pytest.approx(lambert93_to_wgs84(x, y), abs=1e-8), (x, y)
    assert lambert93_to_wgs84(700000.0, 6600000.0) == pytest.approx((46.5, 3.0), abs=1e-8)


def test_haversine_macro_matches_python():
    macros = jinja2.Environment().from_string((REPO_ROOT / "dbt_project" / "macros" / "geographie.sql").read_text())
    auch, condom = (43.6534300414, 0.575190250459), (43.9716968333, 0.374186827134)
    (sql,) = duckdb.sql(f"select {macros.make_module().haversine_km(*auch, *condom)}").fetchone()
    assert sql == pytest.approx(haversine_km(auch, condom), rel=1e-12)
    assert 38 < sql < 40  # Auch–Condom, straight line


def test_nearest_distances_recomputed_from_raw_coordinates(published_warehouse, proximity):
    rows = dict(((c, (o, d)) for c, o, d in query(published_warehouse, """
        select code_commune, code_offre_plus_proche, distance_km from marts.fct_proximite_commune
        where categorie_service = 'hebergement_personnes_agees'""")))
    assert set(rows) == set(proximity) and len(rows) > 450
    far = sorted(proximity, key=lambda c: -proximity[c][1])[:3]
    for commune in ["32013", "32107", "32462", *far]:  # Auch, Condom, Vic-Fezensac and the three farthest
        offre, distance = rows[commune]
        assert distance == pytest.approx(proximity[commune][1], abs=0.005), commune  # 5 m
        assert offre == proximity[commune][0], commune
    assert max(abs(rows[c][1] - proximity[c][1]) for c in rows) < 0.005


def test_population_weighted_shares_and_median_of_grand_auch(published_warehouse, proximity):
    """CA Grand Auch Cœur de Gascogne: shares beyond 5/10/20 km and weighted median from the DGCL composition and
    the populations légales, with the distances recomputed above."""
    epci = next(e for e in json.loads((SNAPSHOT / "epci_composition" / "epci.json").read_text())
                if e["code"] == "200066926")
    members = {m["code"] for m in epci["membres"]}
    population = {r["COM"]: int(r["PMUN"]) for r in read_snapshot_csv(
        "insee_populations_legales/donnees_communes.csv.gz", ";") if r["COM"] in members}
    assert len(population) == len(members) == 34
    total = sum(population.values())
    expected = {k: 100 * sum(p for c, p in population.items() if proximity[c][1] > k) / total for k in (5, 10, 20)}
    cumulated, median = 0, None
    for commune in sorted(population, key=lambda c: (proximity[c][1], c)):
        cumulated += population[commune]
        if median is None and 2 * cumulated >= total:
            median = proximity[commune][1]
    (row,) = query(published_warehouse, """
        select population, part_population_plus_5_km, part_population_plus_10_km, part_population_plus_20_km,
               distance_mediane_km, niveau, est_demonstration
        from marts.fct_proximite_territoire
        where code_territoire = 'EPCI-200066926' and categorie_service = 'hebergement_personnes_agees'""")
    assert row[0] == total
    assert row[1:4] == pytest.approx((expected[5], expected[10], expected[20]), abs=1e-9)
    assert row[4] == pytest.approx(median, abs=0.005)
    assert row[5] == "epci" and row[6] is True  # offline FINESS is demonstration data
    assert 0 < expected[5] < 100  # the EPCI has communes on both sides of the threshold: the check can fail


def test_every_commune_and_territory_is_published_once_per_category(published_warehouse):
    (departement,) = query(published_warehouse, """
        select count(*) filter (where niveau = 'departement'), count(distinct categorie_service),
               count(*) filter (where niveau = 'epci') from marts.fct_proximite_territoire""")
    assert departement[0] == departement[1] == 6  # DEP-32 only: the neighbours are only partly in the perimeter
    (epci,) = query(published_warehouse, "select count(*) from marts.dim_territoire where niveau = 'epci'")
    assert departement[2] == epci[0] * 6
    catalog = query(published_warehouse, """
        select code_indicateur, definition_numerateur from marts.dim_indicateur
        where theme = 'Proximité des services'""")
    assert len(catalog) == 4 and all("vol d'oiseau" in definition for _, definition in catalog)


def test_demonstration_finess_points_follow_their_documented_rule():
    """The committed FINESS geolocation lines are what extract/demo/finess.py writes (La Poste point of the
    commune, projected to Lambert 93, within 1.5 km on each axis)."""
    csv_text, _ = demo_finess.generate()
    committed = (SNAPSHOT / "finess_etablissements" / "etalab-cs1100507-stock-demonstration.csv").read_bytes()
    assert csv_text.encode("latin-1") == committed
    points = commune_points()
    services = finess_services(actions_of("hebergement_personnes_agees"))
    assert max(haversine_km(points[commune], point) for commune, point in services.values()) < 1.5 * math.sqrt(2)
