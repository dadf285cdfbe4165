"""The Occitanie population compilation (Hackaviz 2018): the real embedded file, and bad copies of it refused in
French. Expected figures come from the raw file read with the csv module, not from the parser."""

from __future__ import annotations

import csv
import gzip
import io

import pytest

from core.settings import REPO_ROOT, ConfigError, load_settings
from extract.readers import ParseError
from extract.sources import compilation_populations_occitanie as compilation

SNAPSHOT = REPO_ROOT / "data/snapshot/compilation_populations_occitanie" / compilation.SNAPSHOT
HEADER = "CODGEO\tcommune\tcode_dept\tpopulation_2014\tpopulation_1999\tpopulation_1982\tpopulation_1968\n"


def raw_rows() -> list[dict]:
    csv.field_size_limit(10**8)
    text = gzip.decompress(SNAPSHOT.read_bytes()).decode("cp1252")
    return list(csv.DictReader(io.StringIO(text), delimiter="\t"))


def test_real_file_lands_four_vintages_on_text_codes(settings):
    rows = raw_rows()
    frame = compilation.parse([SNAPSHOT], settings)
    assert len(frame) == 4 * len(rows) == 4 * 4516
    assert set(frame["annee"]) == {1968, 1982, 1999, 2014} and set(frame["code_mesure"]) == {"population_municipale"}
    landed = {(r.code_commune, r.annee): r.valeur for r in frame.itertuples()}
    ariege = next(r for r in rows if r["CODGEO"] == "9001")  # written as a number in the file
    assert landed[("09001", 1968)] == int(ariege["population_1968"])
    assert sum(v for (_, annee), v in landed.items() if annee == 2014) == sum(int(r["population_2014"]) for r in rows)


@pytest.mark.parametrize(("body", "message"), [
    (HEADER + "40001\tAIRE\t40\t6000\t6000\t6000\t6000\n", "hors d'Occitanie"),
    (HEADER + "32013\tAUCH\t32\t21807\t21838\t23258\t21462\n32013\tAUCH\t32\t1\t1\t1\t1\n", "deux fois"),
    (HEADER + "32013\tAUCH\t32\t21807\t21838\t23258\tvingt\n", "non entière"),
    (HEADER.replace("\tpopulation_1968", ""), "colonnes attendues absentes"),
    ("", "fichier vide"),
])
def test_bad_copies_are_refused_in_french(tmp_path, settings, body, message):
    path = tmp_path / "compilation.tsv"
    path.write_bytes(body.encode("cp1252"))
    with pytest.raises(ParseError, match=message):
        compilation.parse([path], settings)


def test_setting_of_regional_vintages_is_checked(tmp_path):
    base = {"OBS_VAR_DIR": str(tmp_path)}
    assert load_settings(base).millesimes_regionaux == "auto"
    from observatoire.dbt_build import dbt_vars

    assert dbt_vars(load_settings({**base, "OBS_MILLESIMES_REGIONAUX": " NON "}))["millesimes_regionaux"] == "non"
    with pytest.raises(ConfigError, match="OBS_MILLESIMES_REGIONAUX='peut-être'.*'auto'"):
        load_settings({**base, "OBS_MILLESIMES_REGIONAUX": "peut-être"})
