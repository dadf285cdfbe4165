"""Faults the nightly run must survive (issue 6). Each test fails if its protection is removed:
- a source that times out, answers 500 or returns garbage is retried, then its last good landing is kept and
  flagged stale (meta.sources), the other sources still refresh, and the run still publishes;
- a source failing with no previous landing fails the run; a run that kept a source stale sends a warning;
- a refresh killed (SIGKILL) in the middle of the dbt build leaves the published warehouse byte-identical (the
  build goes to a file of its own);
- a publish killed (SIGKILL) once the new warehouse is written, before it replaces the published one, leaves the
  published warehouse byte-identical (copy to a temporary file, then os.replace);
- two refreshes on the same inputs publish the same content.
The HTTP faults come from a server on 127.0.0.1 started by the test; nothing leaves the machine.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

import extract.http
import extract.run
from core.lock import writer_lock
from core.settings import REPO_ROOT
from extract.http import FetchError
from extract.run import ExtractError, extract_all
from observatoire import cli
from observatoire.refresh import publish_build, refresh
from tests.helpers import copy_var, make_settings, sha256

FAILING, HEALTHY = "insee_cog_regions", "insee_cog_departements"



class FaultyServer:
    """/bad/<file> answers with the configured fault; /good/<file> serves the snapshot file. Counts hits."""

    def __init__(self, fault: str):
        self.fault, self.hits = fault, {"bad": 0, "good": 0}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802
                kind = self.path.split("/")[1]
                outer.hits[kind] = outer.hits.get(kind, 0) + 1
                if kind == "good":
                    body = (REPO_ROOT / "data/snapshot" / HEALTHY / Path(self.path).name).read_bytes()
                    status = 200
                elif outer.fault == "timeout":
                    time.sleep(1.5)  # longer than the client's read timeout
                    body, status = b"too late", 200
                elif outer.fault == "500":
                    body, status = b"Internal Server Error", 500
                else:  # garbage: an HTML error page served with 200
                    body, status = b"<html><body>Service temporairement indisponible</body></html>", 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def online(monkeypatch):
    """Point the two sources at a local faulty server. The session is the production one (its retry count) with no
    backoff sleep and a 0.5 s read timeout. `start(fault)` returns the
    server and the sessions the extract built."""
    servers, sessions = [], []

    def start(fault: str) -> tuple[FaultyServer, list]:
        server = FaultyServer(fault)
        servers.append(server)
        for name, path in ((FAILING, "/bad/v_region_2026.csv"), (HEALTHY, "/good/v_departement_2026.csv")):
            source = extract.run.SOURCES[name]
            monkeypatch.setitem(extract.run.SOURCES, name,
                                dataclasses.replace(source, online_urls=(server.url + path,), fetcher=None))
        return server, sessions

    def make_session():
        sessions.append(real_make_session(backoff_factor=0))
        return sessions[-1]

    monkeypatch.setattr(extract.http, "TIMEOUT", (2, 0.5))
    real_make_session = extract.http.make_session
    monkeypatch.setattr(extract.run, "make_session", make_session)
    yield start
    for server in servers:
        server.close()


@pytest.mark.parametrize("fault", ["timeout", "500", "garbage"])
def test_failing_source_is_retried_then_kept_stale(fault, online, tmp_path):
    offline = make_settings(tmp_path / "var")
    first = {r["source"]: r for r in extract_all(offline, sources=[FAILING, HEALTHY])}  # a good landing
    landing = offline.landing_dir / f"{FAILING}.parquet"
    before = sha256(landing)

    server, sessions = online(fault)
    settings = make_settings(tmp_path / "var", OBS_MODE="online")
    results = {r["source"]: r for r in extract_all(settings, sources=[FAILING, HEALTHY])}

    # retried: HTTP errors and timeouts by the session (1 + its retries), the only retry mechanism; a 200 answer
    # that cannot be parsed is fetched once (not retried on top); the session is the one the extract built, as
    # configured in production
    assert len(sessions) == 1
    retries = sessions[0].get_adapter(server.url).max_retries.total
    assert retries >= 1, "the HTTP session must retry 5xx answers and timeouts"
    assert server.hits["bad"] == (1 if fault == "garbage" else 1 + retries)
    stale = results[FAILING]
    assert stale["stale"] is True and stale["error"]
    assert stale["sha256"] == first[FAILING]["sha256"] and stale["rows"] == first[FAILING]["rows"]
    assert stale["last_success"] == first[FAILING]["last_success"]
    assert sha256(landing) == before  # the last good landing is kept, untouched
    fresh = results[HEALTHY]  # the other source still refreshed, online (same bytes: the raw zone keeps the first)
    assert fresh["stale"] is False and fresh["error"] is None and server.hits["good"] == 1


def test_failing_source_without_previous_landing_fails_the_run(online, tmp_path):
    online("500")
    settings = make_settings(tmp_path / "var", OBS_MODE="online")
    with pytest.raises(ExtractError, match=FAILING) as caught:
        extract_all(settings, sources=[FAILING, HEALTHY])
    assert [r["source"] for r in caught.value.results] == [HEALTHY]  # the others were still tried
    assert not (settings.landing_dir / f"{FAILING}.parquet").exists()


def test_refresh_publishes_with_a_stale_source_and_warns(refreshed, tmp_path, monkeypatch, caplog):
    settings = copy_var(refreshed["settings"], tmp_path / "var")
    real_fetch = extract.run.fetch

    def fetch(source, settings, session=None):
        if source.name == FAILING:
            raise FetchError(f"{source.name}: HTTP 503 après 4 nouvelles tentatives")
        return real_fetch(source, settings, session)

    monkeypatch.setattr(extract.run, "fetch", fetch)
    for name in [n for n in os.environ if n.startswith("OBS_")]:  # the CLI reads its settings from the environment
        monkeypatch.delenv(name)
    monkeypatch.setenv("OBS_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("OBS_DEPARTEMENT", settings.departement)
    monkeypatch.setenv("OBS_PORTRAITS", "non")  # as tests/conftest.py: portraits are test_portraits.py's
    with caplog.at_level(logging.WARNING, logger="observatoire.notify"):
        assert cli.main(["refresh"]) == 0  # the run succeeds, as the nightly job runs it
    alerts = [r.getMessage() for r in caplog.records if r.name == "observatoire.notify"]
    assert len(alerts) == 1 and "périmée" in alerts[0] and FAILING in alerts[0] and "HTTP 503" in alerts[0]
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        rows = dict(con.execute("select source, stale from meta.sources").fetchall())
        error, last_success = con.execute(
            "select error, last_success from meta.sources where source = ?", [FAILING]).fetchone()
        regions = con.execute("select count(*) from marts.dim_territoire where niveau = 'region'").fetchone()[0]
        mart = dict(con.execute("select source, statut from marts.fraicheur_sources").fetchall())
    finally:
        con.close()
    assert rows.pop(FAILING) is True and not any(rows.values())
    assert "HTTP 503" in error and last_success is not None
    assert regions > 0  # the stale source's previous data is what was published
    assert mart.pop(FAILING).startswith("Périmée") and set(mart.values()) == {"À jour"}  # dashboard's mart


def _folder(path: Path) -> dict[str, str]:
    """Every entry of a folder: its name and, for a file, its sha256."""
    return {p.name: sha256(p) if p.is_file() else "folder" for p in sorted(path.iterdir())}


def _read_published(warehouse: Path):
    """Open the warehouse as a reader does, check it holds the contract's fact table, return its publication date."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from marts.fct_indicateur_territoire").fetchone()[0] > 0
        return con.execute("select published_at from meta.publication").fetchone()[0]
    finally:
        con.close()


