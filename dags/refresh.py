"""
### Rafraîchissement nocturne de l'observatoire

Extrait chaque source déclarée dans `extract/registry.py` (instantané embarqué par défaut, API publiques
si `OBS_MODE=online`), reçoit les fichiers déposés par les partenaires dans la boîte de dépôt
(`OBS_INBOX_DIR` : validés en entier ou mis en quarantaine avec un rapport), construit l'entrepôt avec
`dbt build` (modèles **et** tests) dans un fichier de
build propre à l'exécution, puis **publie** atomiquement `var/warehouse/observatoire.duckdb`.
Un échec de build ou de test laisse l'entrepôt publié inchangé.

Orchestration only: every task is a function of `observatoire.tasks`, which calls `observatoire.refresh`, the
same code as `observatoire refresh`. XCom carries paths and counts, never data.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from core.lock import WRITER_POOL
from core.settings import load_settings
from observatoire import tasks


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
        "retries": load_settings().dag_retries,  # 0 in end-to-end tests: fail fast
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
    # The extract writes the landing files under the writer lock. retries=0: HTTP faults are retried once, by the
    # session (extract/http.py); a source still failing keeps its previous landing, flagged stale.
    extract = task(tasks.extract, retries=0, pool=WRITER_POOL)
    ingest_partners = task(tasks.ingest_partners, pool=WRITER_POOL)  # writes the partners' landing tables

    @task.short_circuit(pool=WRITER_POOL)
    def check_inputs(sources: list[dict], partners: list[dict]) -> str | None:
        """The inputs' fingerprint, or None: nothing changed since the published warehouse, build skipped."""
        return tasks.check_inputs(sources, partners, force=bool(get_current_context()["params"]["force"]))

    @task(retries=0, pool=WRITER_POOL)  # a failing dbt test is a data problem, not a transient one
    def dbt_build(fingerprint: str) -> dict:
        return tasks.dbt_build(get_current_context()["run_id"], fingerprint)

    @task(pool=WRITER_POOL)
    def publish(build_summary: dict, sources: list[dict]) -> dict:
        """Publish (forced: republish the same inputs), then notify the stale sources."""
        return tasks.publish(build_summary, list(sources), force=bool(get_current_context()["params"]["force"]))

    portraits = task(tasks.portraits, retries=0)  # after the publish, outside the pool (reads only); never fails
    extracted = extract.expand(source=task(tasks.list_sources)())
    portraits(publish(dbt_build(check_inputs(extracted, ingest_partners())), extracted))


refresh()
