"""Validation of one chunk of rows against a contract: typed, cleaned rows out, every error in French.

Everything is vectorised (pandas string operations) so a file of hundreds of MB is checked chunk by chunk.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from extract.partners.contracts import (
    CONTACT,
    DATE,
    ENUM,
    INTEGER,
    NUMBER,
    PERIOD,
    PERSONAL_COLUMNS,
    TERRITORY_CODE,
    TERRITORY_LEVEL,
    TEXT,
    UNITES_POSITIVES,
    Column,
    Contract,
)
from extract.partners.readers import Header, norm
from extract.partners.reference import Geography

MAX_ERRORS = 50
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix with ' a text that a spreadsheet would run as a formula (=, +, -, @)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


@dataclass
class Problem:
    ligne: int | None
    colonne: str | None
    valeur: str | None
    regle: str
    message: str
    correction: str

    def text(self) -> str:
        where = []
        if self.ligne is not None:
            where.append(f"ligne {self.ligne}")
        if self.colonne:
            where.append(f"colonne {self.colonne}")
        prefix = ", ".join(where)
        return f"{prefix + ' : ' if prefix else ''}{self.message} — {self.correction}"

    def as_dict(self) -> dict:
        return {k: neutralise(v) for k, v in asdict(self).items()}


class Problems:
    """Errors found so far, up to MAX_ERRORS kept; `total` counts them all."""

    def __init__(self, cap: int = MAX_ERRORS):
        self.items: list[Problem] = []
        self.total = 0
        self.cap = cap

    def add(self, ligne, colonne, valeur, regle, message, correction) -> None:
        self.total += 1
        if len(self.items) < self.cap:
            shown = None if valeur is None else str(neutralise(str(valeur)))
            self.items.append(Problem(ligne, colonne, shown, regle, message, correction))

    def add_mask(self, frame: pd.DataFrame, mask: pd.Series, column: str, values: pd.Series, regle: str,
                 message, correction: str) -> None:
        """One problem per True row of `mask`; `message(value)` builds the text."""
        if not mask.any():
            return
        bad = mask[mask].index
        self.total += len(bad)
        room = self.cap - len(self.items)
        for ligne in bad[: max(room, 0)]:
            value = values.at[ligne]
            shown = None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
            self.items.append(Problem(int(ligne), column, None if shown is None else str(neutralise(shown)),
                                      regle, message(neutralise(shown)), correction))

    def __bool__(self) -> bool:
        return self.total > 0


def q(value: object) -> str:
    return f"« {value} »"


# ------------------------------------------------------------------------------------------ header


@dataclass
class ColumnMap:
    positions: dict[str, int]  # contract column → position in the file
    dropped: list[int]  # positions of empty, header-less columns


def _lookup(contract: Contract) -> dict[str, str]:
    out = {}
    for col in contract.columns:
        for spelling in (col.name, col.label, *col.aliases):
            out.setdefault(norm(spelling), col.name)
    return out


def known_spellings(contracts) -> set[str]:
    out: set[str] = set(PERSONAL_COLUMNS)
    for contract in contracts:
        out |= set(_lookup(contract))
    return out


def match_score(contract: Contract, header: Header) -> tuple[int, int]:
    """(required columns found, columns found) of `contract` in `header`."""
    lookup = _lookup(contract)
    found = {lookup[c] for cands in header.candidates for c in cands[:2] if c in lookup}
    return len(found & set(contract.required)), len(found)


def map_columns(contract: Contract, header: Header, problems: Problems) -> ColumnMap:
    lookup = _lookup(contract)
    positions: dict[str, int] = {}
    unnamed: list[int] = []
    for pos, cands in enumerate(header.candidates):
        raw = header.raw[pos]
        name = next((lookup[c] for c in cands if c in lookup), None)
        if name is None:
            if not cands or not raw:
                unnamed.append(pos)
                continue
            key = cands[0]
            if key in PERSONAL_COLUMNS or any(key.startswith(p + "_") for p in ("nom", "prenom", "nir")):
                problems.add(header.row, raw, raw, "données personnelles interdites",
                             f"la colonne {q(raw)} contient des données sur des personnes, interdites dans les "
                             "fichiers des partenaires",
                             "Supprimez cette colonne : l'observatoire ne reçoit que des données agrégées ou "
                             "des contacts de structure.")
            else:
                problems.add(header.row, raw, raw, "colonne inattendue",
                             f"la colonne {q(raw)} ne fait pas partie du modèle {contract.kind}",
                             "Supprimez-la ou renommez-la selon le modèle (colonnes attendues : "
                             + ", ".join(contract.names) + ").")
            continue
        if name in positions:
            problems.add(header.row, raw, raw, "colonne en double",
                         f"la colonne {name} apparaît deux fois", "Gardez une seule colonne de ce nom.")
            continue
        positions[name] = pos
    for col in contract.columns:
        if col.required and col.name not in positions:
            problems.add(header.row, col.name, None, "colonne obligatoire absente",
                         f"la colonne obligatoire {col.name} ({col.label}) est absente",
                         f"Ajoutez la colonne {col.name} à la ligne d'en-tête : {col.help}")
    return ColumnMap(positions, unnamed)


# ------------------------------------------------------------------------------------------ parsing

_SPACES = re.compile(r"[\s\u00a0\u202f]")
# Digits are ASCII 0-9 only: Python's \d also matches full-width or Arabic-Indic digits (« １２３ »), which
# pandas cannot convert; such a cell must be refused, not published as NULL.
_NUM_PLAIN = r"^-?[0-9]+$"
_NUM_DEC_COMMA = r"^-?[0-9]+,[0-9]+$"
_NUM_DEC_DOT = r"^-?[0-9]*\.[0-9]+$"
_NUM_FR_THOUSANDS = r"^-?[0-9]{1,3}(\.[0-9]{3})+,[0-9]+$"
_NUM_DOT_THOUSANDS = r"^-?[0-9]{1,3}(\.[0-9]{3}){2,}$"
_NUM_AMBIGUOUS = r"^-?[0-9]{1,3}\.[0-9]{3}$"
_NUM_SCI = r"^-?[0-9]+(,[0-9]+)?[eE][+-]?[0-9]+$"
# A number is stored as a double. It is accepted when the double, written back, is the number sent (every
# number of at most 15 significant digits in the normal range is; 0,30000000000000004 written by a script is
# too); otherwise it would be published rounded, or as `inf`, so it is refused.
EXACT_DIGITS = 15
SMALLEST_NORMAL = np.finfo("float64").tiny
MAX_EXACT_INTEGER = 2**53  # integers above lose units in a double (and int64 ends at 9.2e18)


def _significant_digits(canonical: pd.Series) -> pd.Series:
    """Significant digits of numbers written with a dot decimal and an optional exponent ('-0.0120e3' → 2)."""
    mantissa = canonical.str.replace(r"[eE].*$", "", regex=True).str.replace(r"[-.]", "", regex=True)
    return mantissa.str.lstrip("0").str.rstrip("0").str.len()


def _round_trips(text: str, value: float) -> bool:
    return Decimal(text) == Decimal(repr(value))


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """(float values, invalid mask, ambiguous mask, inexact mask) from French-or-not number texts.

    Inexact: the double cannot hold the number sent (infinite, too small, or more digits than it keeps):
    refused, never rounded, never `inf`."""
    s = values.astype("string").str.replace(_SPACES, "", regex=True).str.rstrip("%€")
    s = s.str.replace("\u2212", "-", regex=False)
    present = s.notna() & (s != "")
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    canonical = pd.Series(pd.NA, index=values.index, dtype="string")
    ambiguous = s.str.match(_NUM_AMBIGUOUS).fillna(False).astype(bool) & present
    rules = [
        (_NUM_PLAIN, lambda x: x),
        (_NUM_DEC_COMMA, lambda x: x.str.replace(",", ".", regex=False)),
        (_NUM_SCI, lambda x: x.str.replace(",", ".", regex=False)),
        (_NUM_FR_THOUSANDS, lambda x: x.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)),
        (_NUM_DOT_THOUSANDS, lambda x: x.str.replace(".", "", regex=False)),
        (_NUM_DEC_DOT, lambda x: x),
    ]
    done = ~present | ambiguous
    for pattern, fix in rules:
        m = (~done) & s.str.match(pattern).fillna(False).astype(bool)
        if m.any():
            canonical[m] = fix(s[m])
            out[m] = pd.to_numeric(canonical[m], errors="coerce").astype("float64")
            done |= m
    invalid = present & ~done
    parsed = present & done & ~ambiguous
    with np.errstate(invalid="ignore"):
        inexact = ~np.isfinite(out) | ((out != 0) & (out.abs() < SMALLEST_NORMAL))
    # Significant digits are counted only where they can matter, so a large file keeps streaming in little
    # memory: a zero that had digits underflowed ('1e-400'); a text longer than EXACT_DIGITS may hold more.
    zero = parsed & (out == 0)
    if zero.any():
        inexact[zero] = (_significant_digits(canonical[zero]).fillna(0) > 0).to_numpy(dtype=bool)
    long = parsed & ~inexact & (canonical.str.len().fillna(0) > EXACT_DIGITS)
    if long.any():
        long[long] = (_significant_digits(canonical[long]).fillna(0) > EXACT_DIGITS).to_numpy(dtype=bool)
    if long.any():  # few: checked one by one, exactly
        inexact[long] = [not _round_trips(t, v) for t, v in zip(canonical[long], out[long], strict=True)]
    inexact = parsed & inexact
    out[inexact] = np.nan
    return out, invalid, ambiguous, inexact


_DATE_ISO = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?$")
_DATE_FR = re.compile(r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})$")


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    s = values.astype("string").str.strip()
    present = s.notna() & (s != "")
    iso = s.str.extract(_DATE_ISO)
    fr = s.str.extract(_DATE_FR)
    year = iso[0].fillna(fr[2])
    month = iso[1].fillna(fr[1])
    day = iso[2].fillna(fr[0])
    text = year + "-" + month.str.zfill(2) + "-" + day.str.zfill(2)
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    invalid = present & parsed.isna()
    return parsed, invalid


_PERIOD_YEAR = r"^([0-9]{4})$"
_PERIOD_YM = r"^([0-9]{4})[-/]([0-9]{1,2})$"
_PERIOD_MY = r"^([0-9]{1,2})[-/]([0-9]{4})$"
_PERIOD_YM01 = r"^([0-9]{4})-([0-9]{2})-01$"


def parse_periods(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """(normalised 'AAAA' / 'AAAA-MM', start, end, invalid mask)."""
    s = values.astype("string").str.strip()
    present = s.notna() & (s != "")
    year = s.str.extract(_PERIOD_YEAR)[0]
    ym = s.str.extract(_PERIOD_YM)
    my = s.str.extract(_PERIOD_MY)
    ym01 = s.str.extract(_PERIOD_YM01)
    y2 = ym[0].fillna(my[1]).fillna(ym01[0])
    m2 = ym[1].fillna(my[0]).fillna(ym01[1]).str.zfill(2)
    month_ok = m2.isin([f"{i:02d}" for i in range(1, 13)])
    normalised = year.where(year.notna(), (y2 + "-" + m2).where(month_ok))
    length = normalised.str.len()
    first_day = (normalised + "-01").where(length == 7, normalised + "-01-01")
    start = pd.to_datetime(first_day, format="%Y-%m-%d", errors="coerce")
    end_year = pd.to_datetime(normalised + "-12-31", format="%Y-%m-%d", errors="coerce")
    end = end_year.where(normalised.str.len() == 4, start + pd.offsets.MonthEnd(0))
    invalid = present & normalised.isna()
    return normalised, start, end, invalid


_EMAIL = re.compile(r"^[\w.+'-]+@([\w-]+\.)+[a-z]{2,}$", re.IGNORECASE)
_PHONE = re.compile(r"^(\+33|0)[1-9]([0-9]{8})$")
_URL = re.compile(r"^(https?://)?(www\.)?[\w-]+(\.[\w-]+)+(/\S*)?$", re.IGNORECASE)
_WEBMAIL = re.compile(r"@(?:gmail|hotmail|yahoo|outlook|live|icloud|orange|wanadoo|free|sfr|laposte|aol|"
                      r"protonmail|gmx)\.", re.IGNORECASE)


# ------------------------------------------------------------------------------------------ chunk


@dataclass
class Context:
    contract: Contract
    geo: Geography
    debut: date
    fin: date
    departement: str


def _enum_lookup(col: Column):
    """value → allowed value: exact (case-insensitive) first, then without accents/punctuation."""
    exact = {v.lower(): v for v in col.allowed}
    loose = {norm(v): v for v in col.allowed if norm(v)}
    loose.update({norm(k): v for k, v in col.value_aliases.items() if norm(k)})

    def find(value: object) -> str | None:
        if not isinstance(value, str):
            return None
        text = value.strip().lower()
        return exact.get(text) or loose.get(norm(text))

    return find


def _single_target(code: object, geo: Geography) -> str | None:
    if not isinstance(code, str) or code in geo.communes:
        return None
    targets = geo.merged.get(code)
    return targets[0] if targets and len(targets) == 1 else None


@dataclass
class _Chunk:
    """One chunk being validated: its text cells (index = line number), the typed columns written so far, the
    errors and the notes (merged communes remapped)."""
    frame: pd.DataFrame
    ctx: Context
    problems: Problems
    notes: dict[str, set]
    out: pd.DataFrame

    def refuse(self, mask: pd.Series, column: str, regle: str, message, correction: str) -> None:
        """One problem per True row of `mask`, showing the cell as the partner wrote it."""
        self.problems.add_mask(self.frame, mask, column, self.frame[column], regle, message, correction)

    def dep_label(self) -> str:
        geo, dep = self.ctx.geo, self.ctx.departement
        return f"du département {dep}" if geo.nom_departement == dep else geo.nom_departement


# ------------------------------------------------------------------------------------------ territory codes


def _communes(chunk: _Chunk, codes: pd.Series, rows: pd.Series) -> pd.Series:
    """Commune codes: a lost leading zero restored, a merged commune's old code remapped (noted)."""
    geo = chunk.ctx.geo
    four = codes.str.fullmatch(r"[0-9]{4}").fillna(False).astype(bool)
    codes = codes.where(~four, "0" + codes)
    single = pd.Series([_single_target(x, geo) for x in codes.astype(object)], index=codes.index, dtype="string")
    remap = (single.notna() & single.isin(list(geo.communes))).fillna(False).astype(bool)
    for old, new in zip(codes[remap], single[remap], strict=True):
        chunk.notes.setdefault("fusions", set()).add(f"{old} → {new} ({geo.communes[new]})")
    codes = codes.where(~remap, single)
    chunk.refuse(rows & ~codes.isin(list(geo.communes)), "code_territoire", "code commune inconnu",
                 lambda v: f"{q(v)} n'est pas un code commune {chunk.dep_label()}",
                 "Saisissez le code INSEE de la commune sur 5 caractères (ex. 32013 pour Auch), dans une colonne "
                 "au format texte pour garder le zéro initial ; liste officielle : COG de l'INSEE.")
    return codes


