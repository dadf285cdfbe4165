"""EPCI à fiscalité propre and their member communes (DGCL 2025), from Etalab's decoupage-administratif epci.json."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from extract.readers import ParseError, read_bytes

MILLESIME = 2025
ONLINE_URL = "https://unpkg.com/@etalab/decoupage-administratif@6.0.0/data/epci.json"
SNAPSHOT = "epci.json"


def parse(files: list[Path], settings) -> pd.DataFrame:
    try:
        epcis = json.loads(read_bytes(files[0]))
        rows = [
            (e["code"], e["nom"], e["type"], e["modeFinancement"], m["code"], m["nom"])
            for e in epcis
            for m in e["membres"]
        ]
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
        raise ParseError(f"{files[0].name} : JSON EPCI inattendu ({type(exc).__name__}: {exc})") from exc
    if not rows:
        raise ParseError(f"{files[0].name} : aucun EPCI")
    columns = ["siren_epci", "nom_epci", "nature_juridique", "mode_financement", "code_commune", "nom_commune"]
    return pd.DataFrame(rows, columns=columns, dtype="string").assign(millesime=MILLESIME)
