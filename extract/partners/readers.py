"""Readers for hand-made spreadsheets: sniff the format, find the header, stream the rows in chunks.

Handles `;`/`,`/tab separators, UTF-8 with or without BOM, Windows-1252, XLSX (openpyxl read-only) with title
rows above the header, merged header cells (two-row headers), trailing empty rows and columns. Every value
comes out as text (or None); typing is the validator's job. Nothing here holds a whole file in memory.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd

HEADER_SCAN_ROWS = 30
SAMPLE_BYTES = 256 * 1024


class Unreadable(ValueError):
    """The file cannot be read as a spreadsheet; `rule` and `fix` feed the report."""

    def __init__(self, message: str, rule: str, fix: str, ligne: int | None = None):
        super().__init__(message)
        self.rule = rule
        self.fix = fix
        self.ligne = ligne


def norm(text: object) -> str:
    """Header/value comparison key: no accents, lower case, non-alphanumerics as single underscores."""
    s = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "_", s).strip("_")


@dataclass
class FileScan:
    sha256: str
    size: int
    utf8: bool
    nul: bool
    head: bytes


def scan(path: Path) -> FileScan:
    """One streaming pass: checksum, size, whether the whole file is valid UTF-8, first bytes."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, nul, size, head = True, False, 0, b""
    with path.open("rb") as handle:
        while chunk := handle.read(4 * 1024 * 1024):
            if not head:
                head = chunk[:SAMPLE_BYTES]
            digest.update(chunk)
            size += len(chunk)
            if not nul and b"\x00" in chunk:
                nul = True
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return FileScan(digest.hexdigest(), size, utf8, nul, head)


_SIGNATURES = [
    (b"%PDF", "un document PDF"),
    (b"\xd0\xcf\x11\xe0", "un classeur Excel 97-2003 (.xls) ou un document Office ancien"),
    (b"\x1f\x8b", "une archive compressée (gzip)"),
    (b"Rar!", "une archive RAR"),
    (b"7z\xbc\xaf", "une archive 7-Zip"),
    (b"\x89PNG", "une image PNG"),
    (b"\xff\xd8\xff", "une image JPEG"),
    (b"GIF8", "une image GIF"),
]

_SPREADSHEET_FIX = ("Envoyez le tableau au format .xlsx (Excel) ou .csv (texte, séparateur point-virgule), "
                    "construit à partir du modèle fourni.")


def detect_format(info: FileScan, path: Path) -> str:
    """'csv' or 'xlsx', or Unreadable saying what the file is."""
    if info.size == 0 or not info.head.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        raise Unreadable("le fichier est vide", "fichier vide", "Vérifiez que vous avez envoyé le bon fichier, "
                         "enregistré après saisie des données.")
    for magic, what in _SIGNATURES:
        if info.head.startswith(magic):
            raise Unreadable(f"ce fichier n'est pas un tableur : c'est {what}", "format non reconnu",
                             _SPREADSHEET_FIX)
    if info.head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile as exc:
            raise Unreadable("le fichier est une archive zip endommagée", "format non reconnu",
                             _SPREADSHEET_FIX) from exc
        if "xl/workbook.xml" in names:
            return "xlsx"
        what = "un document OpenDocument (.ods/.odt)" if "content.xml" in names else "une archive zip"
        if "word/document.xml" in names:
            what = "un document Word"
        raise Unreadable(f"ce fichier n'est pas un tableur accepté : c'est {what}", "format non reconnu",
                         _SPREADSHEET_FIX + " (LibreOffice : Fichier > Enregistrer sous > Excel 2007-365.)")
    if info.nul:
        raise Unreadable("ce fichier n'est pas un tableur : il contient des données binaires",
                         "format non reconnu", _SPREADSHEET_FIX)
    return "csv"


@dataclass
class Header:
    row: int  # 1-based line (CSV) or row (XLSX) of the header as the partner sees it
    candidates: list[list[str]]  # per column: normalised spellings to try, best first
    raw: list[str]  # the header cells as written (for messages)
    sheet: str | None = None
    separator: str | None = None
    encoding: str | None = None
    merged_note: bool = False
    extra: dict = field(default_factory=dict)


