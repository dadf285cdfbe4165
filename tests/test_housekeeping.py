"""Airflow's housekeeping (observatoire/housekeeping.py): what is older than the retention leaves the log folder,
what is newer stays; the pass is due every night at 04:15 Paris time, summer and winter. The metadata database
part runs against the live stack in tests/test_stack.py (a run made 40 days old disappears from Airflow's API)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from observatoire.airflow_api import housekeeping_line
from observatoire.housekeeping import PARIS, next_slot, prune_logs

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _log(root: Path, relative: str, age_days: float, now: datetime = NOW) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("journal\n", encoding="utf-8")
    stamp = (now - timedelta(days=age_days)).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def test_old_log_files_and_the_folders_they_leave_empty_go(tmp_path):
    old_task = _log(tmp_path, "dag_id=partner_intake/run_id=old/task_id=wait_for_file/attempt=1.log", 40)
    old_scheduler = _log(tmp_path, "scheduler/2026-10-01/refresh.py.log", 61)
    shared_old = _log(tmp_path, "dag_id=refresh/run_id=r1/task_id=extract/attempt=1.log", 31)
    recent = _log(tmp_path, "dag_id=refresh/run_id=r2/task_id=extract/attempt=1.log", 29)
    not_a_log = _log(tmp_path, "dag_id=refresh/run_id=r1/task_id=extract/notes.json", 90)
    summary = prune_logs(tmp_path, NOW - timedelta(days=30))
    assert not old_task.exists() and not old_scheduler.exists() and not shared_old.exists()
    assert recent.exists() and not_a_log.exists() and tmp_path.exists()
    assert not (tmp_path / "dag_id=partner_intake").exists() and not (tmp_path / "scheduler").exists()
    assert (tmp_path / "dag_id=refresh/run_id=r1/task_id=extract").is_dir()  # still holds notes.json
    assert summary == {"fichiers": 3, "octets": 3 * len("journal\n"), "dossiers": 3 + 2}


@pytest.mark.parametrize("now, expected", [
    ("2026-12-01T02:00:00+00:00", "2026-12-01T04:15:00+01:00"),  # 03:00 in Paris: tonight's slot is still ahead
    ("2026-12-01T03:15:00+00:00", "2026-12-02T04:15:00+01:00"),  # exactly 04:15: the next one
    ("2026-03-28T12:00:00+00:00", "2026-03-29T04:15:00+02:00"),  # the night clocks go forward
    ("2026-10-24T12:00:00+00:00", "2026-10-25T04:15:00+01:00"),  # the night clocks go back
])
def test_the_pass_is_due_at_a_quarter_past_four_in_paris(now, expected):
    slot = next_slot(datetime.fromisoformat(now))
    assert slot.tzinfo == PARIS and slot == datetime.fromisoformat(expected)
    assert slot.utcoffset() == datetime.fromisoformat(expected).utcoffset()


def test_status_says_when_the_last_pass_ran(tmp_path):
    assert housekeeping_line(tmp_path).endswith("aucun passage encore")
    (tmp_path / "housekeeping.json").write_text(
        '{"passage": "2026-12-02T03:15:02+00:00", "avant": "2026-11-02T03:15:02+00:00", "tables": [],'
        ' "journaux": {"fichiers": 12, "octets": 4096, "dossiers": 3}}', encoding="utf-8")
    assert housekeeping_line(tmp_path).endswith(
        "dernier passage 2026-12-02 04:15 CET, runs et journaux d'avant le 2026-11-02 supprimés "
        "(12 fichiers de journal)")
