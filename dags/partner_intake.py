"""
### Réception des fichiers des partenaires, sans attendre la nuit

En continu, un capteur regarde la boîte de dépôt (`OBS_INBOX_DIR`, par défaut
`$OBS_VAR_DIR/inbox/<partenaire>/<fichier>`) toutes les `OBS_INBOX_POKE_SECONDS` secondes : un run commence
dès que le précédent se termine (planification `@continuous`, un seul run à la fois). S'il y trouve un
fichier, il le fait **valider en entier** (accepté et archivé, ou refusé et mis en quarantaine avec un
rapport en français), puis reconstruit l'entrepôt (`dbt build`, tests compris) et le **publie**. Un fichier
refusé ne change aucune donnée publiée : la nouvelle publication ne diffère de la précédente que par la
réception refusée (tableau de bord « Qualité des données »). Sans fichier, le capteur s'arrête au bout de
14 minutes (ignoré) et le run suivant prend le relais aussitôt : un fichier déposé pendant une publication,
ou juste après, est vu au coup d'œil suivant du capteur.

Rien ne se perd si Airflow s'arrête en cours de route : le capteur se déclenche aussi quand des fichiers déjà
reçus ne sont pas encore publiés (empreinte des entrées différente de celle de l'entrepôt publié), et une
publication déjà faite n'est pas refaite.

La tâche `ingest` met à jour l'Asset `partenaires_landing` (les tables `landing/partenaires_*.parquet`),
auquel un autre DAG peut s'abonner.

Orchestration only: every task is a function of `observatoire.tasks`: `ingest` calls
`observatoire.intake.ingest_partner_inbox` (the code behind `observatoire ingest` and the nightly refresh), then
the build and publish functions of `observatoire.refresh`; `portraits` is the refresh DAG's task.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, PokeReturnValue, dag, get_current_context, task

from core.lock import WRITER_POOL
from core.settings import load_settings
from observatoire import tasks

PARTENAIRES_LANDING = Asset(
    name="partenaires_landing",
    uri="file:///observatoire/landing/partenaires",
    group="observatoire",
)


@dag(
    dag_id="partner_intake",
    # ContinuousTimetable: the next run starts as soon as this one ends (it requires max_active_runs=1), so a
    # sensor always waits; idle, a run lasts the sensor's 14-min timeout, i.e. ~100 metadata runs a day.
    schedule="@continuous",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Paris"),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": load_settings().dag_retries,
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
    @task.sensor(poke_interval=load_settings().inbox_poke_seconds, timeout=14 * 60,
                 mode="poke", soft_fail=True)
    def wait_for_file() -> PokeReturnValue:
        """Done when the inbox holds a file, or when received files are not published yet (a run stopped
        before its publish)."""
        found, done = tasks.pending()
        return PokeReturnValue(is_done=done, xcom_value=found)

    @task(retries=0, pool=WRITER_POOL)
    def dbt_build() -> dict:
        return tasks.dbt_build(get_current_context()["run_id"])

    ingest = task(tasks.ingest, outlets=[PARTENAIRES_LANDING], pool=WRITER_POOL)  # landing tables, writer lock
    publish = task(tasks.publish, pool=WRITER_POOL)
    portraits = task(tasks.portraits, retries=0)  # after the publish, outside the pool (reads only); never fails
    handled = ingest(wait_for_file())
    built = dbt_build()
    task.short_circuit(tasks.something_to_publish)(handled) >> built
    portraits(publish(built))


partner_intake()
