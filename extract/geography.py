"""The territory referential of the current run: COG communes, their history and EPCI composition, loaded in one
place.

Everything checked against the geography (the Melodi selectors of the API sources, the département's territoires
d'action file, the partners' files) reads the landing files the extract wrote in this run,
`settings.landing_dir/insee_cog_communes.parquet`, `epci_composition.parquet` (and, for the partners' merged
communes, `insee_cog_mouvements.parquet`): online, the COG just fetched,
not the committed one. Only where no landing exists yet (a partner file received before the first extract, a
parser run on its own) is the embedded snapshot (`data/snapshot/<source>/`) parsed instead, by the same parser
the extract uses.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from extract.sources import epci_composition as _epci_parser
from extract.sources import insee_cog_communes as _communes_parser
from extract.sources import insee_cog_mouvements as _mouvements_parser

COG_COMMUNES = "insee_cog_communes"
EPCI_COMPOSITION = "epci_composition"
COG_MOUVEMENTS = "insee_cog_mouvements"
PERIMETER_LANDINGS = (COG_COMMUNES, EPCI_COMPOSITION)  # a source parsed against these is re-parsed when they change
# The parsers the extract registers for these sources (extract/registry.py), imported directly: the registry imports
# every parser, and some parsers read this module.
_PARSERS = {COG_COMMUNES: _communes_parser, EPCI_COMPOSITION: _epci_parser, COG_MOUVEMENTS: _mouvements_parser}


def _landing(settings, name: str) -> Path:
    return settings.landing_dir / f"{name}.parquet"


def _load(settings, name: str, columns: list[str]) -> pd.DataFrame:
    """The source's landing table (columns `columns`), or its snapshot parsed when there is no landing yet."""
    landing = _landing(settings, name)
    if landing.exists():
        return pd.read_parquet(landing, columns=columns)
    parser = _PARSERS[name]
    return parser.parse([settings.snapshot_dir / name / parser.SNAPSHOT], settings)[columns]


def communes(settings) -> pd.DataFrame:
    """Current communes of France (COG, TYPECOM COM): code_commune, code_departement, libelle."""
    cog = _load(settings, COG_COMMUNES, ["typecom", "code_commune", "code_departement", "libelle"])
    return cog.loc[cog["typecom"] == "COM", ["code_commune", "code_departement", "libelle"]].reset_index(drop=True)


def epci_composition(settings) -> pd.DataFrame:
    """EPCI à fiscalité propre and their members: siren_epci, nom_epci, code_commune (one row per member)."""
    return _load(settings, EPCI_COMPOSITION, ["siren_epci", "nom_epci", "code_commune"])


def commune_changes(settings) -> pd.DataFrame:
    """COG history between two communes (TYPECOM COM on both sides, code changed): old code → new code."""
    mvt = _load(settings, COG_MOUVEMENTS, ["typecom_avant", "code_commune_avant", "typecom_apres",
                                           "code_commune_apres"])
    keep = ((mvt["typecom_avant"] == "COM") & (mvt["typecom_apres"] == "COM")
            & (mvt["code_commune_avant"] != mvt["code_commune_apres"]))
    return mvt.loc[keep, ["code_commune_avant", "code_commune_apres"]].reset_index(drop=True)


def stamp(settings) -> tuple:
    """What the geography is read from (each landing's path, size and modification time, or 'snapshot'): a cache
    of anything derived from it is valid while the stamp is unchanged."""
    out = []
    for name in (*PERIMETER_LANDINGS, COG_MOUVEMENTS):
        path = _landing(settings, name)
        out.append((str(path), path.stat().st_mtime_ns, path.stat().st_size) if path.exists()
                   else (name, str(settings.snapshot_dir)))
    return tuple(out)
