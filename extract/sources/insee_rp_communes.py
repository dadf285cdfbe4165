"""Recensement de la population, communes: population by age group, households, families (long form).

Offline: DEMONSTRATION data (extract/demo/generate.py) — no open copy of the commune RP was available here.
Online: INSEE Melodi `DS_RP_POPULATION_PRINC` (population by age, SEX=_T) and `DS_RP_MENAGES_COMP`
(households and families) for the communes of the département and of its EPCI. The dimension codes below
follow Melodi's code lists (CL_AGE, RP_MEASURE); check them against
https://api.insee.fr/melodi/range/<DATASET> when INSEE publishes a new vintage.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import requests

from extract.readers import ParseError
from extract.registry_types import Fetched
from extract.sources import _long, _melodi

SNAPSHOT = "insee_rp_communes_demonstration.csv.gz"
ONLINE_URLS = (f"{_melodi.BASE}/DS_RP_POPULATION_PRINC", f"{_melodi.BASE}/DS_RP_MENAGES_COMP")
MESURES = {
    "DS_RP_POPULATION_PRINC": {
        "pop_totale": {"RP_MEASURE": "POP", "SEX": "_T", "AGE": "_T"},
        "pop_0_2": {"RP_MEASURE": "POP", "SEX": "_T", "AGE": "Y_LT3"},
        "pop_0_17": {"RP_MEASURE": "POP", "SEX": "_T", "AGE": "Y_LT18"},
        "pop_18_24": {"RP_MEASURE": "POP", "SEX": "_T", "AGE": "Y18T24"},
        "pop_20_59": {"RP_MEASURE": "POP", "SEX": "_T", "AGE": "Y20T59"},
        "pop_60_plus": {"RP_MEASURE": "POP", "SEX": "_T", "AGE": "Y_GE60"},
        "pop_75_plus": {"RP_MEASURE": "POP", "SEX": "_T", "AGE": "Y_GE75"},
        "pop_80_plus": {"RP_MEASURE": "POP", "SEX": "_T", "AGE": "Y_GE80"},
    },
    "DS_RP_MENAGES_COMP": {
        "pop_80_plus_seules": {"RP_MEASURE": "POP_HH", "AGE": "Y_GE80", "HH_COMP": "1"},
        "menages": {"RP_MEASURE": "HH", "HH_COMP": "_T"},
        "familles": {"RP_MEASURE": "FAM", "FAM_TYPE": "_T"},
        "familles_monoparentales": {"RP_MEASURE": "FAM", "FAM_TYPE": "MONO"},
        "familles_nombreuses": {"RP_MEASURE": "FAM", "NB_CHILD": "GE3"},
    },
}
CODES = [code for mapping in MESURES.values() for code in mapping]


def fetch(session: requests.Session, settings) -> list[Fetched]:
    selecteurs = _long.selecteurs_melodi(settings)
    return [_melodi.fetch(session, dataset, selecteurs, {}) for dataset in MESURES]


def parse(files: list[Path], settings) -> pd.DataFrame:
    if files[0].name.endswith(".pages.jsonl"):
        parts = [_melodi.select(_melodi.observations(f), MESURES[f.name.split(".")[0]]) for f in files]
        df = pd.concat(parts, ignore_index=True)
        if df.empty:
            raise ParseError(f"{files[0].name} : aucune mesure reconnue dans la réponse Melodi")
        return _long.finish(df, CODES, files[0].name)
    return _long.read_demo(files[0], CODES)
