"""Online, on an empty working area, a source that fails with nothing earlier to fall back on does not stop the run
(issue 11): the refresh publishes, the other sources' marts are filled, the failing source and its indicators are
marked unavailable in the published catalog (marts.fraicheur_sources, marts.dim_indicateur), and the notifier names
it. The failing source answers HTTP 500 from a server on 127.0.0.1 (tests/test_faults.py), through the production
HTTP session and retries; the other sources read the embedded snapshot, since nothing here may leave the machine.
A source of the territory referential (essential) still fails the run: tests/test_faults.py.
"""

from __future__ import annotations

import csv
import dataclasses
import logging
import os

import pyarrow.parquet as pq
import pytest

import extract.http
import extract.run
from core.settings import REPO_ROOT
from observatoire import cli
from tests.helpers import query
from tests.test_faults import FaultyServer

FAILING = "caf_allocataires_communes"


@pytest.fixture
def failing_online(monkeypatch, tmp_path):
    """OBS_MODE=online on an empty OBS_VAR_DIR; FAILING answers 500, every other source reads the snapshot."""
    server = FaultyServer("500")
    source = extract.run.SOURCES[FAILING]
    monkeypatch.setitem(extract.run.SOURCES, FAILING, dataclasses.replace(
        source, online_urls=(server.url + "/bad/s_ben_com_f.csv",), fetcher=None))
    real_fetch, real_session = extract.run.fetch, extract.http.make_session

    def fetch(source, settings, session=None):
        if source.name == FAILING:
            return real_fetch(source, settings, session)
        return real_fetch(source, settings.model_copy(update={"mode": "offline"}), session)

    monkeypatch.setattr(extract.run, "fetch", fetch)
    monkeypatch.setattr(extract.run, "make_session", lambda: real_session(backoff_factor=0))
    monkeypatch.setattr(extract.http, "TIMEOUT", (2, 2))
    for name in [n for n in os.environ if n.startswith("OBS_")]:
        monkeypatch.delenv(name)
    var = tmp_path / "var"
    monkeypatch.setenv("OBS_VAR_DIR", str(var))
    monkeypatch.setenv("OBS_DEPARTEMENT", "32")
    monkeypatch.setenv("OBS_PORTRAITS", "non")  # as tests/conftest.py: portraits are test_portraits.py's
    yield var, server
    server.close()


def seed_indicators_of(source: str) -> set[str]:
    with (REPO_ROOT / "dbt_project/seeds/indicateurs.csv").open(encoding="utf-8", newline="") as handle:
        return {r["code_indicateur"] for r in csv.DictReader(handle) if source in r["sources_extraction"].split()}


def query_catalog(warehouse) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in query(warehouse, "select code_indicateur, est_disponible, disponibilite, "
                                                  "nb_sources_indisponibles from marts.dim_indicateur "
                                                  "where sources_extraction is not null")}


@pytest.mark.slow
def test_source_failing_with_no_earlier_landing_is_published_unavailable(failing_online, published_warehouse,
                                                                          caplog):
    var, server = failing_online
    assert not var.exists()
    with caplog.at_level(logging.WARNING, logger="observatoire.notify"):
        assert cli.main(["refresh", "--online"]) == 0  # the run succeeds, as the nightly job runs it
    assert server.hits["bad"] >= 2  # it was really tried, and retried, before being given up
    warehouse = var / "warehouse" / "observatoire.duckdb"

    # the published freshness mart and meta.sources: the failing source unavailable, every other one up to date
    freshness = {r[0]: r[1:] for r in query(warehouse, "select source, statut, est_disponible, lignes, erreur "
                                                      "from marts.fraicheur_sources")}
    statut, available, rows, error = freshness.pop(FAILING)
    assert statut.startswith("Indisponible") and available is False and rows == 0 and "500" in error
    assert {v[0] for v in freshness.values()} == {"À jour"} and all(v[1] for v in freshness.values())
    assert set(freshness) | {FAILING} == set(extract.run.SOURCES)
    (meta,) = query(warehouse, "select stale, last_success, sha256 from meta.sources where source = ?", [FAILING])
    assert meta == (True, None, None)

    # the catalog: the indicators marked unavailable are exactly those that lost their values compared with a
    # refresh where every source answers (the session's offline warehouse, same snapshot), and they are the failing
    # source's indicators; all the others keep their values
    catalog = query_catalog(warehouse)
    facts = "select distinct code_indicateur from marts.fct_indicateur_territoire where valeur is not null"
    with_facts = {r[0] for r in query(warehouse, facts)}
    with_facts_normally = {r[0] for r in query(published_warehouse, facts)}
    unavailable = {code for code, (ok, *_) in catalog.items() if not ok}
    assert unavailable == (with_facts_normally - with_facts) & set(catalog)  # partner examples load offline only
    assert all(ok and n == 0 for ok, _, n in query_catalog(published_warehouse).values())  # all available normally
    assert {"foyers_rsa_pour_100_menages", "part_population_couverte_caf"} <= unavailable
    assert unavailable == seed_indicators_of(FAILING)
    assert all(FAILING in catalog[code][1] and catalog[code][1].startswith("Indisponible") and catalog[code][2] == 1
               for code in unavailable)
    assert {"part_75_ans_plus", "taux_pauvrete", "apa_pour_100_75_ans_plus"} <= with_facts  # the others published

    # the other sources' marts are filled
    counts = dict(query(warehouse, "select 'communes', count(*) from marts.dim_territoire where niveau = 'commune' "
                                   "union all select 'offre', count(*) from marts.offre_services "
                                   "union all select 'panorama', count(*) from marts.panorama_indicateurs"))
    assert counts["communes"] > 400 and counts["offre"] > 0 and counts["panorama"] > 0

    # the notifier says so, naming the source and its indicators
    alerts = [r.getMessage() for r in caplog.records if r.name == "observatoire.notify"]
    assert len(alerts) == 1 and "indisponible" in alerts[0] and FAILING in alerts[0]
    assert "foyers_rsa_pour_100_menages" in alerts[0] and "500" in alerts[0]


def test_next_failure_stays_unavailable_and_a_success_clears_it(tmp_path, monkeypatch):
    """The empty landing of an unavailable source is never mistaken for earlier data to keep (stale)."""
    from extract.run import extract_all
    from tests.helpers import make_settings

    settings = make_settings(tmp_path / "var")
    real_fetch = extract.run.fetch

    def failing(source, settings, session=None):
        raise extract.http.FetchError(f"{source.name}: HTTP 500")

    monkeypatch.setattr(extract.run, "fetch", failing)
    for _ in range(2):
        (result,) = extract_all(settings, sources=[FAILING])
        assert result["unavailable"] is True and result["rows"] == 0 and result["last_success"] is None
    landing = settings.landing_dir / f"{FAILING}.parquet"
    empty = pq.read_schema(landing)
    monkeypatch.setattr(extract.run, "fetch", real_fetch)
    (result,) = extract_all(settings, sources=[FAILING])
    assert not result.get("unavailable") and result["rows"] > 0 and result["last_success"] is not None
    filled = pq.read_schema(landing)
    assert [(f.name, f.type) for f in empty] == [(f.name, f.type) for f in filled]  # typed as a real landing