def _epci(chunk: _Chunk, codes: pd.Series, rows: pd.Series) -> pd.Series:
    chunk.refuse(rows & ~codes.isin(list(chunk.ctx.geo.epci)), "code_territoire", "EPCI inconnu",
                 lambda v: f"{q(v)} n'est pas le SIREN d'une intercommunalité (EPCI) ayant des communes "
                           f"{chunk.dep_label()}",
                 "Saisissez le numéro SIREN à 9 chiffres de l'EPCI (ex. 200066926 pour la CA Grand Auch Cœur de "
                 "Gascogne) ; liste officielle : fichier DGCL de composition des EPCI.")
    return codes


def _departement(chunk: _Chunk, codes: pd.Series, rows: pd.Series) -> pd.Series:
    dep = chunk.ctx.departement
    codes = codes.str.zfill(2)
    chunk.refuse(rows & (codes != dep), "code_territoire", "département inattendu",
                 lambda v: f"{q(v)} n'est pas le code du département de l'observatoire ({dep})",
                 f"Saisissez {dep} pour une valeur départementale.")
    return codes


def _territoire_action(chunk: _Chunk, codes: pd.Series, rows: pd.Series) -> pd.Series:
    dep, known = chunk.ctx.departement, chunk.ctx.geo.territoires
    if known is not None:
        bad = rows & ~codes.isin(list(known))
    else:
        bad = rows & ~codes.str.fullmatch(rf"{re.escape(dep)}-[0-9]{{2}}").fillna(False).astype(bool)
    chunk.refuse(bad, "code_territoire", "territoire d'action inconnu",
                 lambda v: f"{q(v)} n'est pas un code de territoire d'action {chunk.dep_label()}",
                 f"Saisissez le code du territoire d'action du Département (ex. {dep}-01).")
    return codes


