"""Pipeline time of one partner file through the partner_intake DAG's task functions (issue #16).

Usage: .venvs/pipeline/bin/python bench/partner_file.py [--departement 32] [--runs 3] [--var-dir DIR]
A full offline refresh first (not timed; `--var-dir` reuses a working area that already has a published
warehouse), then, per run, a new valid CAF file is dropped into the inbox and the DAG's tasks run one after
the other, each in a FRESH Python process as Airflow 3's LocalExecutor runs them: ingest →
something_to_publish → dbt_build → publish (observatoire/tasks.py). Printed per task: the body's own time
(from the first import of observatoire.tasks to its return) and the process' wall time (interpreter start
included). Then as many files through `airflow dags test partner_intake`, with the task durations Airflow
records (`--no-airflow` skips it). « Pipeline time » = the sum of the four tasks' times (the scheduler's gaps
between tasks and the portraits after the publish are not counted); goal < 10 s.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venvs" / "pipeline" / "bin" / "python"
EXAMPLE = ROOT / "data" / "examples" / "partenaires" / "caf32_indicateurs_2024.csv"
TASKS = ("ingest", "something_to_publish", "dbt_build", "publish")
# One task in a fresh process: import the task module, call the body with the previous results (XComs).
RUNNER = """
import json, sys, time
started = time.perf_counter()
from observatoire import tasks
name, args = sys.argv[1], json.loads(sys.argv[2])
result = getattr(tasks, name)(*args)
print("@@" + json.dumps({"seconds": time.perf_counter() - started, "result": result}, default=str))
"""


def run_task(name: str, args: list, env: dict[str, str]) -> tuple[float, float, object]:
    started = time.perf_counter()
    run = subprocess.run([str(PYTHON), "-c", RUNNER, name, json.dumps(args)], env=env, capture_output=True,
                         text=True)
    wall = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit(f"task {name} failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    out = json.loads(next(line[2:] for line in run.stdout.splitlines() if line.startswith("@@")))
    return out["seconds"], wall, out["result"]


def drop_partner_file(var_dir: str, year: int) -> None:
    """A new valid file from CAF32 in the inbox: the example's rows moved to `year` (not a duplicate)."""
    inbox = Path(var_dir) / "inbox" / "CAF32"
    inbox.mkdir(parents=True, exist_ok=True)
    text = EXAMPLE.read_text(encoding="utf-8").replace(";2024;", f";{year};").replace(";2024-06;", f";{year}-06;")
    (inbox / f"caf32_indicateurs_{year}.csv").write_text(text, encoding="utf-8")


def pipeline(env: dict[str, str], year: int) -> dict[str, tuple[float, float]]:
    drop_partner_file(env["OBS_VAR_DIR"], year)
    figures = {}
    body, wall, handled = run_task("ingest", [1], env)
    figures["ingest"] = (body, wall)
    body, wall, needed = run_task("something_to_publish", [handled], env)
    figures["something_to_publish"] = (body, wall)
    if not needed:
        sys.exit("something_to_publish: nothing to publish — the file was not taken into account")
    body, wall, built = run_task("dbt_build", [f"bench_{year}"], env)
    figures["dbt_build"] = (body, wall)
    if not built.get("partiel"):
        print("  (warning: the build was not partial)")
    body, wall, _ = run_task("publish", [built], env)
    figures["publish"] = (body, wall)
    return figures


def through_airflow(env: dict[str, str], year: int) -> dict[str, tuple[float, float]]:
    """The same file through `airflow dags test partner_intake` (every task in one process, SQLite metadata
    under $OBS_VAR_DIR/airflow): the task durations Airflow records, for the same four tasks."""
    drop_partner_file(env["OBS_VAR_DIR"], year)
    run = subprocess.run([str(ROOT / "infra" / "airflow" / "run_dag.sh"), "partner_intake"], env=env,
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"airflow dags test partner_intake failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    con = sqlite3.connect(Path(env["OBS_VAR_DIR"]) / "airflow" / "airflow.db")
    rows = dict(con.execute("select task_id, duration from task_instance where run_id = (select run_id from dag_run "
                            "where dag_id = 'partner_intake' order by start_date desc limit 1)").fetchall())
    con.close()
    return {name: (rows[name], rows[name]) for name in TASKS}


def report(runs: list[dict[str, tuple[float, float]]], args: argparse.Namespace, how: str, columns: str) -> None:
    print(f"\ndépartement {args.departement}, offline, {len(runs)} partner file(s), {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; median of the runs ({how})")
    print(f"{'task':<22} {columns}")
    for name in TASKS:
        body = statistics.median(run[name][0] for run in runs)
        wall = statistics.median(run[name][1] for run in runs)
        print(f"{name:<22} {body:9.1f} {wall:12.1f}")
    totals = [sum(run[name][0] for name in TASKS) for run in runs]
    walls = [sum(run[name][1] for name in TASKS) for run in runs]
    total = statistics.median(totals)
    print(f"{'pipeline time':<22} {total:9.1f} {statistics.median(walls):12.1f}   "
          f"goal < 10 s: {'met' if total < 10 else 'MISSED'}  (each run: {', '.join(f'{t:.1f}' for t in totals)})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--departement", default="32")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--var-dir", help="a working area with a published warehouse built by this code (no first "
                        "refresh) that has not received these files yet")
    parser.add_argument("--no-airflow", dest="airflow", action="store_false", help="skip airflow dags test")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OBS_", "AIRFLOW"))}
    env.update(OBS_DEPARTEMENT=args.departement, OBS_MODE="offline")
    with tempfile.TemporaryDirectory() as tmp:
        env["OBS_VAR_DIR"] = args.var_dir or tmp
        if not args.var_dir:
            subprocess.run([str(PYTHON.parent / "observatoire"), "refresh", "--offline"], env=env, check=True,
                           capture_output=True)
        years = [2025 if i == 0 else 2024 - i for i in range(2 * args.runs)]
        report([pipeline(env, year) for year in years[:args.runs]], args, "each task in a fresh process",
               f"{'body (s)':>9} {'process (s)':>12}")
        if args.airflow:
            report([through_airflow(env, year) for year in years[args.runs:]], args,
                   "airflow dags test partner_intake: task durations", f"{'Airflow (s)':>9} {'(same)':>12}")


if __name__ == "__main__":
    main()
