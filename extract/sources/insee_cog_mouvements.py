"""INSEE Code officiel géographique: mouvements des communes since 1943 (v_mvt_commune_<YYYY>.csv)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from extract.readers import ParseError, to_int
from extract.sources._cog import read_cog

MILLESIME = 2026
ONLINE_URL = "https://www.insee.fr/fr/statistiques/fichier/8740222/cog_ensemble_2026_csv.zip"
SNAPSHOT = "v_mvt_commune_2026.csv.gz"
COLUMNS = ["MOD", "DATE_EFF", "TYPECOM_AV", "COM_AV", "LIBELLE_AV", "TYPECOM_AP", "COM_AP", "LIBELLE_AP"]


def parse(files: list[Path], settings) -> pd.DataFrame:
    df = read_cog(files[0], "mvt_commune", COLUMNS)
    dates = pd.to_datetime(df["DATE_EFF"], format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        raise ParseError(f"{files[0].name} : DATE_EFF invalide {df['DATE_EFF'][dates.isna()].iloc[0]!r}")
    return pd.DataFrame({
        "mod": to_int(df["MOD"], "MOD"),
        "date_effet": dates.dt.date,
        "typecom_avant": df["TYPECOM_AV"],
        "code_commune_avant": df["COM_AV"],
        "libelle_avant": df["LIBELLE_AV"],
        "typecom_apres": df["TYPECOM_AP"],
        "code_commune_apres": df["COM_AP"],
        "libelle_apres": df["LIBELLE_AP"],
    })
