"""CAF allocataires par commune (data.caf.fr, dataset `s_ben_com_f`, December of each year, régime CAF only).

Offline: DEMONSTRATION data. Online: the Opendatasoft Explore v2.1 CSV export of the whole dataset
(`/exports/csv`, no 10 000-record cap unlike `/records`), `;` separated, field names as header.
Counts are rounded to multiples of 5 by the CAF; blurred cells (fewer than 5) are empty → null.
Rows without a commune (`numcomdo` blank: non localisé) are dropped.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import requests

from extract.http import get
from extract.readers import ParseError, read_csv, to_float
from extract.registry_types import Fetched
from extract.sources import _long

SNAPSHOT = "caf_allocataires_communes_demonstration.csv.gz"
DATASET = "s_ben_com_f"
ONLINE_URL = f"https://data.caf.fr/api/explore/v2.1/catalog/datasets/{DATASET}/exports/csv"
PARAMS = {"delimiter": ";", "use_labels": "false", "lang": "fr", "timezone": "Europe/Paris"}
FIELDS = {
    "indfoy_ndur": "foyers_allocataires",
    "indnbp_ndur": "personnes_couvertes",
    "indfoy_rsa": "foyers_rsa",
    "indfoy_aah": "foyers_aah",
    "indfoy_ndural": "foyers_aides_logement",
    "indfoy_ppa": "foyers_prime_activite",
}
CODES = list(FIELDS.values())


def fetch(session: requests.Session, settings) -> list[Fetched]:
    response = get(session, ONLINE_URL, PARAMS)
    return [Fetched(f"{DATASET}.csv", response.content, response.url)]


def parse(files: list[Path], settings) -> pd.DataFrame:
    path = files[0]
    if path.name.startswith(DATASET):
        df = read_csv(path, ";", columns=["dtreffre", "numcomdo", "indfoy_ndur"])
        df = df[df["numcomdo"].notna() & df["dtreffre"].str.endswith("-12")]
        if df.empty:
            raise ParseError(f"{path.name} : aucune ligne communale de décembre")
        present = [f for f in FIELDS if f in df.columns]
        long = df.melt(id_vars=["numcomdo", "dtreffre"], value_vars=present, var_name="champ", value_name="valeur")
        return _long.finish(pd.DataFrame({
            "code_commune": long["numcomdo"],
            "annee": long["dtreffre"].str[:4].astype(int),
            "code_mesure": long["champ"].map(FIELDS),
            "valeur": to_float(long["valeur"], "valeur"),
        }), CODES, path.name)
    return _long.read_demo(path, CODES)
