"""The live system, as `make demo` leaves it: the Airflow stack (infra/airflow/stack.sh start refresh) and a real
Superset serving the warehouse it publishes (tests/superset/server.py, as make demo runs init.sh, import_assets.sh
and serve.sh), on a temporary OBS_VAR_DIR / AIRFLOW_HOME and free ports; the stack gets Superset's URL and
service account, so each scheduled publish invalidates and warms the dashboards (observatoire/dashboards.py).

- The API answers, both DAGs are unpaused, the next `refresh` is at 02:30 Paris time; a valid partner file dropped
  in the inbox is ingested, built and published by a `partner_intake` run that nobody triggered, and a copil member
  opening « Qualité des données » in headless Chromium then sees its figures through Superset's cache.
- A broken file dropped in the inbox is published as a refusal on « Qualité des données » (read as a copil member
  with `force: false`), every other published table identical.
- A file dropped right after a publish is picked up by the next `@continuous` run with no trigger; the stack
  stopped while `partner_intake` builds it, then started again: the file is published exactly once, the
  warehouse untouched in between, the writer lock released; idle runs are no more than one per sensor timeout
  (14 min); then `stack.sh stop` leaves no process behind.

Prints the latencies and the stack's resident memory (tests assert no time). The three tests share the module's
stack and Superset, in this order.
"""

from __future__ import annotations

import csv
import fcntl
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
import requests

from core.settings import REPO_ROOT
from extract.raw import sql_literal
from observatoire.airflow_api import AirflowAPI, from_stack_file, tree_rss_kib
from tests.helpers import make_settings, query, sha256
from tests.partners.helpers import EXAMPLES
from tests.superset import server
from tests.superset.browser import chart_answers, rows_shown
from tests.superset.roles_matrix import ACCOUNTS
from tests.superset.superset_api import SupersetClient, query_context

pytestmark = pytest.mark.slow

STACK = REPO_ROOT / "infra" / "airflow" / "stack.sh"
PASSWORD = "mot-de-passe-de-test"
QUALITY = "qualite-donnees"
RECEPTIONS_CHART = "Fichiers reçus, acceptés ou refusés, avec leurs motifs"
# what a refused file may change in the published warehouse: its reception and the partners' data quality
RECEPTION_TABLES = {"fct_reception_partenaire", "fct_qualite_donnees_partenaires"}
BROKEN = (  # a commune code of four digits: refused whole, with a French report
    "niveau_territoire;code_territoire;code_indicateur;libelle_indicateur;periode;valeur;unite\n"
    "commune;32013;foyers_rsa;Foyers allocataires du RSA;2024;1184;nombre\n"
    "commune;3201;foyers_rsa;Foyers allocataires du RSA;2024;412;nombre\n"
)


def processes_using(var_dir: Path) -> set[int]:
    """Every live process of this working area: its environment names it (the stack exports OBS_VAR_DIR), or it
    works in it (the LocalExecutor's task processes, whose environment the task runner rebuilds)."""
    marker, real = f"OBS_VAR_DIR={var_dir}".encode(), var_dir.resolve()
    found = set()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if marker in (proc / "environ").read_bytes().split(b"\0") or Path(os.readlink(proc / "cwd")) == real:
                found.add(int(proc.name))
        except OSError:
            continue
    return found - {os.getpid()}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    base = tmp_path_factory.mktemp("stack")
    var, home = base / "var", base / "superset"
    home.mkdir()
    superset_env = server.superset_env(home, server.free_port(), secrets.token_urlsafe(18))
    superset_url = f"http://127.0.0.1:{superset_env['SUPERSET_PORT']}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "OBS_", "SUPERSET_"))}
    env.update(OBS_VAR_DIR=str(var), AIRFLOW_HOME=str(var / "airflow"), AIRFLOW_PORT=str(server.free_port()),
               AIRFLOW_ADMIN_PASSWORD=PASSWORD, OBS_DAG_RETRIES="0", OBS_PARTNER_EXAMPLES="no",
               OBS_INBOX_POKE_SECONDS="3",
               # the portraits task still writes every portrait after each publish, in HTML: their PDFs (Chromium
               # printing each one, per run) are test_portraits.py's; this module asserts only the task's success
               OBS_PORTRAITS="html",
               # as var/demo.env after make demo: each publish refreshes Superset's cache (the first one warns)
               SUPERSET_URL=superset_url, SUPERSET_SERVICE_USER="admin",
               SUPERSET_SERVICE_PASSWORD=superset_env["SUPERSET_ADMIN_PASSWORD"])
    started, timings = time.monotonic(), {}
    try:
        with ThreadPoolExecutor(1) as pool:  # Superset's metadata and roles need no warehouse: set up meanwhile
            initialised = pool.submit(server.init, superset_env, timings)
            subprocess.run([str(STACK), "start", "refresh"], env=env, check=True, timeout=1500)
            print(f"\nstack start + first refresh run: {time.monotonic() - started:.0f} s")
            initialised.result()
        accounts = server.serve(superset_env, var / "warehouse" / "observatoire.duckdb", timings)
        print("superset: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))
        yield {"env": env, "var": var, "api": from_stack_file(var / "airflow"), "superset": superset_url,
               "admin": superset_env["SUPERSET_ADMIN_PASSWORD"], "accounts": accounts}
    finally:
        server.stop(superset_env)
        subprocess.run([str(STACK), "stop"], env=env, timeout=120)


def stack_rss(var: Path) -> tuple[int, int]:
    return tree_rss_kib(int((var / "stack" / "supervisord.pid").read_text()))


def drop(var: Path, partner: str, name: str, content: bytes) -> tuple[float, datetime]:
    """A complete file appears at once in the inbox (written hidden, then renamed, as an upload tool does)."""
    inbox = var / "inbox" / partner
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / f".{name}.partial").write_bytes(content)
    dropped = time.monotonic(), datetime.now(ZoneInfo("UTC"))
    (inbox / f".{name}.partial").rename(inbox / name)
    return dropped


