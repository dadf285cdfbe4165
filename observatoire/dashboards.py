"""Fresh dashboards after every publish: invalidate Superset's chart-data cache, then warm the dashboards.

Superset caches each chart query for 24 h (DATA_CACHE_CONFIG). Publishing a new warehouse does not change
the query, so without this step the dashboards keep showing the previous figures.

Invalidation: through Superset's REST API, each dataset of the DuckDB database (the warehouse) gets a new
`extra.observatoire_publication` marker (`PUT /api/v1/dataset/<id>`), which moves its `changed_on`; Superset puts
the dataset's `changed_on` into every chart-data cache key (QueryContextProcessor.query_cache_key), so every
cached answer built on the previous warehouse stops matching — whatever the viewer, role, RLS filter or cache
backend. Not chosen: `POST /api/v1/cachekey/invalidate`: it only knows keys recorded in the metadata DB when
STORE_CACHE_KEYS_IN_METADATA_DB is on, and Superset 6.1 deletes them from `cache_manager.cache`
(CACHE_CONFIG), not from `cache_manager.data_cache` where chart data lives (superset/cachekeys/api.py).

Warm-up: a headless Chromium, logged in with the same session as the API calls (one login per run), opens
each dashboard and waits for every chart, exactly as the first copil visitor's browser will: the queries
(`force: false`) and so the cache keys are the browser's own. Without Chromium the warm-up is skipped.

Configuration (.env.example): SUPERSET_URL, SUPERSET_SERVICE_USER, SUPERSET_SERVICE_PASSWORD (an Admin
account: editing a dataset needs ownership or Admin), OBS_CHROMIUM [/usr/bin/chromium]. When Superset is not
configured or does not answer, the publish stands (the warehouse is the truth) and a French warning says the
dashboards show cached figures until the cache expires.
"""

from __future__ import annotations

import json
import logging
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import Error as PlaywrightError

from core.settings import Settings, load_settings

log = logging.getLogger("observatoire.dashboards")

MARKER = "observatoire_publication"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CHART = '[data-test="chart-grid-component"]'
TIMEOUT_S = 60


class SupersetUnavailable(RuntimeError):
    """Superset did not answer as expected (down, wrong URL, refused login or API error)."""


class Superset:
    """One session-cookie login (the login form, as a browser does), reused by every call of the run."""

    def __init__(self, url: str, user: str, password: str) -> None:
        self.url = url.rstrip("/")
        self.http = requests.Session()
        self.http.headers["Referer"] = self.url
        page = self._call("get", "/login/")
        token = re.search(r'id="csrf_token"\s+value="([^"]+)"', page.text)
        if not token:
            raise SupersetUnavailable(f"pas de formulaire de connexion à {self.url}/login/")
        self.http.headers["X-CSRFToken"] = token.group(1)
        r = self.http.post(f"{self.url}/login/", timeout=30, allow_redirects=False,
                           data={"username": user, "password": password, "csrf_token": token.group(1)})
        if r.status_code not in (302, 303) or "/login" in r.headers.get("Location", ""):
            raise SupersetUnavailable(f"connexion refusée pour le compte « {user} » (SUPERSET_SERVICE_USER)")

    def _call(self, method: str, path: str, **kw: Any) -> requests.Response:
        r = self.http.request(method, f"{self.url}{path}", timeout=TIMEOUT_S, **kw)
        if r.status_code >= 400:
            raise SupersetUnavailable(f"{method.upper()} {path} : HTTP {r.status_code} {r.text[:300]}")
        return r

    def get(self, path: str) -> dict[str, Any]:
        return self._call("get", path).json()

    def listing(self, resource: str, **query: Any) -> list[dict[str, Any]]:
        rows, page = [], 0
        while True:
            q = json.dumps({**query, "page": page, "page_size": 100})
            batch = self._call("get", f"/api/v1/{resource}/", params={"q": q}).json()["result"]
            rows += batch
            if len(batch) < 100:
                return rows
            page += 1

    def warehouse_datasets(self) -> list[int]:
        databases = [d["id"] for d in self.listing("database") if d.get("backend") == "duckdb"]
        return [ds["id"] for db in databases
                for ds in self.listing("dataset", filters=[{"col": "database", "opr": "rel_o_m", "value": db}])]

    def mark_dataset(self, dataset_id: int, marker: str) -> None:
        extra = self.get(f"/api/v1/dataset/{dataset_id}")["result"].get("extra") or "{}"
        extra = {**json.loads(extra), MARKER: marker}
        self._call("put", f"/api/v1/dataset/{dataset_id}", json={"extra": json.dumps(extra)})


