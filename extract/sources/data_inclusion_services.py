"""data·inclusion — services of social and professional inclusion (GIP de l'inclusion, API v1).

Checked against the provider's open-source API, `gip-inclusion/data-inclusion` @ d4969e37 (2026-06-30), folder
`api/`: routes under the prefix `/api/v1` (`src/data_inclusion/api/app.py`), `GET /services` and
`GET /structures` (`inclusion_data/routes.py`) with the query parameters `code_departement`, `page` (from 1) and
`size` (default 5 000, at most 10 000; `inclusion_data/parameters.py`, `utils/pagination.py`), production host
`https://api.data.inclusion.gouv.fr` (`config.py`: `BASE_URL`, `ALLOWED_HOSTS`). Every route requires
`Authorization: Bearer <token>` (`HTTPBearer`); a missing or invalid token gets HTTP 401, a token without the
`api` scope HTTP 403 (`auth/dependencies.py`, `tests/e2e/api/test_auth.py`). The token comes from the
environment variable `DATA_INCLUSION_TOKEN` (issued by data·inclusion on request) and is never stored in the
raw zone or the logs.

Answers are pages `{"items": [...], "total": N, "page": p, "size": <items on this page>, "pages": P}`
(`utils/pagination.py`: `size` is the number of items returned, not the size asked for). Every page is kept as
received, one JSON document per line (`services.pages.jsonl`, `structures.pages.jsonl`). `code_departement`
keeps the services and structures whose `code_insee` starts with the département code (`inclusion_data/
services.py`), so a service whose structure sits in another département lands without a structure name.

Fields used (schema `data-inclusion-schema` 1.0.8, as published in the API's OpenAPI snapshot
`api/tests/e2e/api/__snapshots__/test_openapi.ambr`): service `id` (already `<source>--<id>`), `source`,
`structure_id`, `nom`, `thematiques` (list), `publics` (list: `familles`, `seniors`, `jeunes`…, replacing v0
`profils`), `code_insee`, `latitude` / `longitude` (WGS84, for the proximity indicators), `zone_eligibilite`
(list of COG codes — commune, département, EPCI SIREN, pays 99xxx — or `france`, replacing v0
`zone_diffusion_type`/`_code`); structure `id`, `source`, `nom`, `reseaux_porteurs`
(list: `ccas-cias`, `caf`, `france-travail`…, replacing v0 `typologie`). Lists land `;`-joined, in the
provider's order.

Offline: no open copy of the API exists here, so the snapshot is a small DEMONSTRATION answer written in the
same v1 page layout (`extract/demo/offre_sources.py`: fictitious services « (DÉMO) », source `demonstration`,
real thematique, public and réseau porteur codes of the v1 référentiel, Gers and Pyrénées-Atlantiques communes).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import requests

from extract.http import FetchError, get
from extract.readers import ParseError, json_body, json_pages
from extract.registry_types import Fetched

API = "https://api.data.inclusion.gouv.fr/api/v1"
ONLINE_URLS = (f"{API}/services", f"{API}/structures")
SNAPSHOT_SERVICES = "services-demonstration.pages.jsonl"
SNAPSHOT_STRUCTURES = "structures-demonstration.pages.jsonl"
TOKEN_ENV = "DATA_INCLUSION_TOKEN"
PAGE_SIZE = 1000  # the API allows up to 10 000; smaller pages keep each answer well under its timeouts
MAX_PAGES = 200  # safety net against a paging loop
REFUSALS = {
    401: f"data·inclusion : jeton refusé (absent, invalide ou expiré) ; vérifier la variable {TOKEN_ENV}",
    403: f"data·inclusion : ce jeton n'ouvre pas l'accès aux données (portée « api » requise) ; "
         f"demander à data·inclusion un jeton API pour {TOKEN_ENV}",
}
COLUMNS = [
    "source", "id_service", "structure_id", "nom_structure", "reseaux_porteurs", "nom", "thematiques",
    "publics", "code_commune", "zone_eligibilite", "latitude", "longitude",
]


def _pages(session: requests.Session, url: str, departement: str, token: str) -> bytes:
    pages, page = [], 1
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    while page <= MAX_PAGES:
        response = get(session, url, {"code_departement": departement, "page": page, "size": PAGE_SIZE}, headers,
                       REFUSALS)
        body = json_body(response.content, url, "data·inclusion", "items")
        pages.append(response.content.decode("utf-8").replace("\n", " "))
        last = body.get("pages")
        if not body["items"] or last is None or page >= int(last):
            break
        page += 1
    return ("\n".join(pages) + "\n").encode("utf-8")


def fetch(session: requests.Session, settings) -> list[Fetched]:
    token = settings.data_inclusion_token.strip()
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
    structures = {item.get("id"): item for item in (_items(structures_path) if structures_path else [])}
    rows = []
    for s in services:
        if not s.get("id") or not s.get("source"):
            raise ParseError(f"{services_path.name} : service sans 'id' ou sans 'source' ({str(s)[:120]})")
        structure = structures.get(s.get("structure_id")) or {}
        rows.append({
            "source": s["source"],
            "id_service": str(s["id"]),
            "structure_id": s.get("structure_id"),
            "nom_structure": structure.get("nom"),
            "reseaux_porteurs": _codes(structure.get("reseaux_porteurs")),
            "nom": s.get("nom"),
            "thematiques": _codes(s.get("thematiques")),
            "publics": _codes(s.get("publics")),
            "code_commune": s.get("code_insee"),
            "zone_eligibilite": _codes(s.get("zone_eligibilite")),
            "latitude": s.get("latitude"),
            "longitude": s.get("longitude"),
        })
    df = pd.DataFrame(rows, columns=COLUMNS).drop_duplicates(["source", "id_service"], keep="first")
    out = df.astype({c: "string" for c in COLUMNS[:-2]})
    for column in ("latitude", "longitude"):  # WGS84 degrees of the service's address, null when not geocoded
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    return out.reset_index(drop=True)
