"""Helpers for the long commune measures (insee_rp_communes, insee_filosofi_communes, caf_allocataires_communes).

Offline these sources read a DEMONSTRATION file (extract/demo/generate.py): first line a '#' banner, then
`code_commune;annee;code_mesure;valeur`. Online they read the real APIs (see each module).
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from extract import geography
from extract.readers import ParseError, read_bytes, require_columns

COLUMNS = ["code_commune", "annee", "code_mesure", "valeur"]
BANNER = "# DONNÉES DE DÉMONSTRATION — ne pas diffuser comme statistique"


def read_demo(path: Path, mesures: list[str]) -> pd.DataFrame:
    data = read_bytes(path)
    if not data.startswith(BANNER.encode()):
        raise ParseError(f"{path.name} : fichier de démonstration sans bandeau {BANNER!r}")
    df = pd.read_csv(io.BytesIO(data), sep=";", skiprows=1, dtype={"code_commune": str, "code_mesure": str})
    require_columns(df, COLUMNS, path.name)
    return finish(df, mesures, path.name)


def finish(df: pd.DataFrame, mesures: list[str], name: str) -> pd.DataFrame:
    """Type and check a long frame: known measures only, at least one row."""
    if df.empty:
        raise ParseError(f"{name} : aucune observation")
    unknown = sorted(set(df["code_mesure"]) - set(mesures))
    if unknown:
        raise ParseError(f"{name} : code_mesure inattendu(s) {unknown}")
    return pd.DataFrame({
        "code_commune": df["code_commune"].astype("string"),
        "annee": df["annee"].astype("int64"),
        "code_mesure": df["code_mesure"].astype("string"),
        "valeur": pd.to_numeric(df["valeur"]).astype("float64"),
    }).reset_index(drop=True)


def selecteurs_melodi(settings) -> list[str]:
    """Melodi `GEO` selectors for the perimeter the API sources cover — the département's communes and those of
    every EPCI touching it — in the form INSEE's own client uses (`DEP-44*COM`, `EPCI-244400404*COM`: every
    commune of that territory): the département, plus each EPCI touching it that reaches beyond it; with
    OBS_SCOPE=france, every département."""
    communes, epci = geography.communes(settings), geography.epci_composition(settings)
    if settings.scope == "france":
        return [f"DEP-{d}*COM" for d in sorted(set(communes["code_departement"]))]
    dep = set(communes.loc[communes["code_departement"] == settings.departement, "code_commune"])
    touching = epci.loc[epci["siren_epci"].isin(set(epci.loc[epci["code_commune"].isin(dep), "siren_epci"]))]
    beyond = sorted(set(touching.loc[~touching["code_commune"].isin(dep), "siren_epci"]))
    return [f"DEP-{settings.departement}*COM"] + [f"EPCI-{siren}*COM" for siren in beyond]
