"""INSEE Melodi API (https://api.insee.fr/melodi, public, no key, 30 requests/minute).

`GET /melodi/data/<DATASET>?GEO=DEP-32*COM&maxResult=10000` (one `GEO` selector per request; `DEP-32*COM` = every
commune of the Gers, `EPCI-<siren>*COM` every commune of an EPCI, as INSEE's own R client `melodi` builds them,
cbobinec/melodi @ 1e7f00e1 `R/get_local_data_by_com.R`; 10 000 is the largest page it allows) answers JSON
`{"observations": [{"dimensions": {"GEO": "2024-COM-44109", "TIME_PERIOD": "2022", …},
"attributes": {…}, "measures": {"OBS_VALUE_NIVEAU": {"value": 123.4}}}], "paging": {…}}` — checked on answers
that client recorded (tests/fixtures/recorded/melodi_vcr_*.yml): `paging` is empty when one page holds
everything, else it carries `isLast` and `next` (the URL of the next page). Secret cells come as an observation
without `value`. The raw file keeps every page as received, one JSON document per line
(`<DATASET>.pages.jsonl`). A commune reached by two selectors (a Gers commune of a cross-border EPCI) is kept
once.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import requests

from extract.http import get
from extract.readers import ParseError, json_body, json_pages
from extract.registry_types import Fetched

BASE = "https://api.insee.fr/melodi/data"


def fetch(session: requests.Session, dataset: str, selecteurs: list[str], filters: dict[str, str]) -> Fetched:
    """Every page for each `GEO` selector (`DEP-32*COM`, `EPCI-200030435*COM`, `COM-32013`…)."""
    pages = []
    for selecteur in selecteurs:
        params = [("GEO", selecteur)] + list(filters.items()) + [("maxResult", "10000")]
        url, query = f"{BASE}/{dataset}", params
        while url:
            response = get(session, url, query)
            pages.append(response.content.decode("utf-8").replace("\n", " "))
            paging = json_body(response.content, dataset, "Melodi", "observations").get("paging") or {}
            url = None if paging.get("isLast", True) else paging.get("next")
            query = None
    return Fetched(f"{dataset}.pages.jsonl", ("\n".join(pages) + "\n").encode("utf-8"), f"{BASE}/{dataset}")


def observations(path: Path) -> pd.DataFrame:
    """One row per commune observation: its dimensions as columns, plus code_commune, annee, valeur."""
    rows = []
    for page in json_pages(path, "Melodi", "observations"):
        for obs in page["observations"]:
            dims = dict(obs.get("dimensions") or {})
            geo = dims.get("GEO", "")
            if "-COM-" not in f"-{geo}":
                continue
            value = ((obs.get("measures") or {}).get("OBS_VALUE_NIVEAU") or {}).get("value")
            rows.append({**dims, "code_commune": geo.split("COM-", 1)[1], "annee": int(dims["TIME_PERIOD"][:4]),
                         "valeur": value})
    if not rows:
        raise ParseError(f"{path.name} : aucune observation communale")
    return pd.DataFrame(rows).drop_duplicates(ignore_index=True)  # same observation through two selectors


def select(obs: pd.DataFrame, mapping: dict[str, dict[str, str]]) -> pd.DataFrame:
    """Long frame for each code_mesure whose dimension filters match (filters on absent dimensions never match)."""
    parts = []
    for code, filters in mapping.items():
        keep = pd.Series(True, index=obs.index)
        for dim, value in filters.items():
            keep &= obs[dim].eq(value) if dim in obs.columns else False
        parts.append(obs.loc[keep, ["code_commune", "annee", "valeur"]].assign(code_mesure=code))
    return pd.concat(parts, ignore_index=True)