def _cell_text(value: object) -> str | None:
    """XLSX cell → text the validator understands (decimal comma, ISO dates, integers without .0)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value).replace(".", ",")  # shortest text that gives back this exact double
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _score(candidates: list[list[str]], known: set[str]) -> int:
    return sum(1 for cands in candidates if any(c in known for c in cands))


def _candidates(rows: list[list[str | None]], index: int) -> list[list[str]]:
    """Spellings for each header cell of rows[index], combined with the row above (merged group titles)."""
    row = rows[index]
    above = rows[index - 1] if index > 0 else []
    out = []
    for col, cell in enumerate(row):
        cands: list[str] = []
        if cell:
            cands.append(norm(cell))
        top = above[col] if col < len(above) else None
        if top and cell:
            cands.append(norm(f"{top}_{cell}"))
        elif top and not cell:
            cands.append(norm(top))
        out.append(cands)
    return out


def _best_header(rows: list[list[str | None]], known: set[str]) -> tuple[int, int]:
    best, best_score = -1, 0
    for i in range(len(rows)):
        score = _score(_candidates(rows, i), known)
        if score > best_score:
            best, best_score = i, score
    return best, best_score


# ----------------------------------------------------------------------------------------------- CSV


def _decode_head(info: FileScan) -> tuple[str, str]:
    encoding = "utf-8-sig" if info.utf8 else "cp1252"
    head = info.head
    if info.size > len(head):  # cut at the last full line
        head = head[: head.rfind(b"\n") + 1] or head
    return head.decode(encoding, errors="replace"), encoding


def csv_header(info: FileScan, known: set[str]) -> Header:
    text, encoding = _decode_head(info)
    best: tuple[int, int, str, list[list[str | None]]] | None = None
    for sep in (";", ",", "\t"):
        rows = []
        reader = csv.reader(io.StringIO(text), delimiter=sep)
        for _ in range(HEADER_SCAN_ROWS):
            try:
                rows.append([c.strip() or None for c in next(reader)])
            except (StopIteration, csv.Error):
                break
        index, score = _best_header(rows, known)
        if best is None or score > best[1]:
            best = (index, score, sep, rows)
    assert best is not None
    index, score, sep, rows = best
    if score < 2:
        raise Unreadable("aucune ligne d'en-tête reconnue (noms de colonnes du modèle introuvables dans les "
                         f"{HEADER_SCAN_ROWS} premières lignes)", "en-tête introuvable",
                         "Gardez la ligne d'en-tête du modèle (noms de colonnes) au-dessus des données.")
    # physical line of the header (title rows have no embedded newlines in practice)
    return Header(row=index + 1, candidates=_candidates(rows, index), raw=[c or "" for c in rows[index]],
                  separator=sep, encoding=encoding)


def csv_chunks(path: Path, header: Header, chunksize: int) -> Iterator[pd.DataFrame]:
    """Chunks of text cells indexed by line number. The header line is parsed too, so that a row with more
    cells than the header is an error (pandas would otherwise silently shift it into an index)."""
    try:
        reader = pd.read_csv(
            path, sep=header.separator, encoding=header.encoding, dtype=str, header=None,
            skiprows=header.row - 1, keep_default_na=False, na_values=[""], skip_blank_lines=False,
            chunksize=chunksize, engine="c", quotechar='"',
        )
        start = header.row
        for chunk in reader:
            chunk.index = range(start, start + len(chunk))
            if start == header.row:
                chunk = chunk.iloc[1:]
            start += len(chunk) + (1 if start == header.row else 0)
            chunk.columns = range(chunk.shape[1])
            yield chunk
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+)", str(exc))
        ligne = int(match.group(1)) if match else None
        raise Unreadable("plus de cellules que de colonnes d'en-tête" if ligne else
                         f"structure CSV illisible ({exc})", "structure du fichier",
                         "Chaque ligne doit avoir autant de cellules que la ligne d'en-tête ; vérifiez les "
                         "séparateurs et les guillemets (un texte contenant le séparateur doit être entre "
                         "guillemets).", ligne) from exc
    except UnicodeDecodeError as exc:
        raise Unreadable("encodage illisible", "encodage", "Enregistrez le fichier en CSV UTF-8.") from exc


# ---------------------------------------------------------------------------------------------- XLSX

_MERGE_RE = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _merged_ranges(path: Path, sheet_path: str) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col), 0-based, read by streaming the sheet's XML."""
    out = []
    with zipfile.ZipFile(path) as archive, archive.open(sheet_path.lstrip("/")) as handle:
        tail = b""
        while chunk := handle.read(1024 * 1024):
            data = tail + chunk
            for m in _MERGE_RE.finditer(data):
                out.append((int(m.group(2)) - 1, _col_index(m.group(1)), int(m.group(4)) - 1,
                            _col_index(m.group(3))))
            tail = data[-200:]
    return sorted(set(out))


