"""Filosofi (INSEE, revenus disponibles localisés), communes: fiscal households, people, people in poverty.

Offline: DEMONSTRATION data. Online: INSEE Melodi `DS_FILOSOFI_CC` with FILOSOFI_MEASURE ∈ NUM_HH (ménages
fiscaux), NUM_PER (personnes), PR_MD60 (taux de pauvreté au seuil de 60 %, in %). Only additive counts land:
personnes_pauvres = NUM_PER × PR_MD60 / 100, null when either is secret (fewer than 11 households).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import requests

from extract.readers import ParseError
from extract.registry_types import Fetched
from extract.sources import _long, _melodi

SNAPSHOT = "insee_filosofi_communes_demonstration.csv.gz"
DATASET = "DS_FILOSOFI_CC"
ONLINE_URLS = (f"{_melodi.BASE}/{DATASET}",)
MEASURES = {"NUM_HH": "menages_fiscaux", "NUM_PER": "personnes_menages_fiscaux", "PR_MD60": "taux_pauvrete"}
CODES = ["menages_fiscaux", "personnes_menages_fiscaux", "personnes_pauvres"]


def fetch(session: requests.Session, settings) -> list[Fetched]:
    return [_melodi.fetch(session, DATASET, _long.selecteurs_melodi(settings), {})]


def parse(files: list[Path], settings) -> pd.DataFrame:
    if not files[0].name.endswith(".pages.jsonl"):
        return _long.read_demo(files[0], CODES)
    obs = _melodi.observations(files[0])
    if "FILOSOFI_MEASURE" not in obs.columns:
        raise ParseError(f"{files[0].name} : dimension FILOSOFI_MEASURE absente")
    obs = obs[obs["FILOSOFI_MEASURE"].isin(MEASURES)]
    wide = obs.pivot_table(index=["code_commune", "annee"], columns="FILOSOFI_MEASURE", values="valeur",
                           aggfunc="first", dropna=False).reindex(columns=list(MEASURES))
    wide.columns = [MEASURES[c] for c in wide.columns]
    wide["personnes_pauvres"] = wide["personnes_menages_fiscaux"] * wide["taux_pauvrete"] / 100
    long = wide[CODES].reset_index().melt(id_vars=["code_commune", "annee"], var_name="code_mesure",
                                          value_name="valeur")
    return _long.finish(long, CODES, files[0].name)
