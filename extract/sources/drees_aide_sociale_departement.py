"""DREES aide sociale départementale (bénéficiaires, dépenses in k€, minima sociaux), long form + table titles.

Long extraction of the three DREES workbooks (PROVENANCE §3). Year labels such as '2016 (2)' or '2006*'
keep their 4-digit year; 'nd', 'ns', '-', 'n' become null; Corsica's '20A'/'20B' become '2A'/'2B'.
Series breaks: some minima-sociaux tables give a year twice ('2016' old method, then '2016 (2)' new method, in
sheet column order). One value per (jeu, feuille, sous_entete, code_departement, annee) is kept: the last one in
sheet order, i.e. the series that continues in the following years.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from extract.readers import ParseError, read_csv

SNAPSHOT_DATA = "drees_aide_sociale_par_departement_long.csv.gz"
SNAPSHOT_TITLES = "drees_aide_sociale_tables_titres.csv"
MISSING = {"nd", "ns", "-", "n", "s"}


def parse(files: list[Path], settings) -> pd.DataFrame:
    data = read_csv(files[0], ";", columns=["source", "feuille", "sous_entete", "code_departement", "annee", "valeur"])
    titles = read_csv(files[1], ";", columns=["source", "feuille", "titre_tableau"])
    df = data.merge(titles, on=["source", "feuille"], how="left", validate="many_to_one")
    annee = df["annee"].str.extract(r"^\s*(\d{4})", expand=False)
    if annee.isna().any():
        raise ParseError(f"{files[0].name} : année illisible {df['annee'][annee.isna()].iloc[0]!r}")
    valeur = df["valeur"].str.strip().str.replace(",", ".", regex=False)
    valeur = valeur.where(~valeur.isin(MISSING))
    numeric = pd.to_numeric(valeur, errors="coerce")
    if (valeur.notna() & numeric.isna()).any():
        raise ParseError(f"{files[0].name} : valeur non numérique {valeur[valeur.notna() & numeric.isna()].iloc[0]!r}")
    out = pd.DataFrame({
        "jeu": df["source"],
        "feuille": df["feuille"],
        "titre": df["titre_tableau"],
        "sous_entete": df["sous_entete"],
        "code_departement": df["code_departement"].replace({"20A": "2A", "20B": "2B"}),
        "annee": annee.astype("int64"),
        "valeur": numeric.astype("float64"),
    })
    key = ["jeu", "feuille", "sous_entete", "code_departement", "annee"]
    return out.drop_duplicates(subset=key, keep="last").reset_index(drop=True)
