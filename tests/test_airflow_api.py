"""observatoire/airflow_api.py against answers shaped like Airflow 3.3's REST API v2 (the live stack is tested in
test_stack.py): a failed latest run makes `make demo` trigger one new run, not loop; a stopped stack is said so."""

from __future__ import annotations

import json

import pytest
import responses

from observatoire.airflow_api import AirflowAPI, ensure_success, status_lines, write_stack_file

URL = "http://127.0.0.1:9"


def run(run_id: str, state: str) -> dict:
    return {"dag_run_id": run_id, "state": state, "run_type": "scheduled", "start_date": None, "end_date": None}


@pytest.fixture
def api():
    with responses.RequestsMock() as mock:
        mock.post(f"{URL}/auth/token", json={"access_token": "t"}, status=201)
        yield AirflowAPI(URL, "admin", "x"), mock


def test_a_failed_latest_run_triggers_one_new_run_then_waits_for_it(api):
    client, mock = api
    states = iter([[run("scheduled__1", "failed")], [run("manual__2", "running")], [run("manual__2", "success")]])
    mock.add_callback(responses.GET, f"{URL}/api/v2/dags/refresh/dagRuns",
                      callback=lambda _req: (200, {}, json.dumps({"dag_runs": next(states)})))
    mock.post(f"{URL}/api/v2/dags/refresh/dagRuns", json=run("manual__2", "queued"))
    assert ensure_success(client, "refresh", timeout_s=30, poll_s=0)["dag_run_id"] == "manual__2"
    triggers = [c for c in mock.calls if c.request.method == "POST" and "dagRuns" in c.request.url]
    assert len(triggers) == 1 and json.loads(triggers[0].request.body) == {"logical_date": None}


def test_a_triggered_run_that_fails_stops_the_wait_with_a_french_message(api):
    client, mock = api
    states = iter([[run("scheduled__1", "failed")], [run("manual__2", "failed")]])
    mock.add_callback(responses.GET, f"{URL}/api/v2/dags/refresh/dagRuns",
                      callback=lambda _req: (200, {}, json.dumps({"dag_runs": next(states)})))
    mock.post(f"{URL}/api/v2/dags/refresh/dagRuns", json=run("manual__2", "queued"))
    with pytest.raises(RuntimeError, match="Le DAG refresh a échoué"):
        ensure_success(client, "refresh", timeout_s=30, poll_s=0)


def test_status_of_a_stack_never_started(tmp_path):
    assert status_lines(tmp_path / "airflow") == ["Airflow : arrêté (make demo, ou infra/airflow/stack.sh start)"]


def test_unpause_survives_a_locked_sqlite_answer(api):
    """The api-server answers 500 when SQLite is locked by the scheduler (seen under load): PATCH is retried."""
    client, mock = api
    answers = iter([(500, {}, "database is locked"), (200, {}, json.dumps({"is_paused": False}))])
    mock.add_callback(responses.PATCH, f"{URL}/api/v2/dags/refresh", callback=lambda _req: next(answers))
    assert client.unpause("refresh") == {"is_paused": False}


def test_status_says_a_continuous_dag_runs_continuously_and_dates_the_nightly_one(api, tmp_path):
    """`observatoire status`: partner_intake (@continuous) has no next date worth showing, refresh has 02:30."""
    _, mock = api
    passwords = tmp_path / "passwords.json"
    passwords.write_text(json.dumps({"admin": "x"}))
    write_stack_file(tmp_path, URL, "admin", str(passwords), str(tmp_path / "absent.pid"))
    dags = {"refresh": ("30 2 * * *", "2026-12-02T01:30:00Z"),
            "partner_intake": ("@continuous", "2026-12-01T14:07:12Z")}
    for dag_id, (summary, next_run) in dags.items():
        mock.get(f"{URL}/api/v2/dags/{dag_id}", json={"is_paused": False, "timetable_summary": summary,
                                                      "next_dagrun_run_after": next_run})
        mock.get(f"{URL}/api/v2/dags/{dag_id}/dagRuns", json={"dag_runs": [run(f"scheduled__{dag_id}", "success")]})
    lines = "\n".join(status_lines(tmp_path)).splitlines()
    next_runs = [line.split("prochain run : ")[1] for line in lines if "prochain run" in line]
    assert next_runs == ["2026-12-02 02:30 CET", "en continu (dès la fin du run en cours)"]