def task_states(api: AirflowAPI, run_id: str) -> dict[str, str]:
    tasks = api.call("GET", f"dags/partner_intake/dagRuns/{run_id}/taskInstances")["task_instances"]
    return {t["task_id"]: t["state"] for t in tasks}


def published_dashboards(api: AirflowAPI, run_id: str) -> dict:
    """What the run's publish task returned about Superset (observatoire.dashboards.refresh_dashboards)."""
    value = api.call("GET", f"dags/partner_intake/dagRuns/{run_id}/taskInstances/publish/xcomEntries/"
                            "return_value")["value"]
    return (json.loads(value) if isinstance(value, str) else value)["dashboards"]


def copil(stack) -> tuple[str, str]:
    user = ACCOUNTS["copil"]
    return user, stack["accounts"][user]


def quality_dashboard(stack) -> tuple[int, list[dict]]:
    admin = SupersetClient(stack["superset"], "admin", stack["admin"])
    try:
        dashboard = next(d for d in admin.dashboards() if d["slug"] == QUALITY)
        return dashboard["id"], admin.dashboard_charts(dashboard["id"])
    finally:
        admin.http.close()


def browser_rows(stack) -> tuple[list[dict], list[dict]]:
    """A copil member opens « Qualité des données » in headless Chromium: the chart answers and their rows."""
    dashboard_id, charts = quality_dashboard(stack)
    answers = chart_answers(stack["superset"], *copil(stack), dashboard_id, len(charts))
    assert len(answers) >= len(charts), f"{len(answers)} chart answers for {len(charts)} charts"
    return answers, rows_shown(answers)