# level → (dim_territoire key prefix, check returning the normalised codes)
_LEVELS = {"commune": ("COM-", _communes), "epci": ("EPCI-", _epci), "departement": ("DEP-", _departement),
           "territoire_action": ("TER-", _territoire_action)}


def _territory(chunk: _Chunk) -> None:
    """Normalised codes and the dim_territoire key ('COM-32013', 'EPCI-…', 'TER-…', 'DEP-32'), level by level."""
    received = chunk.frame["code_territoire"]
    raw = received.astype("string").str.strip().str.upper()
    raw = raw.str.replace(r"\.0$", "", regex=True).str.replace(_SPACES, "", regex=True)
    code, key = raw.copy(), pd.Series(pd.NA, index=chunk.frame.index, dtype="string")
    for level, (prefix, check) in _LEVELS.items():
        rows = chunk.out["niveau_territoire"] == level
        if rows.any():
            normalised = check(chunk, raw.where(rows), rows)
            code, key = code.where(~rows, normalised), key.where(~rows, prefix + normalised)
    chunk.out["code_territoire_recu"] = received
    chunk.out["code_territoire"] = code
    chunk.out["cle_territoire"] = key


# ------------------------------------------------------------------------------------------ one column per type


def _text(chunk: _Chunk, col: Column) -> None:
    chunk.out[col.name] = chunk.frame[col.name]


