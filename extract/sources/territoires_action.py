"""The département's territoires d'action: one line per commune, `code_commune;code_territoire;libelle_territoire`.

Supplied by the département (never fetched online; OBS_TERRITOIRES_FILE). Validated strictly against the
COG communes of the configured département: every commune exactly once, codes as text, no unknown code.
Errors are in French and name the file, line, column, value and the fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from extract import geography
from extract.readers import ParseError, read_csv

COLUMNS = ["code_commune", "code_territoire", "libelle_territoire"]
CODE_COMMUNE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
MAX_ERRORS = 10


def communes_du_departement(settings) -> set[str]:
    """COG communes (TYPECOM COM) of the configured département, from this run's landing (extract/geography.py)."""
    communes = geography.communes(settings)
    return set(communes.loc[communes["code_departement"] == settings.departement, "code_commune"])


def validate(df: pd.DataFrame, expected: set[str], file_name: str, departement: str) -> None:
    errors = []

    def where(index: int, column: str, value) -> str:
        return f"{file_name}, ligne {index + 2}, colonne {column}, valeur {value!r}"

    for column in COLUMNS:
        for index in df.index[df[column].isna()]:
            errors.append(f"{where(index, column, '')} : cellule vide ; la renseigner.")
    seen: dict[str, int] = {}
    for index, code in df["code_commune"].dropna().items():
        if not CODE_COMMUNE.match(code):
            hint = (f" (le zéro initial a sans doute été perdu par un tableur : écrire {code.zfill(5)!r} "
                    "dans une colonne au format texte)") if code.isdigit() and len(code) < 5 else ""
            errors.append(f"{where(index, 'code_commune', code)} : un code commune a 5 caractères "
                          f"(ex. '32013', '2A004'){hint}.")
        elif code not in expected:
            errors.append(f"{where(index, 'code_commune', code)} : commune inconnue dans le département "
                          f"{departement} (COG en vigueur) ; corriger le code ou retirer la ligne.")
        elif code in seen:
            errors.append(f"{where(index, 'code_commune', code)} : commune déjà présente ligne {seen[code] + 2} ; "
                          "chaque commune doit apparaître une seule fois.")
        seen.setdefault(code, index)
    missing = sorted(expected - set(seen))
    if missing:
        errors.append(f"{file_name} : {len(missing)} commune(s) du département {departement} absente(s) "
                      f"(ex. {', '.join(missing[:5])}) ; ajouter une ligne par commune.")
    if errors:
        shown = errors[:MAX_ERRORS] + ([f"… et {len(errors) - MAX_ERRORS} autre(s) erreur(s)"]
                                       if len(errors) > MAX_ERRORS else [])
        raise ParseError("Fichier des territoires d'action refusé :\n- " + "\n- ".join(shown))


def parse(files: list[Path], settings) -> pd.DataFrame:
    df = read_csv(files[0], ";")
    df.columns = [c.strip() for c in df.columns]
    if list(df.columns[:3]) != COLUMNS:
        raise ParseError(f"{files[0].name}, ligne 1 : en-tête {list(df.columns)} ; attendu "
                         f"'code_commune;code_territoire;libelle_territoire' (séparateur ';').")
    df = df[COLUMNS].apply(lambda s: s.str.strip())
    validate(df, communes_du_departement(settings), files[0].name, settings.departement)
    return df.reset_index(drop=True)
