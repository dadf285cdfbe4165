"""DAG integrity (imports, settings) and a real end-to-end `airflow dags test refresh`."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from datetime import timedelta

import duckdb
import pytest

from core.lock import WRITER_POOL
from core.settings import REPO_ROOT
from tests.helpers import query

# tasks that write var/ or the warehouse under core.lock.writer_lock
WRITERS = {"refresh": {"extract", "ingest_partners", "check_inputs", "dbt_build", "publish"},
           "partner_intake": {"ingest", "dbt_build", "publish"}}


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(REPO_ROOT / "dags"))


def test_every_dag_imports(dagbag):
    assert dagbag.import_errors == {}
    assert {"refresh", "partner_intake"} <= set(dagbag.dags)


def test_dag_settings(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert str(dag.timezone.name) == "Europe/Paris", dag_id
        assert dag.catchup is False, dag_id
        assert dag.max_active_runs == 1, dag_id
        assert dag.doc_md and dag.tags, dag_id
        assert dag.default_args["retries"] >= 1, dag_id
        assert dag.default_args["retry_delay"] >= timedelta(minutes=1), dag_id


def test_writing_tasks_share_the_one_slot_pool(dagbag):
    """The scheduler, not flock, makes a second writer wait (one-slot pool: infra/airflow/_env.sh, airflow-init)."""
    for dag_id, writers in WRITERS.items():
        pools = {t.task_id: t.pool for t in dagbag.dags[dag_id].tasks}
        assert {task_id for task_id, pool in pools.items() if pool == WRITER_POOL} == writers, dag_id
    for script in ("infra/airflow/_env.sh", "infra/docker/airflow-init.sh"):
        assert f"airflow pools set {WRITER_POOL} 1 " in (REPO_ROOT / script).read_text(), script


def test_refresh_dag_shape(dagbag):
    dag = dagbag.dags["refresh"]
    assert {t.task_id for t in dag.tasks} == {"list_sources", "extract", "ingest_partners", "check_inputs",
                                              "dbt_build", "publish", "portraits"}
    # partners' inbox first, then the comparison of every input with the published warehouse's
    assert dag.get_task("check_inputs").upstream_task_ids == {"extract", "ingest_partners"}
    assert dag.get_task("dbt_build").upstream_task_ids == {"check_inputs"}
    assert dag.get_task("publish").upstream_task_ids == {"dbt_build", "extract"}
    assert dag.get_task("portraits").upstream_task_ids == {"publish"}  # after the publish, never before
    # one retry mechanism: HTTP faults are retried by the extract's session, not again by Airflow
    assert dag.get_task("extract").retries == 0 and dag.default_args["retries"] >= 1
    assert dag.timetable.expression == "30 2 * * *"
    assert str(dag.timetable.timezone.name) == "Europe/Paris"


def test_partner_intake_dag_shape(dagbag):
    dag = dagbag.dags["partner_intake"]
    # a new run as soon as the previous one ends (ContinuousTimetable), one at a time: a sensor always waits
    from airflow.sdk.definitions.timetables.simple import ContinuousTimetable

    assert isinstance(dag.timetable, ContinuousTimetable) and dag.timetable.active_runs_limit == 1
    sensor = dag.get_task("wait_for_file")
    assert sensor.mode == "poke" and sensor.soft_fail and sensor.timeout < 15 * 60
    assert dag.get_task("ingest").upstream_task_ids == {"wait_for_file"}
    assert [o.name for o in dag.get_task("ingest").outlets] == ["partenaires_landing"]
    assert dag.get_task("something_to_publish").upstream_task_ids == {"ingest"}
    assert dag.get_task("dbt_build").upstream_task_ids == {"something_to_publish"}
    assert dag.get_task("publish").upstream_task_ids == {"dbt_build"}
    assert dag.get_task("portraits").upstream_task_ids == {"publish"}


def test_partner_intake_sensor_pokes_the_inbox(dagbag, tmp_path, monkeypatch):
    monkeypatch.setenv("OBS_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("OBS_INBOX_DIR", raising=False)
    poke = dagbag.dags["partner_intake"].get_task("wait_for_file").python_callable
    assert poke().is_done is False
    (tmp_path / "var" / "inbox" / "CAF32").mkdir(parents=True)
    (tmp_path / "var" / "inbox" / "CAF32" / ".en_cours.csv").write_text("x")  # hidden: being uploaded
    assert poke().is_done is False
    (tmp_path / "var" / "inbox" / "CAF32" / "caf.csv").write_text("x")
    result = poke()
    assert result.is_done is True and result.xcom_value == 1


@pytest.mark.slow
def test_airflow_dags_test_refresh_publishes(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "OBS_"))}
    env.update(OBS_VAR_DIR=str(tmp_path / "var"), OBS_DEPARTEMENT="32", OBS_DAG_RETRIES="0", OBS_PORTRAITS="html")
    run = subprocess.run(
        [str(REPO_ROOT / "infra/airflow/run_dag.sh"), "refresh"],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    warehouse = tmp_path / "var/warehouse/observatoire.duckdb"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        (n_sources,) = con.execute("select count(*) from meta.sources").fetchone()
        (n_epci,) = con.execute("select count(*) from marts.dim_territoire where niveau = 'epci'").fetchone()
        # the ingest_partners task ran before dbt_build: the example partner files reached the CTG marts
        (n_actions,) = con.execute("select count(*) from marts.fct_action_ctg where est_demonstration").fetchone()
    finally:
        con.close()
    from extract.registry import SOURCES

    assert n_sources == len(SOURCES)
    assert n_epci > 0
    assert n_actions == 4
    assert not list((tmp_path / "var/warehouse").glob(".*.tmp")), "no temporary file left behind"
    # the portraits task ran after the publish: one per EPCI and territoire d'action, archived as `latest`
    portraits = {p.stem for p in (tmp_path / "var/portraits/latest/public").glob("*-*.html")}
    assert len({p for p in portraits if p.startswith("EPCI-")}) == n_epci and len(portraits) == n_epci + 6
    with sqlite3.connect(tmp_path / "var/airflow/airflow.db") as metadata:
        assert metadata.execute("select slots from slot_pool where pool = ?", [WRITER_POOL]).fetchall() == [(1,)]

    # the next night, nothing changed: check_inputs records the check and skips build and publish
    published = warehouse.read_bytes()
    again = subprocess.run([str(REPO_ROOT / "infra/airflow/run_dag.sh"), "refresh"],
                           env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout[-4000:] + again.stderr[-4000:]
    assert warehouse.read_bytes() == published
    verification = json.loads((tmp_path / "var/warehouse/verification.json").read_text(encoding="utf-8"))
    with sqlite3.connect(tmp_path / "var/airflow/airflow.db") as metadata:
        states = dict(metadata.execute(
            "select task_id, state from task_instance where run_id = "
            "(select run_id from dag_run where dag_id = 'refresh' order by id desc limit 1) "
            "and task_id in ('dbt_build', 'publish')").fetchall())
    assert states == {"dbt_build": "skipped", "publish": "skipped"}
    (fingerprint,) = query(warehouse, "select empreinte_entrees from meta.publication")[0]
    assert verification["empreinte_entrees"] == fingerprint
