"""INSEE Code officiel géographique: départements (v_departement_<YYYY>.csv)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from extract.sources._cog import read_cog

MILLESIME = 2026
ONLINE_URL = "https://www.insee.fr/fr/statistiques/fichier/8740222/cog_ensemble_2026_csv.zip"
SNAPSHOT = "v_departement_2026.csv"


def parse(files: list[Path], settings) -> pd.DataFrame:
    df = read_cog(files[0], "departement", ["DEP", "REG", "LIBELLE"])
    return pd.DataFrame({"code_departement": df["DEP"], "code_region": df["REG"], "libelle": df["LIBELLE"]})
