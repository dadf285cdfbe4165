"""Base permanente des équipements (INSEE): number of facilities per commune and facility type.

Online: INSEE Melodi `DS_BPE` (`_melodi.fetch`, communes of the département and of its EPCI), observations with
dimensions `GEO` (`<vintage>-COM-<code>`), `FACILITY_TYPE` (the BPE `TYPEQU` code: D502 établissement d'accueil
du jeune enfant, D4xx / D6xx / D7xx personnes âgées, handicap, autres services d'action sociale…), `TIME_PERIOD`
and the count in `OBS_VALUE_NIVEAU`. Only the action-sociale domain (types `D4*`–`D7*`) is kept: the rest of
the BPE (shops, schools, sports…) is not social offer. When the answer also carries a `BPE_MEASURE` dimension,
only the facility count (`FACILITIES`) is kept. Dimension and measure names follow Melodi's catalogue and are
to be checked at the first online run (https://api.insee.fr/melodi/range/DS_BPE); unknown codes simply land
and show up as « non classé » in the offer's quality table.

The BPE gives counts, not named facilities, and its D4/D6/D7 types are themselves taken from FINESS: the offer
(dbt) keeps only the types FINESS does not cover (crèches and other EAJE), see offre_correspondance_bpe.

Offline: no open commune-level BPE copy is available here, so the snapshot is a DEMONSTRATION file (banner
line, `code_commune;annee;type_equipement;nombre`, extract/demo/offre_sources.py).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import requests

from extract.readers import ParseError, read_bytes
from extract.registry_types import Fetched
from extract.sources import _long, _melodi

DATASET = "DS_BPE"
ONLINE_URLS = (f"{_melodi.BASE}/{DATASET}",)
SNAPSHOT = "insee_bpe_communes_demonstration.csv"
DOMAINES = ("D4", "D5", "D6", "D7")  # BPE domain D "santé et action sociale", social-action sub-domains
COLUMNS = ["code_commune", "annee", "type_equipement", "nombre"]


def fetch(session: requests.Session, settings) -> list[Fetched]:
    return [_melodi.fetch(session, DATASET, _long.selecteurs_melodi(settings), {})]


def _from_melodi(path: Path) -> pd.DataFrame:
    obs = _melodi.observations(path)
    if "FACILITY_TYPE" not in obs.columns:
        raise ParseError(f"{path.name} : réponse Melodi DS_BPE sans dimension FACILITY_TYPE")
    if "BPE_MEASURE" in obs.columns:
        obs = obs[obs["BPE_MEASURE"] == "FACILITIES"]
    return pd.DataFrame({"code_commune": obs["code_commune"], "annee": obs["annee"],
                         "type_equipement": obs["FACILITY_TYPE"], "nombre": obs["valeur"]})


def _from_demo(path: Path) -> pd.DataFrame:
    lines = [line for line in read_bytes(path).decode("utf-8").splitlines() if line and not line.startswith("#")]
    if not lines or lines[0].split(";") != COLUMNS:
        raise ParseError(f"{path.name} : en-tête attendu {';'.join(COLUMNS)}")
    rows = [line.split(";") for line in lines[1:]]
    return pd.DataFrame(rows, columns=COLUMNS).assign(annee=lambda d: d["annee"].astype(int))


def parse(files: list[Path], settings) -> pd.DataFrame:
    path = files[0]
    df = _from_melodi(path) if path.name.endswith(".pages.jsonl") else _from_demo(path)
    df = df[df["type_equipement"].astype(str).str[:2].isin(DOMAINES)]
    df = df.assign(nombre=pd.to_numeric(df["nombre"], errors="coerce"))
    df = df[df["nombre"].fillna(0) > 0]
    if df.empty:
        raise ParseError(f"{path.name} : aucun équipement d'action sociale (types D4 à D7)")
    df = df.groupby(["code_commune", "annee", "type_equipement"], as_index=False)["nombre"].sum()
    df["nombre"] = df["nombre"].round().astype("int64")
    df["code_commune"] = df["code_commune"].astype("string")
    df["type_equipement"] = df["type_equipement"].astype("string")
    return df[COLUMNS]
