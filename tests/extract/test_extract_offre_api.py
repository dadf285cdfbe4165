"""data·inclusion services API (token, pages) replayed with `responses`: recorded sample, empty answer, 401, 500,
malformed body, missing token; and the offline DEMONSTRATION snapshot."""

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

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "recorded"
SERVICES, STRUCTURES = di.ONLINE_URLS
NAME = "data_inclusion_services"


@pytest.fixture
def online(make_settings, monkeypatch):
    monkeypatch.setenv(di.TOKEN_ENV, "jeton-de-test")
    return make_settings(OBS_MODE="online")


def body(name: str) -> bytes:
    return (RECORDED / name).read_bytes()


@responses.activate
def test_recorded_pages_land_with_their_structure(online, session):
    auth = matchers.header_matcher({"Authorization": "Bearer jeton-de-test"})
    page = {"departement": "32", "size": str(di.PAGE_SIZE)}
    responses.get(SERVICES, body=body("data_inclusion_services_page1.json"),
                  match=[auth, matchers.query_param_matcher({**page, "page": "1"})])
    responses.get(SERVICES, body=body("data_inclusion_services_page2.json"),
                  match=[auth, matchers.query_param_matcher({**page, "page": "2"})])
    responses.get(STRUCTURES, body=body("data_inclusion_structures.json"), match=[auth])
    result = extract_source(NAME, online, session)
    df = pd.read_parquet(result["landing_path"])
    assert len(df) == 3 and not df["est_demonstration"].any() and result["origin"] == SERVICES
    row = df.set_index("id_service").loc["c3d4"]
    assert row["thematiques"] == "famille--soutien-a-la-parentalite;famille--garde-denfants"
    assert (row["zone_diffusion_type"], row["zone_diffusion_code"]) == ("departement", "32")
    assert row["nom_structure"] == "Association familles du Gers" and row["typologie_structure"] == "ASSO"
    domiciliation = df.set_index("id_service").loc["e5f6"]
    assert domiciliation["source"] == "soliguide" and pd.isna(domiciliation["typologie_structure"])
    raw = (online.raw_dir / "_fetches.jsonl").read_text()
    assert "jeton-de-test" not in raw  # the token is never stored


@responses.activate
def test_empty_answer_is_refused(online, session):
    empty = {"items": [], "total": 0, "page": 1, "size": di.PAGE_SIZE, "pages": 0}
    responses.get(SERVICES, json=empty)
    responses.get(STRUCTURES, json=empty)
    with pytest.raises(ParseError, match="aucun service"):
        extract_source(NAME, online, session)
    assert not (online.landing_dir / f"{NAME}.parquet").exists()


@pytest.mark.parametrize("status", [401, 500])
@responses.activate
def test_http_errors_are_reported(status, online, session):
    responses.get(SERVICES, status=status, body=b'{"detail": "Not authenticated"}')
    with pytest.raises(FetchError, match=f"HTTP {status}"):
        extract_source(NAME, online, session)
    assert len(responses.calls) == (3 if status == 500 else 1)  # 5xx retried, 401 not


@responses.activate
def test_malformed_body_is_refused(online, session):
    responses.get(SERVICES, body=b"<html><body>Maintenance en cours</body></html>", content_type="text/html")
    with pytest.raises(ParseError, match="pas du JSON"):
        extract_source(NAME, online, session)


def test_missing_token_says_so(make_settings, monkeypatch):
    monkeypatch.delenv(di.TOKEN_ENV, raising=False)
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
    written = offre_sources.write(tmp_path)  # the generator gives the committed bytes back
    for path in written:
        assert path.read_bytes() == (settings.snapshot_dir / path.parent.name / path.name).read_bytes()
