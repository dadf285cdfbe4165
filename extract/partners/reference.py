"""Reference geography used to check territory codes, and the partners' registry.

Communes, their history (mergers) and EPCI come from the current run's landing files (extract/geography.py:
the COG just fetched, the snapshot only before the first extract). Only the département's name (with its
article, which the landing does not keep) is read from the snapshot file of `REFERENCE_CANDIDATES`.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.settings import REPO_ROOT, Settings
from extract import geography

_SNAPSHOT = REPO_ROOT / "data" / "snapshot"

# name → candidate paths (glob patterns allowed), first existing wins.
REFERENCE_CANDIDATES: dict[str, list[Path]] = {
    "departements": [_SNAPSHOT / "insee_cog_departements" / "v_departement_*.csv*"],
}


class ReferenceMissing(FileNotFoundError):
    pass


def reference_path(name: str) -> Path:
    for candidate in REFERENCE_CANDIDATES[name]:
        matches = sorted(candidate.parent.glob(candidate.name)) if candidate.parent.is_dir() else []
        if matches:
            return matches[-1]  # highest vintage
    raise ReferenceMissing(f"fichier de référence {name!r} introuvable ({REFERENCE_CANDIDATES[name]})")


def _rows(path: Path, delimiter: str = ",") -> Iterable[dict]:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter)


_ARTICLES = {"0": "de ", "1": "d'", "2": "du ", "3": "de la ", "4": "des ", "5": "de l'", "6": "des ",
             "7": "de las ", "8": "de los "}


@dataclass(frozen=True)
class Geography:
    departement: str
    nom_departement: str  # "du Gers", "des Pyrénées-Atlantiques"
    communes: dict[str, str]  # current communes of the département: code → name
    merged: dict[str, tuple[str, ...]]  # old commune code → current code(s)
    epci: dict[str, str]  # SIREN → name, EPCI with at least one commune in the département
    territoires: frozenset[str] | None  # territoire d'action codes (None when the file is not available)


def _epci_of(settings: Settings) -> dict[str, str]:
    """SIREN → name of the EPCI with at least one current commune in the département."""
    epci = geography.epci_composition(settings)
    members = epci["code_commune"].str
    keep = epci.loc[members.startswith(settings.departement) & (members.len() == 5)]
    return dict(zip(keep["siren_epci"], keep["nom_epci"], strict=True))


def _load_territoires(path: Path) -> frozenset[str] | None:
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8-sig")
    delimiter = ";" if text.split("\n", 1)[0].count(";") else ","
    return frozenset(r["code_territoire"] for r in csv.DictReader(io.StringIO(text), delimiter=delimiter))


def _merged(settings: Settings, current: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """Old commune code → current code(s), following INSEE's history of changes (mergers, code changes)."""
    edges: dict[str, set[str]] = {}
    changes = geography.commune_changes(settings)
    for before, after in zip(changes["code_commune_avant"], changes["code_commune_apres"], strict=True):
        edges.setdefault(before, set()).add(after)
    out: dict[str, tuple[str, ...]] = {}
    for old in edges:
        if old in current:
            continue
        seen, frontier, found = set(), {old}, set()
        while frontier:
            code = frontier.pop()
            if code in seen:
                continue
            seen.add(code)
            if code in current and code != old:
                found.add(code)
            else:
                frontier |= edges.get(code, set())
        if found:
            out[old] = tuple(sorted(found))
    return out


def load_geography(settings: Settings) -> Geography:
    """The département's geography, rebuilt when this run's COG/EPCI landings or the territoires file change."""
    territoires = settings.territoires_file
    return _load_geography_cached(settings, geography.stamp(settings),
                                  territoires.exists() and territoires.stat().st_mtime)


@lru_cache(maxsize=8)
def _load_geography_cached(settings: Settings, _stamp: tuple, _mtime) -> Geography:
    departement = settings.departement
    cog = geography.communes(settings)
    in_dep = cog["code_departement"] == departement
    nom = departement
    for row in _rows(reference_path("departements")):
        if row["DEP"] == departement:
            nom = _ARTICLES.get(row["TNCC"], "de ") + row["LIBELLE"]
    return Geography(
        departement=departement,
        nom_departement=nom,
        communes=dict(zip(cog.loc[in_dep, "code_commune"], cog.loc[in_dep, "libelle"], strict=True)),
        merged=_merged(settings, frozenset(cog["code_commune"])),
        epci=_epci_of(settings),
        territoires=_load_territoires(settings.territoires_file),
    )


# ---------------------------------------------------------------------------------------------------------
# Partners' registry


@dataclass(frozen=True)
class Partner:
    code: str
    label: str
    kinds: tuple[str, ...] | None = None  # None: every kind


_MSA = {"32": "MSA Midi-Pyrénées Sud", "09": "MSA Midi-Pyrénées Sud", "31": "MSA Midi-Pyrénées Sud",
        "65": "MSA Midi-Pyrénées Sud", "64": "MSA Sud Aquitaine", "40": "MSA Sud Aquitaine"}
_ABS = ("indicateurs_abs", "referentiel_offre", "priorites_forum")


def fixed_partners(departement: str) -> dict[str, Partner]:
    d = departement
    partners = [
        Partner(f"CD{d}", "Conseil départemental"),
        Partner(f"CAF{d}", "Caisse d'allocations familiales"),
        Partner("MSA", _MSA.get(d, "Mutualité sociale agricole")),
        Partner(f"CPAM{d}", "Caisse primaire d'assurance maladie"),
        Partner(f"UDCCAS{d}", "Union départementale des CCAS"),
        Partner("FORUM", "Forums thématiques locaux", ("priorites_forum",)),
    ]
    return {p.code: p for p in partners}


_PARTNER_RE = re.compile(r"^[A-Z0-9]+(-[0-9AB]{5}|-[0-9]{9})?$")


class UnknownPartner(ValueError):
    pass


def resolve_partner(code: str, settings: Settings) -> Partner:
    """The registry entry of `code` (case-insensitive), or UnknownPartner with a French explanation."""
    raw = (code or "").strip()
    norm = raw.upper()
    fixed = fixed_partners(settings.departement)
    if norm in fixed:
        return fixed[norm]
    if _PARTNER_RE.match(norm):
        prefix, _, suffix = norm.partition("-")
        geo = load_geography(settings)
        if prefix == "CCAS" and suffix in geo.communes:
            return Partner(norm, f"CCAS de {geo.communes[suffix]}", _ABS)
        if prefix == "CIAS" and suffix in geo.epci:
            return Partner(norm, f"CIAS — {geo.epci[suffix]}", _ABS)
    raise UnknownPartner(
        f"partenaire « {raw} » inconnu. Codes admis : {', '.join(sorted(fixed))}, CCAS-<code commune> "
        f"(ex. CCAS-32013), CIAS-<SIREN de l'EPCI> (ex. CIAS-200066926)."
    )


# ---------------------------------------------------------------------------------------------------------
# Convention period (OBS_CTG_DEBUT / OBS_CTG_FIN)

# The defaults, for the partners' guide (templates.py); the values in force are Settings.convention_period.
DEFAULT_CTG_DEBUT = str(Settings.model_fields["ctg_debut"].default)
DEFAULT_CTG_FIN = str(Settings.model_fields["ctg_fin"].default)
