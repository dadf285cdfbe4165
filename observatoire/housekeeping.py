"""Airflow's own housekeeping, for a stack that runs for months: `python -m observatoire.housekeeping`.

`partner_intake` is `@continuous`: idle, one run ends every 14 minutes (~100 a day), each with its task instances,
XComs, event-log rows and task log files, and `refresh` adds a run a night. Nothing in Airflow deletes them, so
the metadata database and the log folder grow without end. Every night at 04:15 (Paris), what is older than
OBS_AIRFLOW_RETENTION_DAYS (30) goes:
- metadata rows, by Airflow's own `airflow db clean` of the per-run tables. The `dag` and `dag_version` tables
  are left out: deleting from them fails on a foreign key in Airflow 3.1-3.3 (apache/airflow#63703, #71864), and
  they hold one row per DAG and DAG version, not per run. `db clean` always keeps each DAG's latest scheduled run;
- log files (`*.log`: tasks, scheduler, DAG processor) not modified since the cut-off, then the folders left
  empty, as the Airflow Helm chart's log groomer does.
Not a DAG: Airflow 3 blocks the metadata database in task processes (the task supervisor replaces
`sql_alchemy_conn`), so, like the Helm chart's `databaseCleanup` CronJob, this runs as a process of its own beside
the scheduler: a supervisord program in the local stack, the `airflow-housekeeping` service in docker-compose.
Each pass is recorded in `$AIRFLOW_HOME/housekeeping.json` (`observatoire status` shows it). The warehouse, the
raw zone and the builds are not touched (their retention: observatoire/refresh.py, observatoire/portraits).
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from zoneinfo import ZoneInfo

from core.files import atomic_write
from core.settings import Settings, load_settings

log = logging.getLogger("observatoire.housekeeping")
PARIS = ZoneInfo("Europe/Paris")
SLOT = (4, 15)  # every night at 04:15 Paris time, after the refresh of 02:30
SLOT_TEXT = f"{SLOT[0]:02d}:{SLOT[1]:02d}"
# Tables with rows per run or per event (`airflow db clean --help` lists them all).
METADATA_TABLES = ("dag_run", "task_instance", "task_instance_history", "task_reschedule", "xcom", "log", "job",
                   "asset_event", "trigger", "callback", "deadline", "import_error", "revoked_token")


def clean_metadata(before: datetime) -> None:
    """`airflow db clean` of METADATA_TABLES before `before`, without archive tables; fails on any error."""
    command = [sys.executable, "-m", "airflow", "db", "clean", "--clean-before-timestamp", before.isoformat(),
               "--tables", ",".join(METADATA_TABLES), "--skip-archive", "--yes", "--error-on-cleanup-failure"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    if run.returncode != 0:
        raise RuntimeError(f"airflow db clean a échoué (code {run.returncode}) :\n{run.stdout[-3000:]}\n"
                           f"{run.stderr[-3000:]}")


def prune_logs(log_dir: Path, before: datetime) -> dict:
    """Delete the `*.log` files under `log_dir` last modified before `before`, then the folders left empty
    (never `log_dir` itself). Returns what was deleted."""
    limit, files, size = before.timestamp(), 0, 0
    for path in log_dir.rglob("*.log"):
        stat = path.stat()
        if path.is_file() and stat.st_mtime < limit:
            path.unlink()
            files, size = files + 1, size + stat.st_size
    folders = 0
    for folder in sorted((p for p in log_dir.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
            folders += 1
    return {"fichiers": files, "octets": size, "dossiers": folders}


def record_path(airflow_home: Path) -> Path:
    return airflow_home / "housekeeping.json"


def last_pass(airflow_home: Path) -> dict | None:
    """The record of the last pass, or None before the first one."""
    try:
        return json.loads(record_path(airflow_home).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def run_once(settings: Settings, now: datetime | None = None) -> dict:
    """One pass: metadata, then logs; recorded in $AIRFLOW_HOME/housekeeping.json."""
    now = now or datetime.now(UTC)
    before = now - timedelta(days=settings.airflow_retention_days)
    clean_metadata(before)
    logs = prune_logs(settings.airflow_home_dir / "logs", before)
    summary = {"passage": now.isoformat(timespec="seconds"), "avant": before.isoformat(timespec="seconds"),
               "tables": list(METADATA_TABLES), "journaux": logs}
    atomic_write(record_path(settings.airflow_home_dir),
                 json.dumps(summary, ensure_ascii=False, indent=1).encode())
    return summary


def next_slot(now: datetime) -> datetime:
    """The next SLOT in Paris strictly after `now` (an aware datetime)."""
    local = now.astimezone(PARIS)
    day = local if local.time() < time_of_day(*SLOT) else local + timedelta(days=1)
    return day.replace(hour=SLOT[0], minute=SLOT[1], second=0, microsecond=0)


def serve() -> None:
    """Forever: sleep until the next slot, run a pass; a failed pass is logged and retried at the next slot."""
    while True:
        wake = next_slot(datetime.now(UTC))
        log.info("prochain entretien : %s", wake.isoformat(timespec="minutes"))
        time.sleep(max(0.0, (wake - datetime.now(PARIS)).total_seconds()))
        try:
            log.info("entretien : %s", json.dumps(run_once(load_settings()), ensure_ascii=False))
        except Exception:  # noqa: BLE001 - a supervised loop: say it and go on
            log.exception("entretien échoué ; nouvel essai au prochain créneau")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m observatoire.housekeeping",
                                     description="entretien d'Airflow : runs et journaux anciens")
    parser.add_argument("--once", action="store_true", help="un passage maintenant, puis sortir")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if args.once:
        print(json.dumps(run_once(load_settings()), ensure_ascii=False, indent=1))
    else:
        serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
