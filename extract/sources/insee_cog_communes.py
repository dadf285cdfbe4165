"""INSEE Code officiel géographique: communes (v_commune_<YYYY>.csv), whole France, all TYPECOM."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from extract.sources._cog import read_cog, year_of

MILLESIME = 2025
ONLINE_URL = "https://www.insee.fr/fr/statistiques/fichier/8377162/cog_ensemble_2025_csv.zip"
SNAPSHOT = "v_commune_2025.csv.gz"


def parse(files: list[Path], settings) -> pd.DataFrame:
    df = read_cog(files[0], "commune", ["TYPECOM", "COM", "REG", "DEP", "LIBELLE", "COMPARENT"])
    return pd.DataFrame({
        "typecom": df["TYPECOM"],
        "code_commune": df["COM"],
        "code_region": df["REG"],
        "code_departement": df["DEP"],
        "libelle": df["LIBELLE"],
        "code_commune_parent": df["COMPARENT"],
        "millesime": year_of(files[0], MILLESIME),
    })
