"""Alerting: a failed run calls the notifier (log always; webhook when OBS_NOTIFY_WEBHOOK is set), from the CLI
and from the refresh DAG's on_failure_callback. The webhook receiver runs on 127.0.0.1 in the test."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.settings import REPO_ROOT, load_settings
from observatoire import cli
from observatoire.notify import notify, notify_stale_sources


@pytest.fixture
def webhook():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/hook", received
    httpd.shutdown()
    httpd.server_close()


def test_failed_cli_refresh_notifies(webhook, tmp_path, monkeypatch, caplog):
    url, received = webhook
    monkeypatch.setenv("OBS_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("OBS_TERRITOIRES_FILE", str(tmp_path / "absent.csv"))  # the département's file is missing
    monkeypatch.setenv("OBS_NOTIFY_WEBHOOK", url)
    with caplog.at_level(logging.ERROR, logger="observatoire.notify"):
        assert cli.main(["refresh"]) == 1
    assert len(received) == 1
    alert = received[0]
    assert alert["level"] == "error" and "Échec du rafraîchissement" in alert["title"]
    assert "territoires_action" in alert["details"] and alert["text"].startswith("[Observatoire 32]")
    assert any("Échec du rafraîchissement" in r.getMessage() for r in caplog.records)  # always logged


def test_notify_logs_only_when_nothing_is_configured(caplog):
    with caplog.at_level(logging.ERROR, logger="observatoire.notify"):
        assert notify("test", "détail", settings=load_settings({})) == ["log"]
    assert "test" in caplog.text


def test_unreachable_webhook_does_not_raise(caplog):
    with caplog.at_level(logging.ERROR, logger="observatoire.notify"):
        assert notify("test", settings=load_settings({"OBS_NOTIFY_WEBHOOK": "http://127.0.0.1:9/nothing"})) == ["log"]
    assert "webhook" in caplog.text


def test_refresh_dag_tasks_call_the_notifier_on_failure(webhook, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    url, received = webhook
    monkeypatch.setenv("OBS_NOTIFY_WEBHOOK", url)
    dag = DagBag(dag_folder=str(REPO_ROOT / "dags" / "refresh.py")).dags["refresh"]
    task = dag.get_task("dbt_build")
    callbacks = task.on_failure_callback if isinstance(task.on_failure_callback, list) else [task.on_failure_callback]
    assert callbacks and all(callable(c) for c in callbacks)

    class TI:
        dag_id, task_id = "refresh", "dbt_build"

    for callback in callbacks:  # as Airflow calls it once the task has failed for good
        callback({"dag": dag, "task_instance": TI(), "run_id": "manual__test", "exception": RuntimeError("dbt KO")})
    assert len(received) == 1 and "dbt_build" in received[0]["title"] and "dbt KO" in received[0]["details"]


def test_stale_sources_send_a_warning(webhook, monkeypatch):
    url, received = webhook
    monkeypatch.setenv("OBS_NOTIFY_WEBHOOK", url)
    assert notify_stale_sources([{"source": "a", "stale": False}]) is None
    notify_stale_sources([{"source": "insee_cog_regions", "stale": True, "last_success": "2026-11-01",
                           "error": "HTTP 503"}])
    assert received[0]["level"] == "warning" and "insee_cog_regions" in received[0]["details"]
