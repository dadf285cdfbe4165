"""FINESS source: both real formats (CSV extract, JSON flux), the demonstration snapshot, and the online
connector replayed with `responses` (recorded answers, empty answer, server error, malformed body)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest
import responses

from extract.http import FetchError
from extract.readers import ParseError
from extract.run import extract_source
from extract.sources import finess_etablissements as finess

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
STRUCTURES = FIXTURES / "recorded" / "finess_structures_echantillon_20260813.json.gz"  # real flux extracts
ACTIVITES = FIXTURES / "recorded" / "finess_activites_echantillon_20260818.json.gz"
CSV_SAMPLE = FIXTURES / "handwritten" / "etalab-cs1100507-stock-extrait-format.csv"  # written to PROVENANCE §7


def test_csv_extract_latin1_no_header_two_line_types():
    df = finess.parse([CSV_SAMPLE], None)
    assert list(df.columns) == finess.COLUMNS
    row = df.set_index("nofinesset").loc["320000011"]
    assert row["code_commune"] == "32013" and row["categorie"] == "500"
    assert row["libelle_categorie"].startswith("Etablissement d'hébergement pour personnes âgées")  # Latin-1
    assert row["coord_x"] == pytest.approx(503234.5)
    assert df.set_index("nofinesset").loc["2A0000015", "code_commune"] == "2A004"
    assert df.set_index("nofinesset").loc["9A0000019", "code_commune"] == "97101"
    assert df["capacite_installee"].isna().all()  # the CSV extract carries no capacity


def test_csv_extract_in_utf8_reads_the_same_text(tmp_path):
    """The same extract re-saved in UTF-8 (as a partner's tool may do) gives the same labels, not mojibake."""
    utf8 = tmp_path / "finess_utf8.csv"
    utf8.write_bytes(CSV_SAMPLE.read_bytes().decode("latin-1").encode("utf-8"))
    pd.testing.assert_frame_equal(finess.parse([utf8], None), finess.parse([CSV_SAMPLE], None))


def test_csv_extract_in_utf16_is_refused(tmp_path):
    utf16 = tmp_path / "finess_utf16.csv"
    utf16.write_bytes(CSV_SAMPLE.read_bytes().decode("latin-1").encode("utf-16"))
    with pytest.raises(ParseError, match="UTF-16"):
        finess.parse([utf16], None)


def test_real_json_structures_and_activites_samples():
    df = finess.parse([STRUCTURES, ACTIVITES], None)
    doc = json.loads(gzip.decompress(STRUCTURES.read_bytes()))
    open_sites = {e["informationsGeneralesEGE"]["numFinessEge"] for p in doc["pmej"] for e in p.get("ege") or []
                  if not e["informationsGeneralesEGE"].get("dateFermeture")}
    assert set(df["nofinesset"]) == open_sites
    assert df["nofinesset"].is_unique and df["code_commune"].str.len().eq(5).all()
    assert (df["format_source"] == "json_structures").all()
    # Capacities recomputed here from the activités sample: active activities, total rows, status 09.
    act = json.loads(gzip.decompress(ACTIVITES.read_bytes()))
    expected: dict[str, int] = {}
    for p in act["pmej"]:
        for e in p["ege"]:
            for a in e.get("activitesExercees") or []:
                if a["caracteristiquesGeneriques"]["etatObjet"] != "A":
                    continue
                for c in a.get("capacite") or []:
                    if c["statutCapacite"] == "09" and not (c.get("modeFinancement") or c.get("habilitation")
                                                            or c.get("typeLogement") or c.get("genre")):
                        expected[e["numFinessEge"]] = expected.get(e["numFinessEge"], 0) + int(c["nombre"])
    got = df.dropna(subset=["capacite_installee"]).set_index("nofinesset")["capacite_installee"]
    assert got.sum() > 0
    for site, total in got.items():
        assert total == expected.get(site, 0)


def test_demonstration_snapshot_offline(settings):
    result = extract_source("finess_etablissements", settings)
    assert result["est_demonstration"] is True
    df = pd.read_parquet(result["landing_path"])
    assert df["est_demonstration"].all() and df["nofinesset"].is_unique
    assert set(df["code_commune"].str[:2]) == {"32", "64"}
    assert df["raison_sociale"].str.endswith("(DÉMO)").all()


@pytest.mark.parametrize("body", [b"", b"finess;etalab;95;2026-11-01\n", b"<html>maintenance</html>",
                                  b'{"pmej": [}'])
def test_empty_or_malformed_bodies_are_refused(tmp_path, body):
    path = tmp_path / "etalab-cs1100507-stock.csv"
    path.write_bytes(body)
    with pytest.raises(ParseError):
        finess.parse([path], None)


@responses.activate
def test_online_fetch_replays_recorded_answers(make_settings, session):
    csv_url = "https://static.data.gouv.fr/resources/finess/etalab-cs1100507-stock-20261101-0425.csv"
    json_url = "https://static.data.gouv.fr/resources/finess/finess-activites-journalier-20260818.json.gz"
    responses.get(finess.ONLINE_URL, status=302, headers={"Location": csv_url})
    responses.get(csv_url, body=CSV_SAMPLE.read_bytes())
    responses.get(finess.ACTIVITES_DATASET_API, json={"resources": [
        {"title": "finess-activites-journalier-20260817.json.gz", "url": json_url.replace("18", "17")},
        {"title": "finess-activites-journalier-20260818.json.gz", "url": json_url}]})
    responses.get(json_url, body=ACTIVITES.read_bytes())
    result = extract_source("finess_etablissements", make_settings(OBS_MODE="online"), session)
    assert result["est_demonstration"] is False and result["rows"] == 3


@responses.activate
def test_online_server_error(make_settings, session):
    responses.get(finess.ONLINE_URL, status=503)
    with pytest.raises(FetchError, match="503"):
        extract_source("finess_etablissements", make_settings(OBS_MODE="online"), session)
