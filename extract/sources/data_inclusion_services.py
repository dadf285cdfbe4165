"""data·inclusion — services of social and professional inclusion (GIP de l'inclusion, API v0).

Online: `GET https://api.data.inclusion.beta.gouv.fr/api/v0/services?departement=<dep>&page=<n>&size=<k>` and
the same for `/api/v0/structures` (for the structure's name and `typologie`: CCAS, CAF, ASSO, MUNI…), with the
header `Authorization: Bearer <token>` (token from the environment variable `DATA_INCLUSION_TOKEN`, issued by
data·inclusion on request; never stored in the raw zone or the logs). Answers are paginated the fastapi way:
`{"items": [...], "total": N, "page": p, "size": k, "pages": P}`; every page is kept as received, one JSON
document per line (`services.pages.jsonl`, `structures.pages.jsonl`). Service fields used (data·inclusion
schema): `id`, `source`, `structure_id`, `nom`, `thematiques` (list, `famille--garde-denfants`…), `profils`
(list, `familles-enfants`, `seniors-65`…), `code_insee`, `zone_diffusion_type` (commune, epci, departement,
region, pays) and `zone_diffusion_code`. The parameter names (`departement`, `size`) and the page layout follow
the API's OpenAPI documentation and are to be checked at the first online run.

Offline: no open copy of the API exists here, so the snapshot is a small DEMONSTRATION answer written in the
same page layout (`extract/demo/offre_sources.py`: fictitious services « (DÉMO) », source `demonstration`,
real thematique and profil codes of the data·inclusion référentiel, Gers and Pyrénées-Atlantiques communes).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import requests

from extract.http import FetchError, get
from extract.readers import ParseError, json_body, json_pages
from extract.registry_types import Fetched

API = "https://api.data.inclusion.beta.gouv.fr/api/v0"
ONLINE_URLS = (f"{API}/services", f"{API}/structures")
SNAPSHOT_SERVICES = "services-demonstration.pages.jsonl"
SNAPSHOT_STRUCTURES = "structures-demonstration.pages.jsonl"
TOKEN_ENV = "DATA_INCLUSION_TOKEN"
PAGE_SIZE = 500
MAX_PAGES = 200  # safety net against a paging loop
COLUMNS = [
    "source", "id_service", "structure_id", "nom_structure", "typologie_structure", "nom", "thematiques",
    "profils", "code_commune", "zone_diffusion_type", "zone_diffusion_code",
]


def _pages(session: requests.Session, url: str, departement: str, token: str) -> bytes:
    pages, page = [], 1
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    while page <= MAX_PAGES:
        response = get(session, url, {"departement": departement, "page": page, "size": PAGE_SIZE}, headers)
        body = json_body(response.content, url, "data·inclusion", "items")
        pages.append(response.content.decode("utf-8").replace("\n", " "))
        last = body.get("pages")
        if not body["items"] or last is None or page >= int(last):
            break
        page += 1
    return ("\n".join(pages) + "\n").encode("utf-8")


def fetch(session: requests.Session, settings) -> list[Fetched]:
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise FetchError(f"data·inclusion : jeton absent (variable d'environnement {TOKEN_ENV}) ; "
                         "le demander à data·inclusion, ou rester en mode hors ligne")
    out = []
    for url, name in ((ONLINE_URLS[0], "services.pages.jsonl"), (ONLINE_URLS[1], "structures.pages.jsonl")):
        out.append(Fetched(name, _pages(session, url, settings.departement, token), url))
    return out


def _items(path: Path) -> list[dict]:
    return [i for page in json_pages(path, "data·inclusion", "items") for i in page["items"] if isinstance(i, dict)]


def _codes(value) -> str | None:
    if value is None:
        return None
    values = [value] if isinstance(value, str) else list(value)
    return ";".join(str(v) for v in values if v) or None


def parse(files: list[Path], settings) -> pd.DataFrame:
    services_path = next((p for p in files if p.name.startswith("services")), None)
    if services_path is None:
        raise ParseError("data·inclusion : aucun fichier de services")
    services = _items(services_path)
    if not services:
        raise ParseError(f"{services_path.name} : aucun service dans la réponse data·inclusion")
    structures_path = next((p for p in files if p.name.startswith("structures")), None)
    structures = {}
    for item in _items(structures_path) if structures_path else []:
        structures[(item.get("source"), item.get("id"))] = item
    rows = []
    for s in services:
        if not s.get("id") or not s.get("source"):
            raise ParseError(f"{services_path.name} : service sans 'id' ou sans 'source' ({str(s)[:120]})")
        structure = structures.get((s.get("source"), s.get("structure_id"))) or {}
        rows.append({
            "source": s["source"],
            "id_service": str(s["id"]),
            "structure_id": s.get("structure_id"),
            "nom_structure": structure.get("nom"),
            "typologie_structure": structure.get("typologie"),
            "nom": s.get("nom"),
            "thematiques": _codes(s.get("thematiques")),
            "profils": _codes(s.get("profils")),
            "code_commune": s.get("code_insee"),
            "zone_diffusion_type": s.get("zone_diffusion_type"),
            "zone_diffusion_code": s.get("zone_diffusion_code"),
        })
    df = pd.DataFrame(rows, columns=COLUMNS).drop_duplicates(["source", "id_service"], keep="first")
    return df.astype("string").reset_index(drop=True)
