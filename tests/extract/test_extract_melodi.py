"""The shared INSEE Melodi client (`extract/sources/_melodi.py`) on a real recorded Melodi answer.

`recorded/melodi_vcr_get_data_popref_nantes.yml` is a vcr cassette recorded against api.insee.fr on 2025-02-19 by
INSEE's own R client (cbobinec/melodi, tests/fixtures/), copied unchanged: its second interaction is the full data
answer (`maxResult=10000`) for Nantes in DS_POPULATIONS_REFERENCE, whose `paging` is empty when one page holds
everything; its first is a count-only answer whose `paging` carries `first`/`next`/`last`/`isLast`/`count`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import responses
import yaml
from responses import matchers

from extract.readers import ParseError
from extract.sources import _melodi

CASSETTE = Path(__file__).resolve().parents[1] / "fixtures" / "recorded" / "melodi_vcr_get_data_popref_nantes.yml"
DATASET = "DS_POPULATIONS_REFERENCE"


def recorded() -> list[dict]:
    return yaml.safe_load(CASSETTE.read_text(encoding="utf-8"))["http_interactions"]


def test_the_cassette_is_the_documented_data_call():
    calls = [i["request"]["uri"] for i in recorded()]
    assert all(uri.startswith(f"{_melodi.BASE}/{DATASET}?") for uri in calls)
    assert "maxResult=10000" in calls[1]  # the page size the connector asks for too


@responses.activate
def test_real_answer_ends_paging_and_parses(tmp_path, session):
    data = recorded()[1]["response"]["body"]["string"]
    responses.get(f"{_melodi.BASE}/{DATASET}", body=data.encode("utf-8"),
                  match=[matchers.query_param_matcher({"GEO": "COM-44109", "maxResult": "10000"})])
    fetched = _melodi.fetch(session, DATASET, ["COM-44109"], {})
    assert len(responses.calls) == 1  # `"paging": {}` means the last page
    path = tmp_path / fetched.filename
    path.write_bytes(fetched.data)
    obs = _melodi.observations(path)
    expected = {(o["dimensions"]["GEO"].rsplit("-", 1)[1], int(o["dimensions"]["TIME_PERIOD"]),
                 o["dimensions"]["POPREF_MEASURE"], o["measures"]["OBS_VALUE_NIVEAU"]["value"])
                for o in json.loads(data)["observations"]}
    got = set(zip(obs["code_commune"], obs["annee"], obs["POPREF_MEASURE"], obs["valeur"], strict=True))
    assert got == expected and len(expected) == len(obs) > 0
    assert json.loads(data)["observations"][0]["dimensions"]["GEO"].startswith("2024-COM-")  # vintage-COM-code


@responses.activate
def test_real_count_answer_with_no_observation_is_refused(tmp_path, session):
    count_only = recorded()[0]["response"]["body"]["string"]
    paging = json.loads(count_only)["paging"]
    assert paging["isLast"] is False and paging["next"].startswith(f"{_melodi.BASE}/{DATASET}?")
    path = tmp_path / f"{DATASET}.pages.jsonl"
    path.write_text(count_only.replace("\n", " ") + "\n", encoding="utf-8")
    with pytest.raises(ParseError, match="aucune observation"):
        _melodi.observations(path)


@responses.activate
def test_one_request_per_selector_and_a_commune_reached_twice_is_kept_once(tmp_path, session):
    """A Gers commune of a cross-border EPCI comes back under `DEP-32*COM` and under `EPCI-…*COM`."""
    data = recorded()[1]["response"]["body"]["string"].encode("utf-8")
    for selector in ("DEP-44*COM", "EPCI-244400404*COM"):
        responses.get(f"{_melodi.BASE}/{DATASET}", body=data,
                      match=[matchers.query_param_matcher({"GEO": selector, "maxResult": "10000"})])
    fetched = _melodi.fetch(session, DATASET, ["DEP-44*COM", "EPCI-244400404*COM"], {})
    assert len(responses.calls) == 2 and len(fetched.data.splitlines()) == 2  # both pages kept as received
    path = tmp_path / fetched.filename
    path.write_bytes(fetched.data)
    assert len(_melodi.observations(path)) == len(json.loads(data)["observations"])
