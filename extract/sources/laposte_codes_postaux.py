"""La Poste — « Base officielle des codes postaux » (hexasmal): commune points for the proximity indicators.

One landing row per (commune, postcode, delivery locality) as published: `Code_commune_INSEE`, `Nom_commune`,
`Code_postal`, `Ligne_5`, `Libellé_d_acheminement` and the point of that locality. The point comes as two
columns `latitude`;`longitude` (the copy in the snapshot) or as one `coordonnees_gps` column « lat, lon » (the
data.gouv.fr CSV resource); a file without either lands with empty coordinates (the proximity models then fall
back on the centroid of the commune contour and say so). WGS84 degrees. The choice of one point per commune is
made in dbt (`int_communes_geolocated`), not here.

Online: the data.gouv.fr resource of the dataset « Base officielle des codes postaux »
(https://www.data.gouv.fr/fr/datasets/base-officielle-des-codes-postaux/, published by La Poste on
https://datanova.laposte.fr/datasets/laposte-hexasmal; stable resource URL below — to check at the first online
run). Offline: the unmodified file of PROVENANCE §10 (~2022), gzipped.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from extract.readers import ParseError, read_csv

ONLINE_URL = "https://www.data.gouv.fr/fr/datasets/r/554590ab-ae62-40ac-8353-ee75162c05ee"
SNAPSHOT = "laposte_hexasmal.csv.gz"
COLUMNS = ["code_commune", "nom_commune", "code_postal", "ligne_5", "libelle_acheminement", "latitude",
           "longitude"]
NAMES = {  # published header (lower-cased, '#' and accents aside) → landing column
    "code_commune_insee": "code_commune", "nom_commune": "nom_commune", "nom_de_la_commune": "nom_commune",
    "code_postal": "code_postal", "ligne_5": "ligne_5", "libelle_d_acheminement": "libelle_acheminement",
    "latitude": "latitude", "longitude": "longitude", "coordonnees_gps": "coordonnees_gps",
}


def _canonical(header: str) -> str:
    plain = header.strip().lstrip("#").lower().replace("é", "e").replace("è", "e")
    return NAMES.get(plain, plain)


def _coordinates(df: pd.DataFrame) -> pd.DataFrame:
    if "coordonnees_gps" in df.columns and "latitude" not in df.columns:
        pair = df["coordonnees_gps"].str.split(",", n=1, expand=True).reindex(columns=[0, 1])
        df = df.assign(latitude=pair[0], longitude=pair[1])
    for column in ("latitude", "longitude"):
        text = df[column].str.strip() if column in df.columns else pd.Series(pd.NA, index=df.index, dtype="string")
        df[column] = pd.to_numeric(text, errors="coerce").astype("float64")
    return df


def parse(files: list[Path], settings) -> pd.DataFrame:
    path = files[0]
    df = read_csv(path, ";")
    df = df.rename(columns={c: _canonical(c) for c in df.columns})
    missing = [c for c in ("code_commune", "code_postal", "libelle_acheminement") if c not in df.columns]
    if missing:
        raise ParseError(f"{path.name} : colonnes attendues absentes ({', '.join(missing)}) ; attendu le fichier "
                         "« Base officielle des codes postaux » de La Poste (séparateur ;)")
    df = _coordinates(df)
    bad = df["code_commune"].isna() | ~df["code_commune"].str.fullmatch(r"\d[\dAB]\d{3}", na=False)
    if bad.any():
        raise ParseError(f"{path.name} : {int(bad.sum())} ligne(s) sans code commune INSEE valide "
                         f"(ex. {df.loc[bad, 'code_commune'].head(3).tolist()})")
    out = df.reindex(columns=COLUMNS)
    text = [c for c in COLUMNS if c not in ("latitude", "longitude")]
    out[text] = out[text].astype("string")
    return out.drop_duplicates(["code_commune", "code_postal", "libelle_acheminement", "ligne_5"]).reset_index(
        drop=True)
