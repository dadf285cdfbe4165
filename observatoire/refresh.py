"""The nightly job, as plain functions: extract every source → dbt build → publish.

The CLI calls `refresh()`; the Airflow DAG calls the same steps (partners' inbox included) as separate
tasks. Every writing step holds the writer lock, and each build gets its own folder so a publish never
reads a build that another run is rewriting.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from core.lock import writer_lock
from core.settings import Settings
from observatoire.dashboards import refresh_dashboards
from observatoire.dbt_build import run_dbt_build
from observatoire.fingerprint import build_inputs, inputs_fingerprint, published_fingerprint, record_verification
from observatoire.partial import Plan, plan_build, record_build
from observatoire.portraits.archive import portraits_line, publish_portraits
from observatoire.publish import publish, remove_leftovers

Progress = Callable[[str], None]
KEEP_BUILDS = 2  # the newest build folders kept for inspection; older ones are deleted after a publish, except
# the one just published: the next partial build starts from a copy of its file (observatoire/partial.py)


def new_build_path(settings: Settings, run_id: str | None = None) -> Path:
    run_id = run_id or f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{os.getpid()}"
    return settings.build_dir / re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id) / "observatoire_build.duckdb"


def extract_sources(
    settings: Settings, sources: list[str] | None = None, progress: Progress | None = None
) -> list[dict]:
    from extract.run import extract_all

    with writer_lock(settings.lock_path):
        results = extract_all(settings, sources=sources, progress=progress)
    return [dict(r, mode=settings.mode, landing_path=str(r.get("landing_path"))) for r in results]


def ingest_partners(settings: Settings, progress: Progress | None = None) -> list[dict]:
    """Partners' inbox (and, offline for the Gers, the demonstration examples): see observatoire/intake.py."""
    from observatoire.intake import ingest_partner_inbox

    handled = ingest_partner_inbox(settings)
    for item in handled:
        if progress and item["statut"] != "duplicate":
            progress(item["message"])
    return handled


def build(settings: Settings, build_path: Path, progress: Progress | None = None,
          fingerprint: str | None = None, full: bool = False) -> dict:
    """dbt build into `build_path` — only what changed since the published build when that is possible
    (observatoire/partial.py; `full` rebuilds everything); the summary carries the inputs' `fingerprint`,
    stored by the publish."""
    with writer_lock(settings.lock_path):
        inputs, run_date = build_inputs(settings), datetime.now(UTC).date().isoformat()
        plan = Plan(None, None, "construction complète demandée") if full else plan_build(settings, inputs, run_date)
        if progress:
            progress(plan.reason)
        summary = run_dbt_build(settings, build_path, progress, start_from=plan.start_from, select=plan.select,
                                run_date=run_date)
        record_build(settings, build_path, inputs, run_date, plan.start_from)
        return summary | {"empreinte_entrees": fingerprint, "partiel": plan.partial}


def check_inputs(settings: Settings, sources: list[dict], force: bool = False) -> str | None:
    """The inputs' fingerprint when a build is needed; None when they equal the published warehouse's (the
    check is then recorded, and nothing is rebuilt or published). `force` always asks for a build."""
    fingerprint = inputs_fingerprint(settings, sources)
    if force or fingerprint != published_fingerprint(settings.warehouse_path):
        return fingerprint
    record_verification(settings, fingerprint)
    return None


