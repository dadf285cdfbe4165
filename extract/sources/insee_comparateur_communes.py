"""INSEE « Comparateur de territoire » (base_cc_comparateur): census, vital statistics and jobs for every commune.

Real data in both modes, read by the same parser:
- offline: the official zip `base_cc_comparateur_csv.zip` dated 2022-01-12 (RP 2018 and 2013, état civil 2013–2018
  and 2020, COG 2021 codes), copied unmodified into data/snapshot/insee_comparateur_communes/;
- online: the same bulk file at INSEE's download location, page « Comparateur de territoire »
  https://www.insee.fr/fr/statistiques/2521169, file https://www.insee.fr/fr/statistiques/fichier/2521169/
  base_cc_comparateur_csv.zip (the URL INSEE has kept across vintages; it now serves a later census).

The file is one `;`-separated row per commune and arrondissement municipal (`CODGEO`), one column per variable,
the vintage in the column name (`P18_POP`, `NAIS1318`, `NAISD20`); `meta_base_cc_comparateur.CSV` labels them.
Columns are recognised by pattern, so a later vintage (`P22_POP`, `NAIS1622`…) lands without a code change, each
row in long form `(code_commune, annee, code_mesure, valeur)`:
- `P<yy>_<var>`: census variable of year 20yy (population municipale, households, dwellings, jobs, activity);
- `NAIS<aa><bb>` / `DECE<aa><bb>`: births / deaths between 1 January 20aa and 1 January 20bb, year 20bb (the census
  year that closes the period);
- `NAISD<yy>` / `DECESD<yy>`: births / deaths domiciled in the commune during 20yy.
Left out: Filosofi (`NBMENFISC`, `PIMP`, `MED`, `TP60`: not additive, landed by its own source), the area and the
establishment counts (`SUPERF`, `ET…`), which no indicator reads. An empty cell means INSEE publishes nothing there
(the 17 communes of Mayotte are outside these census tables): it is not landed, rather than landed as an unknown.
Census counts are weighted estimates, hence decimals; they are kept as published.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from extract.readers import ParseError, read_csv, to_float

ONLINE_URL = "https://www.insee.fr/fr/statistiques/fichier/2521169/base_cc_comparateur_csv.zip"
SNAPSHOT = "base_cc_comparateur_csv.zip"
MEMBER = r"(?i)^base_cc_comparateur\.csv$"

# column pattern → measure code; group 1 is the year (2 digits), or the period's end for NAIS/DECE
MESURES = {
    r"P(\d\d)_POP": "population_municipale",
    r"P(\d\d)_MEN": "menages",
    r"P(\d\d)_LOG": "logements",
    r"P(\d\d)_RP": "residences_principales",
    r"P(\d\d)_RSECOCC": "residences_secondaires",
    r"P(\d\d)_LOGVAC": "logements_vacants",
    r"P(\d\d)_RP_PROP": "residences_principales_proprietaires",
    r"P(\d\d)_EMPLT": "emplois",
    r"P(\d\d)_EMPLT_SAL": "emplois_salaries",
    r"P(\d\d)_POP1564": "pop_15_64",
    r"P(\d\d)_ACT1564": "actifs_15_64",
    r"P(\d\d)_CHOM1564": "chomeurs_15_64",
    r"NAIS\d\d(\d\d)": "naissances_entre_recensements",
    r"DECE\d\d(\d\d)": "deces_entre_recensements",
    r"NAISD(\d\d)": "naissances_domiciliees",
    r"DECESD(\d\d)": "deces_domicilies",
}
CODES = sorted(set(MESURES.values()))


def _columns(frame: pd.DataFrame, name: str) -> dict[str, tuple[str, int]]:
    """Recognised columns → (measure code, year); every pattern must match at least one column."""
    found: dict[str, tuple[str, int]] = {}
    for pattern, code in MESURES.items():
        for column in frame.columns:
            match = re.fullmatch(pattern, column.strip())
            if match:
                found[column] = (code, 2000 + int(match.group(1)))
    missing = sorted(set(CODES) - {code for code, _ in found.values()})
    if missing:
        raise ParseError(f"{name} : aucune colonne pour {missing} (colonnes lues : {list(frame.columns)}) ; "
                         "vérifier le fichier meta_base_cc_comparateur.CSV du millésime publié par l'INSEE")
    return found


def parse(files: list[Path], settings) -> pd.DataFrame:
    wide = read_csv(files[0], ";", member=MEMBER, columns=["CODGEO"])
    columns = _columns(wide, files[0].name)
    long = wide.melt(id_vars=["CODGEO"], value_vars=list(columns), var_name="colonne", value_name="texte")
    long = long.loc[long["texte"].notna()]
    if long.empty:
        raise ParseError(f"{files[0].name} : aucune valeur publiée")
    mesures = long["colonne"].map(lambda c: columns[c][0])
    annees = long["colonne"].map(lambda c: columns[c][1])
    return pd.DataFrame({
        "code_commune": long["CODGEO"].astype("string"),
        "annee": annees.astype("int64"),
        "code_mesure": mesures.astype("string"),
        "valeur": to_float(long["texte"], files[0].name),
    }).reset_index(drop=True)
