"""
### Réception des fichiers des partenaires, sans attendre la nuit

Toutes les 15 minutes (heure de Paris), un capteur regarde la boîte de dépôt (`OBS_INBOX_DIR`, par défaut
`$OBS_VAR_DIR/inbox/<partenaire>/<fichier>`). S'il y trouve un fichier, il le fait **valider en entier**
(accepté et archivé, ou refusé et mis en quarantaine avec un rapport en français), puis, si au moins un
fichier a été accepté, reconstruit l'entrepôt (`dbt build`, tests compris) et le **publie**. Un fichier
refusé ne touche pas l'entrepôt publié. Sans fichier, le capteur s'arrête au bout de 14 minutes (ignoré).

La tâche `ingest` met à jour l'Asset `partenaires_landing` (les tables `landing/partenaires_*.parquet`),
auquel un autre DAG peut s'abonner.

Orchestration only: `ingest` calls `observatoire.intake.ingest_partner_inbox` (the code behind
`observatoire ingest` and the nightly refresh), then the build and publish functions of `observatoire.refresh`.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum
from airflow.sdk import Asset, PokeReturnValue, dag, get_current_context, task

from observatoire.lock import WRITER_POOL

PARTENAIRES_LANDING = Asset(
    name="partenaires_landing",
    uri="file:///observatoire/landing/partenaires",
    group="observatoire",
)


@dag(
    dag_id="partner_intake",
    schedule="*/15 * * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Paris"),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": int(os.environ.get("OBS_DAG_RETRIES", "2")),
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
    },
    dagrun_timeout=timedelta(hours=1),
    doc_md=__doc__,
    tags=["observatoire", "partenaires", "warehouse"],
)
def partner_intake():
    # OBS_INBOX_POKE_SECONDS: how often the inbox is looked at (60 s; the local stack sets it lower).
    # Poke mode: under a running Airflow 3.3 scheduler, reschedule mode fails the sensor now and then when a
    # poke's late "success" reaches the scheduler after the next poke was queued (apache/airflow#71172).
    @task.sensor(poke_interval=int(os.environ.get("OBS_INBOX_POKE_SECONDS", "60")), timeout=14 * 60,
                 mode="poke", soft_fail=True)
    def wait_for_file() -> PokeReturnValue:
        """Done when the inbox holds a file (one cheap directory listing per poke, in one task process)."""
        from observatoire.config import load_settings
        from observatoire.intake import inbox_files

        found = inbox_files(load_settings())
        return PokeReturnValue(is_done=bool(found), xcom_value=len(found))

    @task(outlets=[PARTENAIRES_LANDING], pool=WRITER_POOL)  # writes the landing tables under the writer lock
    def ingest(waiting: int) -> list[dict]:
        from observatoire.config import load_settings
        from observatoire.intake import ingest_partner_inbox

        return ingest_partner_inbox(load_settings(), examples=False)

    @task.short_circuit
    def something_accepted(handled: list[dict]) -> bool:
        """Rebuild only when a file was accepted and a warehouse is already published (else: the night)."""
        from observatoire.config import load_settings

        return any(h["statut"] == "accepted" for h in handled) and load_settings().warehouse_path.exists()

    @task(retries=0, pool=WRITER_POOL)
    def dbt_build() -> dict:
        from observatoire.config import load_settings
        from observatoire.fingerprint import inputs_fingerprint
        from observatoire.intake import published_sources
        from observatoire.refresh import build, new_build_path

        settings = load_settings()
        fingerprint = inputs_fingerprint(settings, published_sources(settings))
        return build(settings, new_build_path(settings, get_current_context()["run_id"]), progress=print,
                     fingerprint=fingerprint)

    @task(pool=WRITER_POOL)
    def publish(build_summary: dict) -> dict:
        from observatoire.config import load_settings
        from observatoire.intake import published_sources
        from observatoire.refresh import publish_build

        settings = load_settings()
        return publish_build(settings, build_summary, published_sources(settings))

    handled = ingest(wait_for_file())
    built = dbt_build()
    @task(retries=0)  # after the publish, outside the pool (reads only); never fails: a warning instead
    def portraits(published: dict) -> dict:
        """Portraits de territoire of the published warehouse, archived per publication (observatoire/portraits)."""
        from observatoire.config import load_settings
        from observatoire.portraits.archive import publish_portraits

        return publish_portraits(load_settings())

    something_accepted(handled) >> built
    portraits(publish(built))


partner_intake()
