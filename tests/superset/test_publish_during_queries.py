"""Chart queries running while the warehouse is republished all succeed (write-audit-publish, os.replace).

Many concurrent chart-data queries (bounded: 8 threads, at most 400 queries, loopback only) hit the session's
Superset while the warehouse it reads is published again several times with the real `publish()`. Each query
uses `force: true`, so it reaches DuckDB instead of Superset's cache. Zero errors are accepted.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest
from superset_api import SupersetClient

from observatoire.publish import publish

pytestmark = pytest.mark.slow

THREADS, MAX_QUERIES, SWAPS = 8, 400, 8


def _published_at(path: Path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select published_at from meta.publication").fetchone()[0]
    finally:
        con.close()


def test_chart_queries_during_publishes_all_succeed(superset_server, refreshed):
    settings, result = refreshed["settings"], refreshed["result"]
    build_path = Path(result["build"]["build_path"])
    assert build_path.exists(), "the session's build file is needed to publish again"
    # the session's own build again: same publication, fingerprint included (test_refresh_unchanged.py relies on it)
    publication = {"departement": settings.departement, "mode": settings.mode,
                   "dbt_version": result["build"].get("dbt_version"), "build_seconds": result["build"].get("seconds"),
                   "empreinte_entrees": result["build"].get("empreinte_entrees")}

    admin = SupersetClient(superset_server.base_url, superset_server.username, superset_server.password)
    form_datas = [c["form_data"] for d in admin.dashboards() if d["slug"] == "panorama-social"
                  for c in admin.dashboard_charts(d["id"])]
    admin.http.close()
    assert form_datas

    before = _published_at(settings.warehouse_path)
    done, lock = threading.Event(), threading.Lock()
    errors: list[str] = []
    counts = {"queries": 0, "swaps": 0}

    def swapper() -> None:
        try:
            for _ in range(SWAPS):
                time.sleep(0.4)
                publish(build_path, settings.warehouse_path, publication, result["sources"])
                counts["swaps"] += 1
        finally:
            time.sleep(0.4)  # queries keep running a little after the last swap
            done.set()

    def worker(index: int) -> None:
        client = SupersetClient(superset_server.base_url, superset_server.username, superset_server.password)
        try:
            i = index
            while not done.is_set():
                with lock:
                    if counts["queries"] >= MAX_QUERIES:
                        return
                    counts["queries"] += 1
                form_data = form_datas[i % len(form_datas)]
                i += 1
                r = client.chart_data(form_data)
                if r.status_code != 200:
                    errors.append(f"{form_data.get('slice_id')}: HTTP {r.status_code} {r.text[:300]}")
                    continue
                for res in r.json()["result"]:
                    if res.get("error") or not res.get("rowcount"):
                        errors.append(f"{form_data.get('slice_id')}: {res.get('error')!r} rows={res.get('rowcount')}")
        finally:
            client.http.close()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=THREADS + 1) as pool:
        futures = [pool.submit(worker, i) for i in range(THREADS)] + [pool.submit(swapper)]
        for future in futures:
            future.result(timeout=600)
    superset_server.timings["publish during queries (s)"] = time.monotonic() - started
    superset_server.timings["publish during queries: queries"] = counts["queries"]

    assert counts["swaps"] == SWAPS and _published_at(settings.warehouse_path) > before
    assert counts["queries"] >= 2 * THREADS, counts
    assert not errors, f"{len(errors)} failed queries of {counts['queries']}:\n" + "\n".join(errors[:10])