def _sheet_rows(path: Path, sheet) -> tuple[list[list[str | None]], bool]:
    """The first HEADER_SCAN_ROWS rows of `sheet` as text, merged cells filled with their value; and whether any
    merged range was filled."""
    rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True)]
    merged = False
    for r0, c0, r1, c1 in _merged_ranges(path, sheet._worksheet_path):
        if r0 >= len(rows):
            continue
        value = rows[r0][c0] if c0 < len(rows[r0]) else None
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            rows[r].extend([None] * (c1 + 1 - len(rows[r])))
            for c in range(c0, c1 + 1):
                rows[r][c] = value
        merged = True
    return rows, merged


def _open_workbook(path: Path):
    import openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types on corrupt files
        raise Unreadable(f"classeur Excel illisible ({type(exc).__name__})", "format non reconnu",
                         _SPREADSHEET_FIX) from exc


def xlsx_header(path: Path, known: set[str]) -> Header:
    """The header of the workbook's one data sheet (an « Instructions » sheet may stay beside it)."""
    workbook = _open_workbook(path)
    try:
        best: tuple[int, int, str, list[list[str | None]], bool] | None = None
        data_sheets: list[str] = []
        for sheet in (s for s in workbook.worksheets if norm(s.title) not in {"instructions", "aide", "notice"}):
            rows, merged = _sheet_rows(path, sheet)
            index, score = _best_header(rows, known)
            if score >= 2:
                data_sheets.append(sheet.title)
            if best is None or score > best[1]:
                best = (index, score, sheet.title, rows, merged)
    finally:
        workbook.close()
    if len(data_sheets) > 1:
        # all or nothing: reading one sheet would silently drop the others
        raise Unreadable("le classeur contient plusieurs feuilles de données ("
                         + ", ".join(f"« {t} »" for t in data_sheets) + ") : une seule peut être chargée",
                         "plusieurs feuilles de données",
                         "Rassemblez les lignes dans une seule feuille (la colonne période distingue les années) "
                         "ou envoyez un fichier par feuille ; une feuille « Instructions » peut rester.")
    if best is None or best[1] < 2:
        raise Unreadable("aucune ligne d'en-tête reconnue dans le classeur (noms de colonnes du modèle "
                         f"introuvables dans les {HEADER_SCAN_ROWS} premières lignes)", "en-tête introuvable",
                         "Gardez la ligne d'en-tête du modèle (noms de colonnes) au-dessus des données.")
    index, _, title, rows, merged = best
    return Header(row=index + 1, candidates=_candidates(rows, index), raw=[c or "" for c in rows[index]],
                  sheet=title, merged_note=merged)


def xlsx_chunks(path: Path, header: Header, chunksize: int) -> Iterator[pd.DataFrame]:
    width = len(header.raw)
    workbook = _open_workbook(path)
    try:
        sheet = workbook[header.sheet]
        buffer: list[list[str | None]] = []
        start = header.row + 1
        for row in sheet.iter_rows(min_row=header.row + 1, values_only=True):
            cells = [_cell_text(v) for v in row]
            if len(cells) > width:
                if any(c is not None for c in cells[width:]):
                    extra = next(i for i, c in enumerate(cells[width:], width) if c is not None)
                    raise Unreadable(
                        f"valeur « {cells[extra]} » dans une colonne sans en-tête",
                        "colonne sans en-tête", "Supprimez les cellules saisies à droite du tableau ou donnez "
                        "un nom de colonne du modèle.", start + len(buffer))
                cells = cells[:width]
            buffer.append(cells + [None] * (width - len(cells)))
            if len(buffer) >= chunksize:
                yield pd.DataFrame(buffer, index=range(start, start + len(buffer)), columns=range(width),
                                   dtype=object)
                start += len(buffer)
                buffer = []
        if buffer:
            yield pd.DataFrame(buffer, index=range(start, start + len(buffer)), columns=range(width),
                               dtype=object)
    finally:
        workbook.close()