def test_stack_runs_the_dags_unattended_and_a_dropped_file_reaches_the_dashboard(stack):
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
    name = "caf32_indicateurs_2024.csv"
    _, before = browser_rows(stack)  # the copil member's view, now in Superset's cache
    assert name not in {row.get("fichier") for row in before}
    with (EXAMPLES / name).open(encoding="utf-8", newline="") as handle:
        data_lines = sum(1 for row in csv.reader(handle, delimiter=";") if any(row)) - 1
    known = finished_runs(api)
    dropped, dropped_at = drop(var, "CAF32", name, (EXAMPLES / name).read_bytes())

    peak = [0]
    done = threading.Event()

    def sample():
        while not done.wait(0.5):
            peak[0] = max(peak[0], stack_rss(var)[1])

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    run = wait_for_ingest_run(api, known, timeout_s=900)
    done.set()
    published_s = time.monotonic() - dropped
    print(f"partner file dropped -> partner_intake run {run['dag_run_id']} {run['state']}: "
          f"{published_s:.1f} s; stack peak during the run {peak[0] / 1024:.0f} MiB resident")
    assert run["state"] == "success" and run["run_type"] == "scheduled"
    tasks = api.call("GET", f"dags/partner_intake/dagRuns/{run['dag_run_id']}/taskInstances")["task_instances"]
    print("  after the drop, each task ended at: " + ", ".join(
        f"{t['task_id']} +{(parse(t['end_date']) - dropped_at).total_seconds():.0f} s"
        for t in sorted(tasks, key=lambda t: t["end_date"] or "") if t["end_date"]))
    states = {t["task_id"]: t["state"] for t in tasks}
    assert states == dict.fromkeys(["wait_for_file", "ingest", "something_to_publish", "dbt_build", "publish",
                                    "portraits"], "success")
    assert not (var / "inbox" / "CAF32" / name).exists()
    received = query(make_settings(var).warehouse_path,
                     "select statut, lignes from marts.fct_reception_partenaire "
                     "where partenaire = 'CAF32' and fichier = ?", [name])
    assert received == [("accepted", data_lines)]
    dashboards = published_dashboards(api, run["dag_run_id"])
    assert dashboards["statut"] == "rafraîchi", dashboards  # the publish invalidated and warmed Superset
    print(f"  publish: Superset invalidated in {dashboards['invalidation_s']} s, dashboards warmed in "
          f"{dashboards['prechauffage']['secondes']} s")

    answers, after = browser_rows(stack)
    print(f"partner file dropped -> its figures in the copil member's browser: {time.monotonic() - dropped:.1f} s")
    shown = [row for row in after if row.get("fichier") == name]
    assert shown and all(row["statut_libelle"] == "accepté" and row["lignes"] == data_lines for row in shown)
    results = [res for body in answers for res in body["result"]]
    assert all(res["is_cached"] for res in results), "the copil member's charts were not served from the warm-up"


def test_a_broken_file_is_published_as_a_refusal_and_nothing_else_changes(stack, tmp_path):
    api: AirflowAPI = stack["api"]
    settings = make_settings(stack["var"])
    dashboard_id, charts = quality_dashboard(stack)
    chart = next(c for c in charts if c["slice_name"] == RECEPTIONS_CHART)
    form_data = {**chart["form_data"], "dashboardId": dashboard_id, "slice_id": chart["id"]}  # as on the dashboard
    viewer = SupersetClient(stack["superset"], *copil(stack))

    def receptions_read() -> dict:  # as the copil member's browser reads the chart: through the cache
        r = viewer.post("/api/v1/chart/data", {**query_context(form_data), "force": False})
        assert r.status_code == 200, r.text[:300]
        return r.json()["result"][0]

    name = "caf32_codes_faux.csv"
    assert name not in {r["fichier"] for r in receptions_read()["data"]}
    assert receptions_read()["is_cached"]  # the copil member's answer now sits in Superset's cache
    previous = shutil.copyfile(settings.warehouse_path, tmp_path / "previous.duckdb")
    known = finished_runs(api)
    last_publish = max(parse(r["end_date"]) for r in api.runs("partner_intake", limit=50) if r["end_date"]
                       and r["dag_run_id"] in known and task_states(api, r["dag_run_id"]).get("publish") == "success")
    dropped, dropped_at = drop(stack["var"], "CAF32", name, BROKEN.encode())
    run = wait_for_ingest_run(api, known, timeout_s=900)
    print(f"\nbroken file dropped {(dropped_at - last_publish).total_seconds():.0f} s after the last publish -> "
          f"its run {run['dag_run_id']} ended: {time.monotonic() - dropped:.1f} s")
    assert run["state"] == "success" and run["run_type"] == "scheduled"  # a continuous run, nobody triggered it
    assert task_states(api, run["dag_run_id"])["publish"] == "success"
    assert published_dashboards(api, run["dag_run_id"])["statut"] == "rafraîchi"
    shown = [r for r in receptions_read()["data"] if r["fichier"] == name]
    print(f"broken file dropped -> its refusal read through the cache as copil: {time.monotonic() - dropped:.1f} s")
    viewer.http.close()
    assert [(r["statut_libelle"], r["lignes"]) for r in shown] == [("refusé", BROKEN.count("\n") - 1)]  # rows read
    assert "code" in shown[0]["motifs"], shown[0]["motifs"]
    assert list((settings.var_dir / "quarantine" / "CAF32").glob(f"*{name}.rapport.md"))

    changed = differing_tables(previous, settings.warehouse_path)
    assert changed <= RECEPTION_TABLES, f"a refused file changed published data: {sorted(changed)}"
    assert "fct_reception_partenaire" in changed