def _enum(chunk: _Chunk, col: Column) -> None:
    values, lookup = chunk.frame[col.name], _enum_lookup(col)
    normalised = pd.Series([lookup(v) for v in values.astype(object)], index=values.index, dtype="string")
    chunk.refuse(values.notna() & normalised.isna(), col.name, "valeur hors liste",
                 lambda v: f"{q(v)} n'est pas une valeur admise", "Valeurs admises : " + ", ".join(col.allowed) + ".")
    chunk.out[col.name] = normalised.astype("string")


def _integers(chunk: _Chunk, col: Column, numbers: pd.Series) -> pd.Series:
    """`numbers` with fractions and integers a double cannot hold refused (and emptied)."""
    frac = numbers.notna() & (numbers != np.floor(numbers.fillna(0)))
    chunk.refuse(frac, col.name, "entier attendu", lambda v: f"{q(v)} n'est pas un nombre entier",
                 "Saisissez un nombre entier.")
    huge = numbers.notna() & (numbers.abs() > MAX_EXACT_INTEGER)
    chunk.refuse(huge, col.name, "entier trop grand",
                 lambda v: f"{q(v)} dépasse le plus grand entier admis ({MAX_EXACT_INTEGER:,})".replace(",", " "),
                 "Vérifiez la cellule : un rang ou un effectif tient en quelques chiffres.")
    return numbers.where(~(frac | huge))


