"""data·inclusion API v1 (token, pages) replayed with `responses`.

Fixtures (tests/fixtures/README.md): the provider's own v1 answer bytes from its API test snapshots
(`provider_examples/`), and hand-written v1 pages for the Gers and for pagination (`handwritten/`). Tests: the
provider snapshot lands field for field, pagination and the structure join, empty answer, 401 and 403 refused at
once with a French message, 500 retried, malformed body, missing token, and the offline DEMONSTRATION snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import responses
from responses import matchers

from extract.http import FetchError
from extract.readers import ParseError
from extract.run import extract_source
from extract.sources import data_inclusion_services as di

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SERVICES, STRUCTURES = di.ONLINE_URLS
NAME = "data_inclusion_services"
AUTH = matchers.header_matcher({"Authorization": "Bearer jeton-de-test"})


@pytest.fixture
def online(make_settings):
    return make_settings(OBS_MODE="online", **{di.TOKEN_ENV: "jeton-de-test"})


def body(path: str) -> bytes:
    return (FIXTURES / path).read_bytes()


def query(page: int) -> matchers:
    return matchers.query_param_matcher({"code_departement": "32", "size": str(di.PAGE_SIZE), "page": str(page)})


def test_v1_routes_on_the_production_host():
    assert SERVICES == "https://api.data.inclusion.gouv.fr/api/v1/services"
    assert STRUCTURES == "https://api.data.inclusion.gouv.fr/api/v1/structures"


@responses.activate
def test_provider_snapshot_lands_field_for_field(online, session):
    """Bytes of the provider's own API test snapshot (gip-inclusion/data-inclusion, test_list_*_all)."""
    services = body("provider_examples/data_inclusion_v1_services_test_snapshot.json")
    structures = body("provider_examples/data_inclusion_v1_structures_test_snapshot.json")
    responses.get(SERVICES, body=services, match=[AUTH, query(1)])
    responses.get(STRUCTURES, body=structures, match=[AUTH, query(1)])
    result = extract_source(NAME, online, session)
    df = pd.read_parquet(result["landing_path"])
    expected = json.loads(services)["items"]
    by_id = {s["id"]: s for s in json.loads(structures)["items"]}
    assert len(df) == len(expected) > 0 and not df["est_demonstration"].any()
    for item in expected:
        row = df.set_index("id_service").loc[item["id"]]
        structure = by_id.get(item["structure_id"], {})
        assert row["source"] == item["source"] and row["structure_id"] == item["structure_id"]
        assert row["nom"] == item["nom"] and row["code_commune"] == item["code_insee"]
        assert row["thematiques"] == ";".join(item["thematiques"])
        assert row["publics"] == ";".join(item["publics"])
        assert pd.isna(row["zone_eligibilite"]) if item["zone_eligibilite"] is None else (
            row["zone_eligibilite"] == ";".join(item["zone_eligibilite"]))
        assert row["nom_structure"] == structure["nom"]
        assert pd.isna(row["reseaux_porteurs"]) if not structure["reseaux_porteurs"] else (
            row["reseaux_porteurs"] == ";".join(structure["reseaux_porteurs"]))


