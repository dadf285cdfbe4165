"""
### Rafraîchissement nocturne de l'observatoire

Extrait chaque source déclarée dans `extract/registry.py` (instantané embarqué par défaut, API publiques
si `OBS_MODE=online`), reçoit les fichiers déposés par les partenaires dans la boîte de dépôt
(`OBS_INBOX_DIR` : validés en entier ou mis en quarantaine avec un rapport), construit l'entrepôt avec
`dbt build` (modèles **et** tests) dans un fichier de
build propre à l'exécution, puis **publie** atomiquement `var/warehouse/observatoire.duckdb`.
Un échec de build ou de test laisse l'entrepôt publié inchangé.

Orchestration only: every task calls a function of `observatoire.refresh`, the same code as
`observatoire refresh`. XCom carries paths and counts, never data.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from observatoire.lock import WRITER_POOL


def _notify_failure(context) -> None:
    from observatoire.notify import dag_failure_callback

    dag_failure_callback(context)


@dag(
    dag_id="refresh",
    schedule="30 2 * * *",  # every night at 02:30, Paris time
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Paris"),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": int(os.environ.get("OBS_DAG_RETRIES", "2")),  # 0 in end-to-end tests: fail fast
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": True,
        # once a task has failed for good: log + webhook/e-mail when OBS_NOTIFY_* is set (observatoire/notify.py)
        "on_failure_callback": _notify_failure,
    },
    dagrun_timeout=timedelta(hours=2),
    # force: rebuild and publish even when no input changed since the published warehouse
    params={"force": Param(False, type="boolean", description="reconstruire même sans changement")},
    doc_md=__doc__,
    tags=["observatoire", "nightly", "warehouse"],
)
def refresh():
    @task
    def list_sources() -> list[str]:
        from extract.registry import SOURCES

        return list(SOURCES)

    # The extract writes the landing files under the writer lock. retries=0: HTTP faults are retried once, by the
    # session (extract/http.py); a source still failing keeps its previous landing, flagged stale.
    @task(retries=0, pool=WRITER_POOL)
    def extract(source: str) -> dict:
        from observatoire.config import load_settings
        from observatoire.refresh import extract_sources

        (result,) = extract_sources(load_settings(), sources=[source])
        return result

    @task(pool=WRITER_POOL)  # writes the partners' landing tables under the writer lock
    def ingest_partners() -> list[dict]:
        """Partners' inbox first: a refused file is quarantined with its report and does not stop the night."""
        from observatoire.config import load_settings
        from observatoire.refresh import ingest_partners as ingest

        return ingest(load_settings(), progress=print)

    @task.short_circuit(pool=WRITER_POOL)
    def check_inputs(sources: list[dict], partners: list[dict]) -> str | None:
        """The inputs' fingerprint, or None (build and publish skipped) when the published warehouse was built
        from the same inputs; the check is recorded either way."""
        from observatoire.config import load_settings
        from observatoire.refresh import check_inputs as check

        return check(load_settings(), list(sources), force=bool(get_current_context()["params"]["force"]))

    @task(retries=0, pool=WRITER_POOL)  # a failing dbt test is a data problem, not a transient one
    def dbt_build(fingerprint: str) -> dict:
        from observatoire.config import load_settings
        from observatoire.refresh import build, new_build_path

        settings = load_settings()
        run_id = get_current_context()["run_id"]
        return build(settings, new_build_path(settings, run_id), progress=print, fingerprint=fingerprint)

    @task(pool=WRITER_POOL)
    def publish(build_summary: dict, sources: list[dict]) -> dict:
        from observatoire.config import load_settings
        from observatoire.notify import notify_stale_sources
        from observatoire.refresh import publish_build

        force = bool(get_current_context()["params"]["force"])  # forced: republish the same inputs
        published = publish_build(load_settings(), build_summary, list(sources), only_if_new=not force)
        notify_stale_sources(list(sources))  # published, but some sources kept their previous data
        return published

    @task(retries=0)  # after the publish, outside the pool (reads only); never fails: a warning instead
    def portraits(published: dict) -> dict:
        """Portraits de territoire of the published warehouse, archived per publication (observatoire/portraits)."""
        from observatoire.config import load_settings
        from observatoire.portraits.archive import publish_portraits

        return publish_portraits(load_settings())

    extracted = extract.expand(source=list_sources())
    portraits(publish(dbt_build(check_inputs(extracted, ingest_partners())), extracted))


refresh()