def _number(chunk: _Chunk, col: Column) -> None:
    numbers, invalid, ambiguous, inexact = parse_numbers(chunk.frame[col.name])
    chunk.refuse(invalid, col.name, "nombre attendu", lambda v: f"{q(v)} n'est pas un nombre",
                 "Saisissez un nombre en chiffres ordinaires 0 à 9 (pas de chiffres pleine largeur), avec une "
                 "virgule pour les décimales (ex. 1250 ou 12,5), sans texte ni unité.")
    chunk.refuse(inexact, col.name, "nombre non représentable",
                 lambda v: f"{q(v)} ne peut pas être enregistré exactement (trop de chiffres, trop grand ou trop "
                           "petit)",
                 f"Vérifiez la cellule (chiffres collés, identifiant copié ?) et saisissez la valeur elle-même, avec "
                 f"{EXACT_DIGITS} chiffres significatifs au plus.")
    chunk.refuse(ambiguous, col.name, "nombre ambigu",
                 lambda v: f"{q(v)} est ambigu (point de milliers ou point décimal ?)",
                 "Écrivez les milliers sans séparateur ou avec une espace (1234 ou 1 234) et les décimales avec une "
                 "virgule (1,234).")
    if col.type == INTEGER:
        numbers = _integers(chunk, col, numbers)
    if col.min_value is not None:
        chunk.refuse(numbers.notna() & (numbers < col.min_value), col.name, "valeur trop petite",
                     lambda v: f"{q(v)} est inférieur au minimum admis ({col.min_value:g})",
                     f"Saisissez une valeur supérieure ou égale à {col.min_value:g}.")
    chunk.out[col.name] = numbers.round().astype("Int64") if col.type == INTEGER else numbers


