"""The running Airflow stack, started as `make demo` starts it (infra/airflow/stack.sh start refresh) on a
temporary OBS_VAR_DIR / AIRFLOW_HOME and a free port: the API answers, both DAGs are unpaused, the next `refresh`
is at 02:30 Paris time, a partner file dropped in the inbox is ingested, built and published by a
`partner_intake` run that nobody triggered, and `stack.sh stop` leaves no process behind.

Prints the latency from the drop to the successful run and the stack's resident memory (tests assert no time).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from observatoire.airflow_api import AirflowAPI, from_stack_file, tree_rss_kib
from observatoire.config import REPO_ROOT
from tests.helpers import make_settings, query
from tests.partners.helpers import EXAMPLES

STACK = REPO_ROOT / "infra" / "airflow" / "stack.sh"
PASSWORD = "mot-de-passe-de-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def processes_using(var_dir: Path) -> set[int]:
    """Every live process whose environment names this working area (the stack exports OBS_VAR_DIR)."""
    marker = f"OBS_VAR_DIR={var_dir}".encode()
    found = set()
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker in environ.read_bytes().split(b"\0"):
                found.add(int(environ.parent.name))
        except OSError:
            continue
    return found - {os.getpid()}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    var = tmp_path_factory.mktemp("stack") / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "OBS_"))}
    env.update(OBS_VAR_DIR=str(var), AIRFLOW_HOME=str(var / "airflow"), AIRFLOW_PORT=str(free_port()),
               AIRFLOW_ADMIN_PASSWORD=PASSWORD, OBS_DAG_RETRIES="0", OBS_PARTNER_EXAMPLES="no",
               OBS_INBOX_POKE_SECONDS="3")
    started = time.monotonic()
    try:
        subprocess.run([str(STACK), "start", "refresh"], env=env, check=True, timeout=1500)
        print(f"\nstack start + first refresh run: {time.monotonic() - started:.0f} s")
        yield {"env": env, "var": var, "api": from_stack_file(var / "airflow")}
    finally:
        subprocess.run([str(STACK), "stop"], env=env, timeout=120)


def stack_rss(var: Path) -> tuple[int, int]:
    return tree_rss_kib(int((var / "stack" / "supervisord.pid").read_text()))


@pytest.mark.slow
def test_stack_runs_the_dags_unattended_and_stops_cleanly(stack):
    api: AirflowAPI = stack["api"]
    var: Path = stack["var"]
    assert requests.get(f"{api.url}/", timeout=10).status_code == 200  # the UI
    assert api.health()["scheduler"]["status"] == "healthy"
    with pytest.raises(requests.HTTPError):  # the API wants the generated password
        AirflowAPI(api.url, "admin", "mauvais").login()

    dags = {dag_id: api.dag(dag_id) for dag_id in ("refresh", "partner_intake")}
    assert [d["is_paused"] for d in dags.values()] == [False, False]
    next_refresh = parse(dags["refresh"]["next_dagrun_run_after"])
    paris = next_refresh.astimezone(ZoneInfo("Europe/Paris"))
    assert (paris.hour, paris.minute) == (2, 30) and next_refresh > datetime.now(ZoneInfo("UTC"))

    count, kib = stack_rss(var)
    print(f"stack idle: {count} processes, {kib / 1024:.0f} MiB resident")
    known = {r["dag_run_id"] for r in api.runs("partner_intake", limit=50)}
    inbox = var / "inbox" / "CAF32"
    inbox.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(EXAMPLES / "caf32_indicateurs_2024.csv", inbox / ".caf32.partial")
    dropped, dropped_at = time.monotonic(), datetime.now(ZoneInfo("UTC"))
    (inbox / ".caf32.partial").rename(inbox / "caf32_indicateurs_2024.csv")  # a complete file appears at once

    peak = [0]
    done = threading.Event()

    def sample():
        while not done.wait(0.5):
            peak[0] = max(peak[0], stack_rss(var)[1])

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    run = wait_for_ingest_run(api, known, timeout_s=900)
    done.set()
    print(f"partner file dropped -> partner_intake run {run['dag_run_id']} {run['state']}: "
          f"{time.monotonic() - dropped:.1f} s; stack peak during the run {peak[0] / 1024:.0f} MiB resident")
    assert run["state"] == "success" and run["run_type"] == "scheduled"
    tasks = api.call("GET", f"dags/partner_intake/dagRuns/{run['dag_run_id']}/taskInstances")["task_instances"]
    print("  after the drop, each task ended at: " + ", ".join(
        f"{t['task_id']} +{(parse(t['end_date']) - dropped_at).total_seconds():.0f} s"
        for t in sorted(tasks, key=lambda t: t["end_date"] or "") if t["end_date"]))
    states = {t["task_id"]: t["state"] for t in tasks}
    assert states == dict.fromkeys(["wait_for_file", "ingest", "something_accepted", "dbt_build", "publish",
                                    "portraits"], "success")
    assert not (inbox / "caf32_indicateurs_2024.csv").exists()
    received = query(make_settings(var).warehouse_path,
                     "select statut, lignes from marts.fct_reception_partenaire "
                     "where partenaire = 'CAF32' and fichier = 'caf32_indicateurs_2024.csv'")
    assert len(received) == 1 and received[0][0] == "accepted" and received[0][1] > 0

    tree = processes_using(var)
    assert tree, "the stack's processes carry OBS_VAR_DIR"
    subprocess.run([str(STACK), "stop"], env=stack["env"], check=True, timeout=120)
    assert processes_using(var) == set()


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def wait_for_ingest_run(api: AirflowAPI, known: set[str], timeout_s: float) -> dict:
    """The partner_intake run that ingested the file: the run that was waiting when it was dropped (or a later
    one), once finished with its `ingest` task done."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for run in api.runs("partner_intake", limit=5):
            if run["state"] not in {"success", "failed"}:
                continue
            tasks = api.call("GET", f"dags/partner_intake/dagRuns/{run['dag_run_id']}/taskInstances")
            if any(t["task_id"] == "ingest" and t["state"] in {"success", "failed"}
                   for t in tasks["task_instances"]):
                return run
        time.sleep(1)
    raise AssertionError(f"no partner_intake run ingested the file within {timeout_s:.0f} s "
                         f"(already known runs: {sorted(known)})")
