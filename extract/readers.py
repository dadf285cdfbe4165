"""Readers for French open-data habits: zip members, .gz, UTF-8 with or without BOM, `;` or `,`.

Every CSV is read with dtype=str so codes keep their leading zeros ('01001', '2A004');
numeric columns are converted explicitly by each source module.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd


class ParseError(ValueError):
    """A raw file cannot be turned into its landing table; the message names the file and the problem."""


def read_bytes(path: Path, member: str | None = None) -> bytes:
    """Bytes of `path`, transparently gunzipped (.gz) or taken from the zip member matching regex `member`."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[:4] == b"PK\x03\x04" and member is not None:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [n for n in archive.namelist() if re.search(member, n.rsplit("/", 1)[-1])]
            if not names:
                raise ParseError(f"{path.name} : aucun fichier {member!r} dans l'archive ({archive.namelist()})")
            data = archive.read(names[0])
    if not data.strip():
        raise ParseError(f"{path.name} : fichier vide")
    return data


def json_body(data: bytes, name: str, producer: str, list_key: str) -> dict:
    """One JSON API answer: an object carrying a list under `list_key`, or a ParseError saying what is wrong."""
    try:
        body = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ParseError(f"{name} : réponse {producer} qui n'est pas du JSON ({exc})") from exc
    if not isinstance(body, dict) or not isinstance(body.get(list_key), list):
        raise ParseError(f"{name} : réponse {producer} sans liste '{list_key}'")
    return body


def json_pages(path: Path, producer: str, list_key: str) -> Iterator[dict]:
    """The pages of a paginated JSON API as stored in the raw zone: one answer per line (`*.pages.jsonl`)."""
    for line in read_bytes(path).decode("utf-8").splitlines():
        if line.strip():
            yield json_body(line.encode("utf-8"), path.name, producer, list_key)


def read_csv(path: Path, sep: str, member: str | None = None, columns: list[str] | None = None) -> pd.DataFrame:
    """All columns as text; empty cells become missing. Checks that `columns` are present."""
    data = read_bytes(path, member)
    try:
        frame = pd.read_csv(
            io.BytesIO(data), sep=sep, dtype=str, encoding="utf-8-sig", keep_default_na=False,
            na_values=[""], comment=None,
        )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise ParseError(f"{path.name} : CSV illisible ({exc})") from exc
    if columns:
        require_columns(frame, columns, path.name)
    if frame.empty:
        raise ParseError(f"{path.name} : aucune ligne de données")
    return frame


def decode_text(data: bytes, name: str) -> str:
    """Bytes of a text file published in UTF-8 or in the Windows/ISO Latin encodings (FINESS: ISO-8859-1).

    UTF-8 is tried first and strictly: Latin text with accents is never valid UTF-8, so a valid file is UTF-8.
    Otherwise cp1252 (ISO-8859-1 plus the printable characters Windows puts in 0x80–0x9F). A file with NUL bytes
    (UTF-16, binary) or bytes undefined in cp1252 is refused. Not charset-normalizer: it reads French ISO-8859-1
    text as cp1250 (« à » becomes « ŕ »), a silent guess this reader exists to avoid."""
    if b"\x00" in data:
        raise ParseError(f"{name} : octets nuls dans le fichier (UTF-16 ou fichier binaire ?) ; attendu un texte "
                         "UTF-8 ou ISO-8859-1")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ParseError(f"{name} : encodage non reconnu (octet {data[exc.start]:#04x} à la position {exc.start}) ; "
                         "attendu un texte UTF-8 ou ISO-8859-1") from exc


def require_columns(frame: pd.DataFrame, columns: list[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParseError(f"{name} : colonnes attendues absentes {missing} (colonnes lues : {list(frame.columns)})")


def to_int(series: pd.Series, name: str) -> pd.Series:
    """Text → nullable Int64; refuses text that is not a whole number ('1.6', 'abc') instead of nulling or
    rounding it. A whole number written with a decimal part of zero ('12.0') is accepted."""
    cleaned = series.str.replace("\u202f", "", regex=False).str.replace(" ", "", regex=False)
    out = pd.to_numeric(cleaned, errors="coerce")
    bad = cleaned.notna() & (out.isna() | (out != out.round()))
    if bad.any():
        raise ParseError(f"{name} : valeur non entière {cleaned[bad].iloc[0]!r}")
    return out.astype("Int64")


def to_float(series: pd.Series, name: str) -> pd.Series:
    """Text with decimal comma or point → float; secret markers (s, nd, ns, '') → missing."""
    cleaned = series.str.strip().str.replace(",", ".", regex=False).replace({"s": None, "nd": None, "ns": None})
    out = pd.to_numeric(cleaned, errors="coerce")
    bad = cleaned.notna() & out.isna()
    if bad.any():
        raise ParseError(f"{name} : valeur non numérique {cleaned[bad].iloc[0]!r}")
    return out.astype("float64")