def _date(chunk: _Chunk, col: Column) -> None:
    parsed, invalid = parse_dates(chunk.frame[col.name])
    chunk.refuse(invalid, col.name, "date attendue", lambda v: f"{q(v)} n'est pas une date valide",
                 "Saisissez une date au format AAAA-MM-JJ ou JJ/MM/AAAA (ex. 2024-05-16).")
    if col.in_convention:
        _check_convention(chunk, parsed, parsed, col)
    chunk.out[col.name] = parsed.dt.date.astype(object).where(parsed.notna(), None)


def _period(chunk: _Chunk, col: Column) -> None:
    normalised, start, end, invalid = parse_periods(chunk.frame[col.name])
    chunk.refuse(invalid, col.name, "période attendue",
                 lambda v: f"{q(v)} n'est pas une période (année AAAA ou mois AAAA-MM)",
                 "Saisissez l'année (2024) ou le mois (2024-03).")
    if col.in_convention:
        _check_convention(chunk, start, end, col)
    chunk.out[col.name] = normalised.astype("string")
    chunk.out["annee"] = pd.to_numeric(normalised.str[:4], errors="coerce").astype("Int64")


def _contact(chunk: _Chunk, col: Column) -> None:
    values = chunk.frame[col.name]
    s, present = values.astype("string"), values.notna()
    ok = (s.str.match(_EMAIL) | s.str.replace(r"[\s.\-]", "", regex=True).str.match(_PHONE)
          | s.str.match(_URL)).fillna(False).astype(bool)
    chunk.refuse(present & ~ok, col.name, "contact invalide",
                 lambda v: f"{q(v)} n'est ni un courriel, ni un téléphone, ni un site web",
                 "Saisissez le courriel générique, le téléphone ou le site de la structure.")
    chunk.refuse(present & s.str.contains(_WEBMAIL).fillna(False).astype(bool), col.name,
                 "données personnelles interdites",
                 lambda v: f"{q(v)} ressemble à une adresse personnelle (messagerie grand public)",
                 "Donnez l'adresse générique de la structure (ex. accueil@structure.fr), jamais celle d'une "
                 "personne.")
    chunk.out[col.name] = values