def publish_build(settings: Settings, build_summary: dict, sources: list[dict], only_if_new: bool = False) -> dict:
    """Publish a tested build, then refresh the dashboards. `only_if_new` (partner_intake, which never forces):
    when the published warehouse already has this build's inputs — the same task run again after the stack
    stopped past its swap, or another DAG published them first — nothing is swapped (`deja_publie`)."""
    publication = {
        "departement": settings.departement,
        "perimetre": settings.scope,
        "mode": settings.mode,
        "dbt_version": build_summary.get("dbt_version"),
        "build_seconds": build_summary.get("seconds"),
        "empreinte_entrees": build_summary.get("empreinte_entrees"),
    }
    build_path = Path(build_summary["build_path"])
    started = time.monotonic()
    with writer_lock(settings.lock_path):
        remove_leftovers(settings.warehouse_path)
        fingerprint = publication["empreinte_entrees"]
        if only_if_new and fingerprint and published_fingerprint(settings.warehouse_path) == fingerprint:
            result = {"warehouse_path": str(settings.warehouse_path), "deja_publie": True}
        else:
            result = publish(build_path, settings.warehouse_path, publication, sources)
    prune_builds(settings, keep=build_path.parent)
    result["secondes_publication"] = round(time.monotonic() - started, 2)  # in place; the dashboards' refresh after
    # Outside the writer lock: Superset only reads. Never raises (observatoire/dashboards.py).
    result["dashboards"] = refresh_dashboards()
    return result


def prune_builds(settings: Settings, keep: Path) -> None:
    if not settings.build_dir.is_dir():
        return
    folders = sorted((p for p in settings.build_dir.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for folder in folders[:-KEEP_BUILDS]:
        if folder != keep:
            shutil.rmtree(folder, ignore_errors=True)


def refresh(settings: Settings, progress: Progress | None = None, run_id: str | None = None,
            force: bool = False) -> dict:
    """Extract, ingest, then build and publish — unless every input equals the published warehouse's
    (`unchanged`: the check is recorded, nothing is rebuilt; `force` rebuilds anyway)."""
    say = progress or (lambda _msg: None)
    timings = {}
    started = time.monotonic()
    say(f"Extraction des sources ({settings.mode}, département {settings.departement}, périmètre {settings.scope})…")
    sources = extract_sources(settings, progress=say)
    say("Fichiers des partenaires (boîte de dépôt)…")
    partners = ingest_partners(settings, progress=say)
    timings["extract_s"] = round(time.monotonic() - started, 1)
    fingerprint = check_inputs(settings, sources, force)
    if fingerprint is None:
        timings["total_s"] = round(time.monotonic() - started, 1)
        say("Aucune entrée modifiée depuis la dernière publication : rien à reconstruire "
            "(vérification enregistrée ; --force pour reconstruire quand même).")
        return {"sources": sources, "partners": partners, "unchanged": True, "timings": timings}
    say("Construction de l'entrepôt (dbt build : modèles et tests)…")
    step = time.monotonic()
    summary = build(settings, new_build_path(settings, run_id), progress=say, fingerprint=fingerprint)
    timings["dbt_build_s"] = round(time.monotonic() - step, 1)
    step = time.monotonic()
    published = publish_build(settings, summary, sources)
    timings["publish_s"] = round(time.monotonic() - step, 1)
    say(f"Entrepôt publié : {published['warehouse_path']} ({round(time.monotonic() - started, 1)} s)")
    say(f"Tableaux de bord : {_dashboards_line(published['dashboards'])}")
    step = time.monotonic()
    portraits = publish_portraits(settings)  # a separate step after the publish; never raises
    timings["portraits_s"] = round(time.monotonic() - step, 1)
    timings["total_s"] = round(time.monotonic() - started, 1)
    say(f"Portraits de territoire : {portraits_line(portraits)}")
    return {"sources": sources, "partners": partners, "build": summary, "published": published,
            "portraits": portraits, "unchanged": False, "timings": timings}


def _dashboards_line(summary: dict) -> str:
    if summary["statut"] != "rafraîchi":
        return f"cache Superset non vidé ({summary['statut']}) ; voir l'avertissement ci-dessus."
    warm = summary["prechauffage"]
    warmed = (f"{len(warm['tableaux'])} tableaux de bord préchauffés en {warm['secondes']} s"
              if "tableaux" in warm else f"préchauffage {warm['statut']}")
    return f"cache vidé pour {summary['jeux_de_donnees']} jeux de données, {warmed}."
