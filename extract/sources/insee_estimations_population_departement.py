"""INSEE estimations de population au 1er janvier par département, sexe et âge quinquennal.

Offline: the long CSV converted from the INSEE workbook (`annee;code_departement;departement;sexe;tranche_age;
population`). Online: INSEE's workbook itself, **strict OOXML** (one sheet per year), which openpyxl reads once
its purl.oclc.org namespaces are rewritten to the transitional ones. Both give the same landing table;
'Total' rows are dropped.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd

from extract.readers import ParseError, read_bytes, read_csv, to_int

ONLINE_URL = "https://www.insee.fr/fr/statistiques/fichier/1893198/estim-pop-dep-sexe-aq-1975-2022.xlsx"
SNAPSHOT = "insee_estim_pop_dep_sexe_age_quinquennal_2000-2022_long.csv.gz"

STRICT_TO_TRANSITIONAL = {
    b"http://purl.oclc.org/ooxml/spreadsheetml/main": b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    b"http://purl.oclc.org/ooxml/officeDocument/relationships":
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    b"http://purl.oclc.org/ooxml/officeDocument/extendedProperties":
        b"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
    b"http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes":
        b"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
    b"http://purl.oclc.org/ooxml/drawingml/main": b"http://schemas.openxmlformats.org/drawingml/2006/main",
}
SEXES = ("ensemble", "hommes", "femmes")


def transitional(xlsx: bytes) -> bytes:
    """Rewrite a strict-OOXML workbook's namespaces so that openpyxl can read it (no-op on transitional ones)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.endswith((".xml", ".rels")):
                for strict, trans in STRICT_TO_TRANSITIONAL.items():
                    data = data.replace(strict, trans)
                data = data.replace(b' conformance="strict"', b"")
            dst.writestr(item, data)
    return out.getvalue()


def tranche(label: str) -> tuple[str, int, int | None] | None:
    """'0 à 4 ans' → ('00-04', 0, 4); '95 ans et plus' → ('95+', 95, None); 'Total' → None."""
    label = str(label).strip()
    if m := re.match(r"^(\d+) à (\d+) ans$", label):
        low, high = int(m.group(1)), int(m.group(2))
        return f"{low:02d}-{high:02d}", low, high
    if m := re.match(r"^(\d+) ans et plus$", label):
        return f"{int(m.group(1))}+", int(m.group(1)), None
    if label.lower().startswith("total"):
        return None
    raise ParseError(f"tranche d'âge inattendue {label!r}")


def _typed(df: pd.DataFrame, name: str) -> pd.DataFrame:
    bands = {label: tranche(label) for label in df["tranche_age"].unique()}
    df = df[df["tranche_age"].map(lambda t: bands[t] is not None)]
    sexe = df["sexe"].str.strip().str.lower()
    if not sexe.isin(SEXES).all():
        raise ParseError(f"{name} : sexe inattendu {sorted(set(sexe) - set(SEXES))}")
    out = pd.DataFrame({
        "annee": to_int(df["annee"].astype(str), "annee").astype("int64"),
        "code_departement": df["code_departement"],
        "sexe": sexe,
        "tranche_age": df["tranche_age"].map(lambda t: bands[t][0]),
        "age_min": df["tranche_age"].map(lambda t: bands[t][1]).astype("int64"),
        "age_max": df["tranche_age"].map(lambda t: bands[t][2]).astype("Int64"),
        "population": to_int(df["population"].astype(str), "population"),
    })
    if out.empty:
        raise ParseError(f"{name} : aucune ligne de population")
    return out.reset_index(drop=True)


def _read_workbook(path: Path) -> pd.DataFrame:
    """Sheets named by year; header row holds 'Départements' then, per sex, one column per age band."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(transitional(read_bytes(path))), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ParseError(f"{path.name} : classeur xlsx illisible ({exc})") from exc
    frames = []
    for sheet in book.worksheets:
        if not re.fullmatch(r"\d{4}", sheet.title.strip()):
            continue
        rows = list(sheet.iter_rows(values_only=True))
        frames.append(_sheet_to_long(rows, int(sheet.title), path.name))
    if not frames:
        raise ParseError(f"{path.name} : aucune feuille d'année")
    return pd.concat(frames, ignore_index=True)


def _sheet_to_long(rows: list[tuple], year: int, name: str) -> pd.DataFrame:
    """Find the two header rows (sex groups, then age bands), then one row per département code."""
    header = next((i for i, r in enumerate(rows) if r and any(str(c).strip() == "0 à 4 ans" for c in r if c)), None)
    if header is None:
        raise ParseError(f"{name} feuille {year} : ligne d'en-tête des âges introuvable")
    sexes, current = [], None
    for cell in rows[header - 1]:
        current = str(cell).strip().lower().split()[0] if cell not in (None, "") else current
        sexes.append(current)
    records = []
    for row in rows[header + 1:]:
        code = str(row[0]).strip() if row and row[0] is not None else ""
        if not re.fullmatch(r"\d{2,3}|2[AB]", code):
            continue
        for j, label in enumerate(rows[header]):
            if label in (None, "") or j < 2 or row[j] in (None, ""):
                continue
            records.append((year, code, sexes[j], str(label).strip(), row[j]))
    return pd.DataFrame(records, columns=["annee", "code_departement", "sexe", "tranche_age", "population"])


def parse(files: list[Path], settings) -> pd.DataFrame:
    path = files[0]
    if read_bytes(path)[:4] == b"PK\x03\x04":
        return _typed(_read_workbook(path), path.name)
    df = read_csv(path, ";", columns=["annee", "code_departement", "sexe", "tranche_age", "population"])
    return _typed(df, path.name)