_BY_TYPE = {TEXT: _text, TERRITORY_CODE: _text, ENUM: _enum, TERRITORY_LEVEL: _enum, NUMBER: _number,
            INTEGER: _number, DATE: _date, PERIOD: _period, CONTACT: _contact}


def validate_chunk(frame: pd.DataFrame, ctx: Context, problems: Problems, notes: dict[str, set]) -> pd.DataFrame:
    """`frame`: text cells named after the contract's columns, index = line number in the file."""
    frame = frame[frame.notna().any(axis=1)]  # trailing/inner empty rows are skipped
    if frame.empty:
        return frame
    frame = frame.apply(lambda s: s.astype("string").str.strip().replace("", pd.NA))
    chunk = _Chunk(frame, ctx, problems, notes, pd.DataFrame(index=frame.index))
    for col in ctx.contract.columns:
        if col.required:
            chunk.refuse(frame[col.name].isna(), col.name, "valeur obligatoire",
                         lambda v, c=col: f"valeur obligatoire manquante ({c.label})",
                         f"Renseignez la cellule : {col.help}")
        _BY_TYPE[col.type](chunk, col)
    if "niveau_territoire" in chunk.out:
        _territory(chunk)
    _cross_checks(chunk)
    out = chunk.out
    for col in ctx.contract.columns:  # free text and contacts go back to dashboards and CSV exports
        if col.type in (TEXT, CONTACT):
            out[col.name] = out[col.name].map(neutralise, na_action="ignore").astype("string")
    out["_ligne"] = out.index.astype("int64")
    return out


def _check_convention(chunk: _Chunk, start: pd.Series, end: pd.Series, col: Column) -> None:
    ctx = chunk.ctx
    debut, fin = pd.Timestamp(ctx.debut), pd.Timestamp(ctx.fin)
    outside = start.notna() & ((end < debut) | (start > fin))
    chunk.refuse(outside, col.name, "hors période de la convention",
                 lambda v: f"{q(v)} est hors de la période de la convention "
                           f"({ctx.debut:%d/%m/%Y} – {ctx.fin:%d/%m/%Y})",
                 "Envoyez seulement des valeurs couvertes par la convention ; une valeur de départ "
                 "antérieure se saisit dans la colonne valeur_reference du suivi de la CTG.")


def _cross_checks(chunk: _Chunk) -> None:
    out = chunk.out
    if {"valeur", "unite"} <= set(out):
        negative = out["valeur"].notna() & (out["valeur"] < 0) & out["unite"].isin(UNITES_POSITIVES)
        chunk.refuse(negative, "valeur", "comptage négatif",
                     lambda v: f"{q(v)} est négatif alors que l'unité est un comptage ou un montant",
                     "Un effectif ou un montant est positif ou nul ; vérifiez le signe ou l'unité.")
    if "denominateur" in out:
        zero = out["denominateur"].notna() & (out["denominateur"] == 0)
        chunk.refuse(zero, "denominateur", "dénominateur nul", lambda v: "le dénominateur vaut 0",
                     "Laissez la cellule vide si le taux n'a pas de sens.")
    if {"date_debut", "date_echeance"} <= set(out):
        d = pd.to_datetime(out["date_debut"])
        e = pd.to_datetime(out["date_echeance"])
        inverted = d.notna() & e.notna() & (e < d)
        chunk.refuse(inverted, "date_echeance", "échéance avant le début",
                     lambda v: f"l'échéance {q(v)} précède la date de début",
                     "Corrigez la date de début ou l'échéance.")