@responses.activate
def test_pages_are_followed_and_structures_joined(online, session):
    responses.get(SERVICES, body=body("handwritten/data_inclusion_v1_services_page1.json"), match=[AUTH, query(1)])
    responses.get(SERVICES, body=body("handwritten/data_inclusion_v1_services_page2.json"), match=[AUTH, query(2)])
    responses.get(STRUCTURES, body=body("handwritten/data_inclusion_v1_structures.json"), match=[AUTH, query(1)])
    result = extract_source(NAME, online, session)
    df = pd.read_parquet(result["landing_path"]).set_index("id_service")
    assert len(responses.calls) == 3 and result["origin"] == SERVICES
    assert sorted(df.index) == ["dora--a1b2", "dora--c3d4", "soliguide--e5f6"]  # page 2 kept
    parentalite = df.loc["dora--c3d4"]
    assert parentalite["thematiques"] == "famille--soutien-a-la-parentalite-et-a-leducation;famille--garde-denfants"
    assert parentalite["zone_eligibilite"] == "32;200066926" and parentalite["publics"] == "familles"
    assert parentalite["nom_structure"] == "Association familles du Gers"
    assert pd.isna(parentalite["reseaux_porteurs"])  # empty list → null, not ''
    assert df.loc["dora--a1b2", "reseaux_porteurs"] == "ccas-cias"
    domiciliation = df.loc["soliguide--e5f6"]  # its structure is not in the département's answer
    assert pd.isna(domiciliation["nom_structure"]) and pd.isna(domiciliation["zone_eligibilite"])
    raw = (online.raw_dir / "_fetches.jsonl").read_text()
    assert "jeton-de-test" not in raw  # the token is never stored
    pages = (online.raw_dir / NAME).rglob("services.pages.jsonl")
    assert [len(p.read_text().splitlines()) for p in pages] == [2]  # both pages kept as received


@responses.activate
def test_empty_answer_is_refused(online, session):
    empty = {"items": [], "total": 0, "page": 1, "size": 0, "pages": 0}
    responses.get(SERVICES, json=empty)
    responses.get(STRUCTURES, json=empty)
    with pytest.raises(ParseError, match="aucun service"):
        extract_source(NAME, online, session)
    assert not (online.landing_dir / f"{NAME}.parquet").exists()


@pytest.mark.parametrize(("status", "message"), [(401, "jeton refusé"), (403, "portée « api »")])
@responses.activate
def test_refused_token_is_reported_in_french_at_once(status, message, online, session):
    detail = b'{"detail":"Unauthorized"}' if status == 401 else b'{"detail":"Forbidden"}'
    responses.get(SERVICES, status=status, body=detail)
    with pytest.raises(FetchError, match=message) as error:
        extract_source(NAME, online, session)
    assert di.TOKEN_ENV in str(error.value) and f"HTTP {status}" in str(error.value)
    assert len(responses.calls) == 1  # not retried
    assert not (online.landing_dir / f"{NAME}.parquet").exists()


@responses.activate
def test_server_error_is_retried_then_reported(online, session):
    responses.get(SERVICES, status=500, body=b"Internal Server Error")
    with pytest.raises(FetchError, match="HTTP 500"):
        extract_source(NAME, online, session)
    assert len(responses.calls) == 3  # first try + 2 retries


@responses.activate
def test_malformed_body_is_refused(online, session):
    responses.get(SERVICES, body=b"<html><body>Maintenance en cours</body></html>", content_type="text/html")
    with pytest.raises(ParseError, match="pas du JSON"):
        extract_source(NAME, online, session)


def test_missing_token_says_so(make_settings):
    with pytest.raises(FetchError, match="DATA_INCLUSION_TOKEN"):
        extract_source(NAME, make_settings(OBS_MODE="online"))


def test_service_without_id_is_refused(tmp_path):
    bad = tmp_path / "services.pages.jsonl"
    bad.write_text(json.dumps({"items": [{"nom": "x", "source": "dora"}], "pages": 1}) + "\n")
    with pytest.raises(ParseError, match="sans 'id'"):
        di.parse([bad], None)


def test_offline_snapshot_is_labelled_demonstration(settings, tmp_path):
    from extract.demo import offre_sources

    result = extract_source(NAME, settings)
    df = pd.read_parquet(result["landing_path"])
    assert result["est_demonstration"] and df["est_demonstration"].all()
    assert df["nom"].str.endswith("(DÉMO)").all() and set(df["source"]) == {"demonstration"}
    assert df["publics"].notna().all() and df["zone_eligibilite"].notna().all()  # written in the v1 layout
    written = offre_sources.write(tmp_path)  # the generator gives the committed bytes back
    for path in written:
        assert path.read_bytes() == (settings.snapshot_dir / path.parent.name / path.name).read_bytes()
