"""The Panorama's population-history charts, read through Superset's chart-data API as the dashboard asks them:
the EPCI series equal the raw compilation recomputed in plain Python on today's geography, and the table of
vintages says which exist (never the Occitanie ones for an EPCI reaching beyond the région)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from superset_api import SupersetClient

from core.settings import REPO_ROOT
from tests.test_population_historique import VAL_DE_GERS, compilation_1968, gers_on_today_geography

pytestmark = pytest.mark.slow
OCCITANIE = ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82")


@pytest.fixture(scope="module")
def client(superset_server) -> Iterator[SupersetClient]:
    api = SupersetClient(superset_server.base_url, superset_server.username, superset_server.password)
    yield api
    api.http.close()


def chart_rows(client: SupersetClient, title_start: str) -> list[dict]:
    chart = next(c for c in client.dashboard_charts("panorama-social") if c["slice_name"].startswith(title_start))
    r = client.chart_data(chart["form_data"])
    assert r.status_code == 200, r.text[:300]
    return r.json()["result"][0]["data"]


def test_evolution_chart_shows_each_epci_on_todays_geography(client):
    with open(REPO_ROOT / "data/snapshot/epci_composition/epci.json", encoding="utf-8") as handle:
        epci = {e["code"]: (e["nom"], {m["code"] for m in e["membres"]}) for e in json.load(handle)}
    nom, members = epci[VAL_DE_GERS]
    today = gers_on_today_geography(compilation_1968())
    rows = chart_rows(client, "Évolution de la population des EPCI")
    by_point = {(r["libelle_territoire"], dt.datetime.fromtimestamp(r["date_annee"] / 1000, dt.UTC).year):
                r["population"] for r in rows}
    assert by_point[(nom, 1968)] == sum(today[c] for c in members)
    assert by_point[("Gers", 1968)] == sum(today.values())
    gers_epci = {code for code, (_, m) in epci.items() if any(c.startswith("32") for c in m)}
    whole = {code for code in gers_epci if all(c[:2] in OCCITANIE for c in epci[code][1])}
    assert {n for (n, year) in by_point if year == 2023} == {epci[c][0] for c in gers_epci} | {"Gers"}
    assert {n for (n, year) in by_point if year == 1968} == {epci[c][0] for c in whole} | {"Gers"}


def test_vintage_table_says_which_vintages_exist(client):
    with open(REPO_ROOT / "data/snapshot/epci_composition/epci.json", encoding="utf-8") as handle:
        members = [{m["code"] for m in e["membres"]} for e in json.load(handle)]
    gers = [m for m in members if any(c.startswith("32") for c in m)]
    whole = [m for m in gers if all(c[:2] in OCCITANIE for c in m)]
    rows = {r["annee"]: (r["couverture"], r["nb_territoires"])
            for r in chart_rows(client, "Millésimes de population disponibles")}
    assert rows[2023] == ("France entière", len(gers) + 1)
    for annee in (1968, 1982, 1999, 2014):
        couverture, nombre = rows[annee]
        assert couverture.startswith("Occitanie seulement") and nombre == len(whole) + 1 < len(gers) + 1
