"""Commune populations 1968, 1982, 1999 and 2014 for Occitanie: a COMPILATION, not an official file.

Toulouse DataViz « Hackaviz 2018 » (repository gdevailly/hackaviz_tlse2018, MIT; PROVENANCE §10): one row per
commune of the 13 départements of Occitanie on the geography of its vintage (COG 2017/2018, 4 516 communes),
`population_1968`, `_1982`, `_1999`, `_2014` (INSEE census counts as the compilers copied them), beside many
columns not used here. Tab-separated, Windows-1252/ISO-8859-1 despite the `_utf8` in its name; `CODGEO` written as
a number (`9001` for 09001). Landed long, as `population_municipale` of each vintage, on the codes of the file;
dbt brings them onto today's communes (int_communes_codes_mapped) and publishes them only where the whole
territory is covered (docs: dbt_project/README.md, « Millésimes régionaux »).

No online URL: a frozen compilation; both modes read the embedded copy.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from extract.readers import ParseError, decode_text, read_bytes, require_columns, to_int
from extract.sources import _long

SNAPSHOT = "TDV_hackaviz_2018_utf8.tsv.gz"
CODE_REGION = "76"  # Occitanie: the only région the compilation covers
ANNEES = (1968, 1982, 1999, 2014)
MESURE = "population_municipale"
DEPARTEMENTS = {"09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"}


def parse(files: list[Path], settings) -> pd.DataFrame:
    name = files[0].name
    text = decode_text(read_bytes(files[0]), name)
    columns = ["CODGEO", "code_dept"] + [f"population_{annee}" for annee in ANNEES]
    try:
        frame = pd.read_csv(io.StringIO(text), sep="\t", dtype=str, keep_default_na=False, na_values=[""],
                            usecols=lambda c: c in columns)
    except (pd.errors.ParserError, ValueError) as exc:
        raise ParseError(f"{name} : fichier tabulé illisible ({exc})") from exc
    require_columns(frame, columns, name)
    codes = frame["CODGEO"].str.strip().str.zfill(5)
    bad = ~codes.str.fullmatch(r"\d{5}") | ~frame["code_dept"].str.strip().str.zfill(2).isin(DEPARTEMENTS)
    if bad.any():
        raise ParseError(f"{name} : ligne {int(bad.idxmax()) + 2} : commune {frame['CODGEO'][bad].iloc[0]!r} "
                         f"(département {frame['code_dept'][bad].iloc[0]!r}) hors d'Occitanie ou code illisible")
    if codes.duplicated().any():
        raise ParseError(f"{name} : commune {codes[codes.duplicated()].iloc[0]!r} présente deux fois")
    parts = [pd.DataFrame({"code_commune": codes, "annee": annee, "code_mesure": MESURE,
                           "valeur": to_int(frame[f"population_{annee}"], f"{name} population_{annee}")})
             for annee in ANNEES]
    return _long.finish(pd.concat(parts, ignore_index=True), [MESURE], name)