def refresh_dashboards(settings: Settings | None = None) -> dict[str, Any]:
    """Invalidate then warm; never raises: a failure is a French warning, the publish stands."""
    settings = settings or load_settings()
    url = settings.superset_url.strip()
    if not url:
        log.warning("Superset non configuré (SUPERSET_URL vide) : cache des tableaux de bord non vidé ; ils "
                    "montreront les chiffres précédents jusqu'à expiration du cache (24 h).")
        return {"statut": "non configuré"}
    started = time.monotonic()
    try:
        superset = Superset(url, settings.superset_service_user, settings.superset_service_password)
        datasets = invalidate(superset)
        invalidated_s = round(time.monotonic() - started, 1)
        warmed = warm_dashboards(superset, settings.chromium)
    except (requests.RequestException, SupersetUnavailable, PlaywrightError) as exc:
        from observatoire.notify import notify

        notify("Tableaux de bord non rafraîchis après la publication",
               f"Superset ({url}) : {exc}. L'entrepôt est bien publié ; les tableaux de bord montrent les "
               "chiffres précédents jusqu'à expiration du cache (24 h) ou jusqu'au prochain rafraîchissement.",
               level="warning", settings=settings)
        return {"statut": "injoignable", "erreur": str(exc)}
    summary = {"statut": "rafraîchi", "jeux_de_donnees": len(datasets), "invalidation_s": invalidated_s,
               "prechauffage": warmed, "total_s": round(time.monotonic() - started, 1)}
    log.info("Tableaux de bord rafraîchis : %s", summary)
    return summary


def invalidate(superset: Superset) -> list[int]:
    marker = datetime.now(UTC).isoformat()
    datasets = superset.warehouse_datasets()
    for dataset_id in datasets:
        superset.mark_dataset(dataset_id, marker)
    return datasets


def warm_dashboards(superset: Superset, chromium: str) -> dict[str, Any]:
    if not Path(chromium).exists():
        log.warning("Préchauffage des tableaux de bord non fait : Chromium absent (%s, OBS_CHROMIUM). Le premier "
                    "visiteur de chaque tableau de bord attendra le calcul de ses graphiques.", chromium)
        return {"statut": "non fait (Chromium absent)"}
    from playwright.sync_api import sync_playwright

    dashboards = [d for d in superset.listing("dashboard") if d.get("published")]
    started, done = time.monotonic(), {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 2200}, locale="fr-FR")
            context.add_cookies([{"name": c.name, "value": c.value, "url": superset.url}
                                 for c in superset.http.cookies])
            page = context.new_page()
            for dashboard in dashboards:
                charts = len(superset.get(f"/api/v1/dashboard/{dashboard['id']}/charts")["result"])
                done[dashboard["slug"] or str(dashboard["id"])] = _open(page, superset.url, dashboard["id"], charts)
        finally:
            browser.close()
    return {"tableaux": done, "secondes": round(time.monotonic() - started, 1)}


def _open(page, base_url: str, dashboard_id: int, expected: int) -> dict[str, Any]:
    """Open one dashboard and wait until every chart's data request has answered (charts scrolled into view:
    Superset draws and queries only the visible ones)."""
    answers: list[int] = []

    def record(response) -> None:
        if "/api/v1/chart/data" in response.url:
            answers.append(response.status)

    started = time.monotonic()
    page.on("response", record)
    try:
        page.goto(f"{base_url}/superset/dashboard/{dashboard_id}/")
        charts = page.locator(CHART)
        if expected:
            charts.nth(expected - 1).wait_for(timeout=TIMEOUT_S * 1000)
        for i in range(charts.count()):
            charts.nth(i).scroll_into_view_if_needed()
        deadline = time.monotonic() + TIMEOUT_S
        while len(answers) < expected and time.monotonic() < deadline:
            page.wait_for_timeout(100)
    finally:
        page.remove_listener("response", record)
    return {"graphiques": expected, "requetes": len(answers), "erreurs": sum(s != 200 for s in answers),
            "secondes": round(time.monotonic() - started, 1)}
