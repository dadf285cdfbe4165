"""One partner file dropped into the RUNNING stack (`make demo`): its pipeline time, from Airflow's own task records.

Usage (the stack of `make demo` running on this working area):
    .venvs/pipeline/bin/python bench/partner_live.py [--runs 3] [--timeout 600]

Per run: a new valid CAF file (bench/partner_file.py's, moved to another year each time) is dropped into
`$OBS_VAR_DIR/inbox/CAF32/`; nothing is triggered: the continuous `partner_intake` DAG's sensor finds it. Once
that run has published, its task instances are read through the REST API (observatoire/airflow_api.py) and
printed: each task's duration, the pipeline time (ingest + something_to_publish + dbt_build + the publish task
until the new warehouse is in place; the scheduler's gaps, the dashboards' cache refresh and warm-up that the
publish task runs next, and the portraits are not counted) beside the issue #16 goal (≤ 10 s), and the wall time
from the drop to the warehouse in place (sensor poke and scheduling included).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from partner_file import TASKS, drop_partner_file  # noqa: E402

from core.settings import load_settings  # noqa: E402
from observatoire.airflow_api import from_stack_file  # noqa: E402

DAG = "partner_intake"


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def published_run(api, dropped_at: datetime, timeout_s: float) -> tuple[dict, list[dict]]:
    """The partner_intake run that published after the drop, and its task instances."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for run in api.runs(DAG, limit=5):
            tasks = api.call("GET", f"dags/{DAG}/dagRuns/{run['dag_run_id']}/taskInstances")["task_instances"]
            publish = next((t for t in tasks if t["task_id"] == "publish"), None)
            if publish and publish["state"] == "success" and _when(publish["end_date"]) > dropped_at:
                return run, tasks
        time.sleep(1)
    sys.exit(f"aucune publication de {DAG} dans les {timeout_s:.0f} s après le dépôt")


def publish_seconds(api, run_id: str) -> float:
    """Seconds of the publish task until the new warehouse was in place (observatoire.refresh.publish_build's
    `secondes_publication`); the task then refreshes Superset's cache and warms the dashboards."""
    value = api.call("GET", f"dags/{DAG}/dagRuns/{run_id}/taskInstances/publish/xcomEntries/return_value")["value"]
    return float((json.loads(value) if isinstance(value, str) else value)["secondes_publication"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--first-year", type=int, default=2025,
                        help="year of the first file, then the years before it; change it to run again on the same"
                        " working area (a file already received is a duplicate, nothing is published)")
    args = parser.parse_args()
    settings = load_settings()
    api = from_stack_file(settings.airflow_home_dir)
    if api is None:
        sys.exit("pile Airflow arrêtée : lancer d'abord `make demo`.")
    pipeline, walls = [], []
    years = [args.first_year - n for n in range(args.runs)]
    for year in years:
        dropped_at = datetime.now(UTC)
        drop_partner_file(str(settings.var_dir), year)
        run, tasks = published_run(api, dropped_at, args.timeout)
        durations = {t["task_id"]: t["duration"] or 0.0 for t in tasks}
        in_place = publish_seconds(api, run["dag_run_id"])
        total = sum(durations[name] for name in TASKS[:-1]) + in_place
        publish_start = _when(next(t for t in tasks if t["task_id"] == "publish")["start_date"])
        pipeline.append(total)
        walls.append((publish_start - dropped_at).total_seconds() + in_place)
        detail = ", ".join(f"{name} {durations[name]:.1f} s" for name in TASKS)
        print(f"run {run['dag_run_id']}: {detail} (warehouse in place after {in_place:.1f} s, then the dashboards'"
              f" refresh); pipeline {total:.1f} s; drop → published {walls[-1]:.1f} s")
        time.sleep(5)  # let the run end (portraits) before the next drop
    median = statistics.median(pipeline)
    verdict = "met" if median <= 10 else "MISSED"
    print(f"pipeline time, median of {len(pipeline)}: {median:.1f} s (goal ≤ 10 s: {verdict});"
          f" drop → published median {statistics.median(walls):.1f} s (sensor poke and scheduling included)")


if __name__ == "__main__":
    main()