def differing_tables(before: Path, after: Path) -> set[str]:
    """The marts tables whose rows (as multisets) or columns differ between two published warehouses."""
    con = duckdb.connect()
    try:
        con.execute(f"attach {sql_literal(before)} as a (read_only)")
        con.execute(f"attach {sql_literal(after)} as b (read_only)")
        tables = {db: {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_catalog = ? and table_schema = 'marts'",
            [db]).fetchall()} for db in "ab"}
        assert tables["a"] == tables["b"]
        return {t for t in tables["a"] if con.execute(
            f'select count(*) from ((select * from a.marts."{t}" except all select * from b.marts."{t}") '
            f'union all (select * from b.marts."{t}" except all select * from a.marts."{t}"))').fetchone()[0]}
    finally:
        con.close()


def test_housekeeping_removes_airflow_runs_older_than_the_retention(stack):
    """The stack's `housekeeping` program (observatoire/housekeeping.py) runs beside the scheduler; one pass, as
    at 04:15, removes a partner_intake run made 40 days old (its rows' own timestamps, which `airflow db clean`
    reads, and its log files), through the live SQLite database, and keeps the others."""
    var: Path = stack["var"]
    home = var / "airflow"
    supervised = subprocess.run([str(STACK), "status"], env=stack["env"], capture_output=True, text=True, timeout=60)
    assert any(line.split()[:2] == ["housekeeping", "RUNNING"] for line in supervised.stdout.splitlines()), \
        supervised.stdout
    api = from_stack_file(home)
    finished = [r["dag_run_id"] for r in api.runs("partner_intake", limit=50) if r["state"] in {"success", "failed"}]
    assert len(finished) >= 2, finished
    old, kept = finished[-1], finished[:-1]  # newest first: age the oldest
    with sqlite3.connect(home / "airflow.db", timeout=60) as metadata:
        for table, column in (("dag_run", "start_date"), ("task_instance", "start_date"), ("log", "dttm"),
                              ("xcom", "timestamp")):
            metadata.execute(f"update {table} set {column} = datetime({column}, '-40 days') "  # noqa: S608
                             "where dag_id = 'partner_intake' and run_id = ?", [old])
    month_ago = time.time() - 40 * 86400
    old_logs = list((home / "logs" / "dag_id=partner_intake" / f"run_id={old}").rglob("*.log"))
    for path in old_logs:
        os.utime(path, (month_ago, month_ago))
    run = subprocess.run([str(REPO_ROOT / ".venvs/pipeline/bin/python"), "-m", "observatoire.housekeeping", "--once"],
                         env={**stack["env"], "AIRFLOW_HOME": str(home)}, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    with pytest.raises(requests.HTTPError) as gone:
        api.call("GET", f"dags/partner_intake/dagRuns/{old}")
    assert gone.value.response.status_code == 404
    assert all(api.call("GET", f"dags/partner_intake/dagRuns/{r}")["dag_run_id"] == r for r in kept)
    assert old_logs and not any(p.exists() for p in old_logs)
    assert json.loads(run.stdout)["journaux"]["fichiers"] >= len(old_logs)
    assert (home / "housekeeping.json").exists()


def test_stack_stopped_mid_build_loses_nothing_and_publishes_once(stack):
    api: AirflowAPI = stack["api"]
    var: Path = stack["var"]
    settings = make_settings(var)
    history = "select numero, build, empreinte_entrees from meta.publications order by numero"
    before, published = query(settings.warehouse_path, history), sha256(settings.warehouse_path)
    name = "msa_indicateurs_2023_windows1252.csv"
    known = finished_runs(api)
    # the refusal test's run has just published: with @continuous the next run's sensor is already (or about
    # to be) waiting, so nobody triggers anything
    dropped, _ = drop(var, "MSA", name, (EXAMPLES / name).read_bytes())
    building = wait_for_task(api, known, "dbt_build", "running", timeout_s=600)
    print(f"\nfile dropped right after a publish -> {building}'s dbt_build running: "
          f"{time.monotonic() - dropped:.1f} s")
    assert api.runs("partner_intake", limit=1)[0]["run_type"] == "scheduled"  # not triggered by hand

    stopped = time.monotonic()
    subprocess.run([str(STACK), "stop"], env=stack["env"], check=True, timeout=120)
    print(f"stack stopped during {building}'s dbt_build in {time.monotonic() - stopped:.1f} s")
    assert processes_using(var) == set()
    assert sha256(settings.warehouse_path) == published  # the published warehouse untouched
    assert not list(settings.warehouse_path.parent.glob(".*.tmp"))
    with settings.lock_path.open("a+") as handle:  # the writer lock is free
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(handle, fcntl.LOCK_UN)

    restarted = time.monotonic()
    subprocess.run([str(STACK), "start"], env=stack["env"], check=True, timeout=600)
    print(f"stack started again in {time.monotonic() - restarted:.1f} s")
    deadline = time.monotonic() + 900
    while len(query(settings.warehouse_path, history)) == len(before) and time.monotonic() < deadline:
        time.sleep(2)
    print(f"restart -> the file published: {time.monotonic() - restarted:.1f} s")
    wait_until_idle(api, timeout_s=600)

    after = query(settings.warehouse_path, history)
    assert after[:len(before)] == before and len(after) == len(before) + 1, after  # published exactly once
    assert len({build for _, build, _ in after}) == len(after)  # never the same build twice
    received = query(settings.warehouse_path, "select statut from marts.fct_reception_partenaire "
                                              "where partenaire = 'MSA' and fichier = ?", [name])
    assert received == [("accepted",)]  # received once: not lost, not ingested twice
    assert not list((var / "inbox" / "MSA").iterdir())

    runs = api.runs("partner_intake", limit=100)
    span_min = (datetime.now(ZoneInfo("UTC")) - min(parse(r["run_after"]) for r in runs)).total_seconds() / 60
    ingested = sum(1 for r in runs if task_states(api, r["dag_run_id"]).get("ingest") is not None)
    print(f"partner_intake: {len(runs)} runs in {span_min:.0f} min, {ingested} of them ingested")
    # continuous, yet an idle run lasts its sensor's 14-min timeout: no flood of runs in the metadata database
    assert len(runs) - ingested <= 2 + span_min // 14, [(r["dag_run_id"], r["state"]) for r in runs]

    tree = processes_using(var)
    assert tree, "the stack's processes carry OBS_VAR_DIR"
    subprocess.run([str(STACK), "stop"], env=stack["env"], check=True, timeout=120)
    assert processes_using(var) == set()


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def finished_runs(api: AirflowAPI) -> set[str]:
    return {r["dag_run_id"] for r in api.runs("partner_intake", limit=50) if r["state"] in {"success", "failed"}}


def wait_for_ingest_run(api: AirflowAPI, known: set[str], timeout_s: float) -> dict:
    """The partner_intake run that ingested the file: the run that was waiting when it was dropped (or a later
    one; `known`: runs finished before the drop), once finished with its `ingest` task done."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for run in api.runs("partner_intake", limit=5):
            if run["state"] not in {"success", "failed"} or run["dag_run_id"] in known:
                continue
            tasks = api.call("GET", f"dags/partner_intake/dagRuns/{run['dag_run_id']}/taskInstances")
            if any(t["task_id"] == "ingest" and t["state"] in {"success", "failed"}
                   for t in tasks["task_instances"]):
                return run
        time.sleep(1)
    raise AssertionError(f"no partner_intake run ingested the file within {timeout_s:.0f} s "
                         f"(already known runs: {sorted(known)})")


def wait_for_task(api: AirflowAPI, known: set[str], task_id: str, state: str, timeout_s: float) -> str:
    """The id of the partner_intake run (not in `known`) whose `task_id` is in `state`, as soon as it is."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for run in api.runs("partner_intake", limit=3):
            if run["dag_run_id"] not in known and task_states(api, run["dag_run_id"]).get(task_id) == state:
                return run["dag_run_id"]
        time.sleep(0.5)
    raise AssertionError(f"no partner_intake run reached {task_id} = {state} within {timeout_s:.0f} s")


def wait_until_idle(api: AirflowAPI, timeout_s: float) -> None:
    """Until every partner_intake run is finished or only waits for a file (twice in a row): nothing more is
    on its way to a publish."""
    deadline, quiet = time.monotonic() + timeout_s, 0
    while quiet < 2:
        assert time.monotonic() < deadline, f"partner_intake still busy after {timeout_s:.0f} s"
        busy = [run["dag_run_id"] for run in api.runs("partner_intake", limit=5)
                if run["state"] not in {"success", "failed"}
                and any(state is not None for task, state in task_states(api, run["dag_run_id"]).items()
                        if task != "wait_for_file")]
        quiet = 0 if busy else quiet + 1
        time.sleep(3)