def _kill_when(proc: subprocess.Popen, ready: Callable[[str], bool], what: str) -> None:
    """Read the child's output until a line satisfies `ready`, then SIGKILL it. A watchdog kills a child that
    hangs, so the test cannot hang; no duration is asserted."""
    watchdog = threading.Timer(600, proc.kill)
    watchdog.start()
    try:
        for line in proc.stdout:
            if ready(line):
                break
        else:
            pytest.fail(f"the process ended (exit {proc.wait()}) before {what}")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        watchdog.cancel()
        proc.kill()
        proc.wait(timeout=60)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL


def test_refresh_killed_during_dbt_build_leaves_the_warehouse_identical(refreshed, tmp_path):
    settings = copy_var(refreshed["settings"], tmp_path / "var")
    warehouse_dir = settings.warehouse_path.parent
    before = _folder(warehouse_dir)
    env = {**os.environ, "OBS_VAR_DIR": str(settings.var_dir), "OBS_DEPARTEMENT": "32", "OBS_MODE": "offline"}
    env.pop("OBS_WAREHOUSE_PATH", None)
    proc = subprocess.Popen([str(Path(sys.executable).parent / "observatoire"), "refresh", "--force"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)

    def a_quarter_of_the_build_done(line: str) -> bool:  # dbt's progress lines: "[  11.2 s] 5 of 428 OK created…"
        match = re.search(r"\] (\d+) of (\d+) ", line)
        return match is not None and int(match[1]) >= int(match[2]) // 4

    _kill_when(proc, a_quarter_of_the_build_done, "a quarter of its dbt build")
    assert _folder(warehouse_dir) == before  # the published file, byte-identical, and nothing else written there
    _read_published(settings.warehouse_path)
    with writer_lock(settings.lock_path, timeout_s=2):  # the dead writer's lock went with it
        pass


PUBLISH_THEN_WAIT = """
import sys
from pathlib import Path

import observatoire.publish as p

real_copy_marts = p._copy_marts


def copy_marts_then_wait(*args):
    tables = real_copy_marts(*args)
    print("written", flush=True)  # the new warehouse is complete, not yet handed to readers
    sys.stdin.read()  # until killed
    return tables


p._copy_marts = copy_marts_then_wait
p.publish(Path(sys.argv[1]), Path(sys.argv[2]), {"departement": "32", "mode": "offline"}, [])
"""


def test_publish_killed_before_the_swap_leaves_the_warehouse_identical(refreshed, tmp_path):
    build_path = Path(refreshed["result"]["build"]["build_path"])
    settings = copy_var(refreshed["settings"], tmp_path / "var")
    warehouse = settings.warehouse_path
    published = lambda: {k: v for k, v in _folder(warehouse.parent).items() if not k.startswith(".")}  # noqa: E731
    before = published()
    assert warehouse.name in before
    proc = subprocess.Popen([sys.executable, "-c", PUBLISH_THEN_WAIT, str(build_path), str(warehouse)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _kill_when(proc, lambda line: line.strip() == "written", "its new warehouse was written")
    finally:
        proc.stdin.close()
    # what readers open (every file but hidden temporary ones) is untouched, and still readable
    assert published() == before
    published_at = _read_published(warehouse)
    leftovers = sorted(warehouse.parent.glob(f".{warehouse.name}.*.tmp"))
    assert leftovers  # the killed publish's half-written file
    # the next publish (as the pipeline runs it, under the writer lock) goes through and clears what was left
    publish_build(settings, refreshed["result"]["build"], [])
    assert _read_published(warehouse) > published_at
    assert not any(path.exists() for path in leftovers)


def _table_contents(con, catalog: str) -> dict[str, list]:
    names = [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_catalog = ? and table_schema = 'marts' "
        "order by 1", [catalog]).fetchall()]
    rounded = lambda row: repr(tuple(f"{v:.6g}" if isinstance(v, float) else v for v in row))  # noqa: E731
    # the dates of this run's extract attempts are the only columns expected to differ
    run_dates = {"fraicheur_sources": " exclude (derniere_reussite, derniere_tentative)"}
    return {name: sorted(con.execute(f'select *{run_dates.get(name, "")} from {catalog}.marts."{name}"').fetchall(),
                         key=rounded) for name in names}


def test_two_refreshes_on_the_same_inputs_publish_identical_content(refreshed, tmp_path):
    # two runs of the same code from the same raw zone, landing and snapshot history: the session's refresh
    # (its published warehouse, kept aside by the first copy) and a forced one on a copy of its working area
    first = copy_var(refreshed["settings"], tmp_path / "var1")
    settings = copy_var(refreshed["settings"], tmp_path / "var2")
    assert sha256(first.warehouse_path) == sha256(settings.warehouse_path)
    refresh(settings, force=True)
    assert sha256(first.warehouse_path) != sha256(settings.warehouse_path)  # a new file was published
    con = duckdb.connect()
    try:
        con.execute(f"attach '{first.warehouse_path}' as a (read_only)")
        con.execute(f"attach '{settings.warehouse_path}' as b (read_only)")
        a, b = _table_contents(con, "a"), _table_contents(con, "b")
        columns = "source, sha256, fetched_at, origin, mode, est_demonstration, rows, stale, error"
        sources = [con.execute(f"select {columns} from {db}.meta.sources order by source").fetchall() for db in "ab"]
    finally:
        con.close()
    assert a.keys() == b.keys() and len(a) >= 3
    for name in a:
        # bit-identical: summed measures are exact decimals (dbt_project/macros/mesure_exacte.sql), whatever the threads
        assert a[name] == b[name], f"marts.{name} differs between two refreshes of the same inputs"
    assert sources[0] == sources[1]  # last_success is the run's own date; everything else is the same
