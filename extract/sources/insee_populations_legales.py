"""INSEE populations légales 2023 (in force 1 January 2026), donnees_communes.csv: `;`, UTF-8 with BOM."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from extract.readers import read_csv, to_int

ANNEE = 2023
ANNEE_VIGUEUR = 2026
ONLINE_URL = "https://www.insee.fr/fr/statistiques/fichier/8680726/ensemble.zip"
SNAPSHOT = "donnees_communes.csv.gz"


def parse(files: list[Path], settings) -> pd.DataFrame:
    df = read_csv(files[0], ";", member=r"^donnees_communes\.csv$",
                  columns=["DEP", "COM", "Commune", "PMUN", "PCAP", "PTOT"])
    return pd.DataFrame({
        "code_commune": df["COM"],
        "libelle": df["Commune"],
        "code_departement": df["DEP"],
        "population_municipale": to_int(df["PMUN"], "PMUN"),
        "population_comptee_a_part": to_int(df["PCAP"], "PCAP"),
        "population_totale": to_int(df["PTOT"], "PTOT"),
        "annee": ANNEE,
        "annee_vigueur": ANNEE_VIGUEUR,
    })
