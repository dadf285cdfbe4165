"""Filosofi (INSEE, revenus disponibles localisés), « base en comptes communaux » 2019 and 2021 — REAL data.

Offline: the two commune files of INSEE's official archives (data/snapshot/README.md): `cc_filosofi_2019_COM.CSV`
(COG 2021, secret = empty cell, decimal point) and `cc_filosofi_2021_COM.csv` (COG 2023, secret = `s`, decimal
comma). Online: those archives themselves (ONLINE_URLS, INSEE pages 6036902 and 7756729), whose members
`cc_filosofi_<year>_<COM|EPCI|DEP|REG>.csv` hold the same columns for each level: online the EPCI, département
and région values of the non-additive measures come from the source itself, never from summed communes.

One parser for both modes: a plain (or gzipped) member file or a zip, one row per level × code × year × measure:
- `menages_fiscaux` (NBMENFISC), `personnes_menages_fiscaux` (NBPERSMENFISC): additive counts;
- `niveau_vie_median` (MED, €), `taux_pauvrete` (TP60, %): published values, NOT additive (dbt publishes them
  only where the source does, seeds/indicateurs.csv `regle_agregation = publiee`).
A masked cell lands with a null `valeur` and its `statut`: `secret` (`s` or empty: statistical secrecy),
`non_disponible` (`nd`, 12 communes in 2021), else `diffuse`; never 0, never filled.
`millesime_geo` is the COG vintage of the file's codes (2021 for Filosofi 2019, 2023 for Filosofi 2021).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd

from extract.readers import ParseError, read_bytes, require_columns, to_float

SNAPSHOT = ("cc_filosofi_2019_COM.CSV.gz", "cc_filosofi_2021_COM.csv.gz")
ONLINE_URLS = (
    "https://www.insee.fr/fr/statistiques/fichier/6036902/base-cc-filosofi-2019_CSV.zip",
    "https://www.insee.fr/fr/statistiques/fichier/7756729/base-cc-filosofi-2021-geo2023-histo_CSV.zip",
)
MEASURES = {"NBMENFISC": "menages_fiscaux", "NBPERSMENFISC": "personnes_menages_fiscaux",
            "MED": "niveau_vie_median", "TP60": "taux_pauvrete"}
LEVELS = {"COM": "commune", "EPCI": "epci", "DEP": "departement", "REG": "region"}
MILLESIME_GEO = {2019: 2021, 2021: 2023}  # COG vintage of each Filosofi vintage's codes
MEMBER = re.compile(r"^cc_filosofi_(\d{4})_(COM|EPCI|DEP|REG)\.csv(\.gz)?$", re.IGNORECASE)
STATUTS = {"": "secret", "s": "secret", "nd": "non_disponible"}  # cell text (lower case) -> statut
COLUMNS = ["niveau", "code_geo", "annee", "code_mesure", "valeur", "statut", "millesime_geo"]


def _members(path: Path) -> list[tuple[str, bytes]]:
    """(member name, bytes) of every Filosofi level file in `path`: the file itself, or the zip's members."""
    data = read_bytes(path)
    if data[:4] != b"PK\x03\x04":
        return [(path.name, data)]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [n for n in archive.namelist() if MEMBER.match(n.rsplit("/", 1)[-1])]
        if not names:
            raise ParseError(f"{path.name} : aucun fichier cc_filosofi_<année>_<COM|EPCI|DEP|REG>.csv dans "
                             f"l'archive ({archive.namelist()})")
        return [(n.rsplit("/", 1)[-1], archive.read(n)) for n in names]


def _parse_member(name: str, data: bytes) -> pd.DataFrame:
    match = MEMBER.match(name)
    if not match:
        raise ParseError(f"{name} : nom inattendu, attendu cc_filosofi_<année>_<COM|EPCI|DEP|REG>.csv")
    annee, niveau = int(match.group(1)), LEVELS[match.group(2).upper()]
    if annee not in MILLESIME_GEO:
        raise ParseError(f"{name} : millésime {annee} inconnu (attendus : {sorted(MILLESIME_GEO)})")
    suffix = f"{annee % 100:02d}"
    try:
        raw = pd.read_csv(io.BytesIO(data), sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise ParseError(f"{name} : CSV illisible ({exc})") from exc
    columns = {f"{prefix}{suffix}": code for prefix, code in MEASURES.items()}
    require_columns(raw, ["CODGEO", *columns], name)
    if raw.empty:
        raise ParseError(f"{name} : aucune ligne de données")
    parts = []
    for column, code in columns.items():
        text = raw[column].str.strip()
        statut = text.str.lower().map(STATUTS).fillna("diffuse")
        parts.append(pd.DataFrame({
            "code_geo": raw["CODGEO"].str.strip(), "code_mesure": code,
            "valeur": to_float(text.mask(statut != "diffuse"), f"{name} {column}"), "statut": statut,
        }))
    long = pd.concat(parts, ignore_index=True)
    return long.assign(niveau=niveau, annee=annee, millesime_geo=MILLESIME_GEO[annee])


def parse(files: list[Path], settings) -> pd.DataFrame:
    frames = [_parse_member(name, data) for path in files for name, data in _members(path)]
    df = pd.concat(frames, ignore_index=True)
    duplicated = df.duplicated(["niveau", "code_geo", "annee", "code_mesure"])
    if duplicated.any():
        row = df[duplicated].iloc[0]
        raise ParseError(f"Filosofi : {row['niveau']} {row['code_geo']} {row['annee']} présent deux fois")
    return pd.DataFrame({
        "niveau": df["niveau"].astype("string"),
        "code_geo": df["code_geo"].astype("string"),
        "annee": df["annee"].astype("int32"),
        "code_mesure": df["code_mesure"].astype("string"),
        "valeur": df["valeur"].astype("float64"),
        "statut": df["statut"].astype("string"),
        "millesime_geo": df["millesime_geo"].astype("int32"),
    })[COLUMNS]
