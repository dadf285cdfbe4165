"""Contours of communes and EPCI (IGN Admin Express), for the Panorama's choropleth maps.

Offline: the GeoJSON of `gregoiredavid/france-geojson` (IGN Admin Express 2018, COG 2018, WGS84, simplified) for
the Gers and the Pyrénées-Atlantiques, the EPCI 2025 contours derived from them (union of their 2018 communes,
part inside each département), and a passage table from the 2018 commune codes to COG 2025
(`code_commune_2018;nom_2018;code_commune_2025;nom_2025;statut`): the polygons of communes merged since 2018
(e.g. 32067, 32260, 32413 → 32365 Cap d'Astarac) become the parts of one MultiPolygon under the 2025 code.

Online: the API Découpage administratif (geo.api.gouv.fr, Etalab, no key) for the configured département:
`/communes?codeDepartement=..&format=geojson&geometry=contour` and `/epcis?…` (current COG, no passage needed).

Landing (one row per territory): niveau ('commune' / 'epci'), code (COG 2025 commune code or EPCI SIREN), libelle,
geojson (text: a GeoJSON MultiPolygon geometry, longitude/latitude WGS84). An EPCI found in several files
(cross-border EPCI, offline) gathers the parts of every file.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import requests

from extract.http import get
from extract.readers import ParseError, read_bytes, require_columns
from extract.registry_types import Fetched

MILLESIME = "2018 (géométrie IGN Admin Express) / COG 2025"
API = "https://geo.api.gouv.fr"
ONLINE_URL = f"{API}/communes?codeDepartement={{dep}}&format=geojson&geometry=contour"
ONLINE_URLS = (ONLINE_URL, f"{API}/epcis?codeDepartement={{dep}}&format=geojson&geometry=contour")
PASSAGE = "passage_communes_geo2018_vers_cog2025_32_64.csv"
SNAPSHOT = (
    "communes-32-gers_2018.geojson.gz",
    "communes-64-pyrenees-atlantiques_2018.geojson.gz",
    "epci2025-32-gers_derive-communes2018.geojson.gz",
    "epci2025-64-pyrenees-atlantiques_derive-communes2018.geojson.gz",
    PASSAGE,
)
COLUMNS = ["niveau", "code", "libelle", "geojson"]


def fetch(session: requests.Session, settings) -> list[Fetched]:
    out = []
    for niveau, endpoint in (("communes", "communes"), ("epci", "epcis")):
        response = get(session, f"{API}/{endpoint}",
                       {"codeDepartement": settings.departement, "format": "geojson", "geometry": "contour",
                        "fields": "code,nom"})
        out.append(Fetched(f"{niveau}-{settings.departement}.geojson", response.content, response.url))
    return out


def _passage(path: Path) -> dict[str, tuple[str, str]]:
    df = pd.read_csv(io.BytesIO(read_bytes(path)), sep=";", dtype=str, keep_default_na=False)
    require_columns(df, ["code_commune_2018", "code_commune_2025", "nom_2025"], path.name)
    return {r.code_commune_2018: (r.code_commune_2025, r.nom_2025) for r in df.itertuples()}


def _polygons(geometry: dict, name: str) -> list:
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind == "Polygon":
        return [geometry["coordinates"]]
    if kind == "MultiPolygon":
        return list(geometry["coordinates"])
    raise ParseError(f"{name} : géométrie {kind!r} inattendue (Polygon ou MultiPolygon attendu)")


def _features(path: Path) -> list[tuple[str, str, list]]:
    """(code, nom, polygons) of each feature of a GeoJSON FeatureCollection."""
    try:
        collection = json.loads(read_bytes(path))
        features = collection["features"]
        out = []
        for f in features:
            props = f["properties"]
            code = props.get("code") or props.get("siren")
            if not code:
                raise KeyError("code")
            out.append((str(code), str(props["nom"]), _polygons(f["geometry"], path.name)))
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as exc:
        raise ParseError(f"{path.name} : GeoJSON inattendu ({type(exc).__name__}: {exc})") from exc
    if not out:
        raise ParseError(f"{path.name} : aucun contour")
    return out


def parse(files: list[Path], settings) -> pd.DataFrame:
    passages = [p for p in files if p.name.startswith("passage")]
    passage = _passage(passages[0]) if passages else {}
    shapes: dict[tuple[str, str], tuple[str, list]] = {}
    for path in files:
        if path.name.startswith("passage"):
            continue
        if path.name.startswith("communes"):
            niveau = "commune"
        elif path.name.startswith("epci"):
            niveau = "epci"
        else:
            raise ParseError(f"{path.name} : fichier de contours inattendu (communes-… ou epci… attendu)")
        for code, nom, polygons in _features(path):
            if niveau == "commune" and code in passage:
                code, nom = passage[code]
            libelle, parts = shapes.setdefault((niveau, code), (nom, []))
            parts.extend(polygons)
    rows = [
        (niveau, code, libelle, json.dumps({"type": "MultiPolygon", "coordinates": parts}, separators=(",", ":")))
        for (niveau, code), (libelle, parts) in sorted(shapes.items())
    ]
    return pd.DataFrame(rows, columns=COLUMNS, dtype="string")
