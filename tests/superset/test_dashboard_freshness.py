"""After a publish, charts read through Superset's cache (`force: false`, as a browser reads them) show the new
warehouse, and the dashboards are warm for their first visitor.

The chart « Fichiers reçus, acceptés ou refusés » (dashboard « Qualité des données ») is read through the cache
and cached; then a warehouse with one more partner reception is published by the real `publish_build`, which
calls the real invalidation and warm-up against this session's Superset (observatoire/dashboards.py). The API
read and a headless Chromium opening the dashboard as a copil member must both see the new reception, and the
copil member's chart queries must be answered from the cache the warm-up (run as the service account) filled.
The session's warehouse is put back at the end.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from browser import chart_answers
from roles_matrix import ACCOUNTS
from superset_api import SupersetClient, query_context

from observatoire.dbt_build import AUDIT_FILE
from observatoire.refresh import publish_build

pytestmark = pytest.mark.slow

CHART_NAME = "Fichiers reçus, acceptés ou refusés, avec leurs motifs"
NEW_FILE = "caf32_nouveau_depot_test.csv"


def _read_cached(client: SupersetClient, form_data: dict) -> dict:
    r = client.post("/api/v1/chart/data", {**query_context(form_data), "force": False})
    assert r.status_code == 200, r.text[:500]
    return r.json()["result"][0]


def _build_with_one_more_reception(session_build: Path, target_dir: Path) -> Path:
    """A copy of the session's tested build whose partner receptions gain one file (what an extra partner file
    ingested before a refresh adds to that mart)."""
    target_dir.mkdir(parents=True)
    build = target_dir / session_build.name
    shutil.copy(session_build, build)
    shutil.copy(session_build.parent / AUDIT_FILE, target_dir / AUDIT_FILE)
    con = duckdb.connect(str(build))
    try:
        con.execute("insert into marts.fct_reception_partenaire select * replace (? as fichier, "
                    "recu_le + interval 1 day as recu_le) from marts.fct_reception_partenaire limit 1", [NEW_FILE])
    finally:
        con.close()
    return build


def test_cached_chart_shows_new_figures_after_publish(superset_server, refreshed, tmp_path, monkeypatch):
    settings, result = refreshed["settings"], refreshed["result"]
    session_build = Path(result["build"]["build_path"])
    admin = SupersetClient(superset_server.base_url, superset_server.username, superset_server.password)
    dashboard = next(d for d in admin.dashboards() if d["slug"] == "qualite-donnees")
    form_data = next(c["form_data"] for c in admin.dashboard_charts(dashboard["id"]) if c["slice_name"] == CHART_NAME)

    before = _read_cached(admin, form_data)
    assert _read_cached(admin, form_data)["is_cached"], "the second read should come from Superset's cache"
    assert before["rowcount"] > 0 and NEW_FILE not in {row["fichier"] for row in before["data"]}

    monkeypatch.setenv("SUPERSET_URL", superset_server.base_url)
    monkeypatch.setenv("SUPERSET_SERVICE_USER", superset_server.username)
    monkeypatch.setenv("SUPERSET_SERVICE_PASSWORD", superset_server.password)
    new_build = _build_with_one_more_reception(session_build, tmp_path / "build_plus_un")
    try:
        published = publish_build(settings, {**result["build"], "build_path": str(new_build)}, result["sources"])
        dashboards = published["dashboards"]
        assert dashboards["statut"] == "rafraîchi", dashboards
        assert dashboards["jeux_de_donnees"] >= 15  # every dataset of superset_assets/datasets/
        warmed = dashboards["prechauffage"]["tableaux"]
        superset_server.timings["dashboards: invalidation after publish"] = dashboards["invalidation_s"]
        superset_server.timings["dashboards: warm-up of every dashboard"] = dashboards["prechauffage"]["secondes"]
        assert "qualite-donnees" in warmed and "panorama-social" in warmed
        for slug, w in warmed.items():
            superset_server.timings[f"dashboards: warm-up {slug}"] = w["secondes"]
            assert w["erreurs"] == 0 and w["requetes"] >= w["graphiques"], (slug, w)

        after = _read_cached(admin, form_data)
        assert NEW_FILE in {row["fichier"] for row in after["data"]}, "the cached read still shows the old warehouse"
        assert after["rowcount"] == before["rowcount"] + 1

        charts = len(admin.dashboard_charts(dashboard["id"]))
        copil = ACCOUNTS["copil"]  # the warm-up ran as the service account; the copil member must hit its cache
        answers = chart_answers(superset_server.base_url, copil, superset_server.password_of(copil),
                                         dashboard["id"], charts)
        results = [res for body in answers for res in body.get("result", [])]
        assert len(answers) >= charts, f"{len(answers)} chart answers for {charts} charts"
        assert all(res["is_cached"] for res in results), "the warm-up did not fill the browser's cache keys"
        shown = {row.get("fichier") for res in results for row in res.get("data", [])}
        assert NEW_FILE in shown, "the browser does not see the new reception"
    finally:
        # the session's warehouse back and its caches invalidated; no warm-up (it was proven above, and the
        # later tests read with their own cache keys): the restore's publish runs without Chromium
        monkeypatch.setenv("OBS_CHROMIUM", str(tmp_path / "sans-chromium"))
        restored = publish_build(settings, result["build"], result["sources"])
        assert restored["dashboards"]["statut"] == "rafraîchi", restored["dashboards"]
        admin.http.close()
