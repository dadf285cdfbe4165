"""The public Panorama under attack: p95 of the login page and of a public chart while 16 anonymous clients send
the heaviest requests still allowed (issue #12, item 2).

    .venvs/pipeline/bin/python bench/security_load.py [--warehouse PATH] [--clients 16] [--seconds 60]

Sets up a throw-away Superset as the tests do (bench/dashboards.py) over the published warehouse (or builds one),
with the product's default limits (SUPERSET_CHART_QUERY_TIMEOUT, SUPERSET_DUCKDB_*, SUPERSET_WORKER_DATA_LIMIT_MB
unless set in the environment). A probe measures the login page and one public Panorama chart (force=true: the
query runs on DuckDB) for `--baseline` seconds at rest, then while `--clients` anonymous clients loop over the
heaviest requests: the reported custom metric (`list_sum(range(0, 250000 + …))`), a smaller one that runs until
the statement timeout, and every Panorama chart with the cache bypassed. Prints p50/p95/max of the probes, what
the attackers got back (HTTP status counts) and the peak resident memory of the gunicorn workers. Nothing is
asserted (CONVENTIONS: benchmarks print figures).
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dashboards import REPO, p95, throwaway_superset  # noqa: E402
from superset_api import SupersetClient, query_context  # noqa: E402

PANORAMA = "panorama-social"
HEAVY_METRICS = {
    "métrique du signalement (250 000)": "max(list_sum(range(0, 250000 + length(code_territoire))))",
    "métrique jusqu'au délai (60 000)": "max(list_sum(range(0, 60000 + length(code_territoire)))) + count(*) * 0",
}


def panorama_bodies(client: SupersetClient) -> list[tuple[str, dict]]:
    dash = client.get(f"/api/v1/dashboard/{PANORAMA}").json()["result"]
    bodies = []
    for chart in client.dashboard_charts(PANORAMA):
        body = query_context({**chart["form_data"], "dashboardId": dash["id"], "slice_id": chart["id"]})
        bodies.append((chart["slice_name"], body))
    return bodies


def attacks(bodies: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    table = next(body for _, body in bodies if body["form_data"]["viz_type"] == "table")
    heavy = []
    for label, expression in HEAVY_METRICS.items():
        metric = {"expressionType": "SQL", "sqlExpression": expression, "label": "lourd"}
        heavy.append((label, {**table, "queries": [{"columns": [], "metrics": [metric], "row_limit": 10}]}))
    return heavy + [("graphiques du Panorama sans cache", body) for _, body in bodies]


def attacker(base_url: str, plan: list[tuple[str, dict]], stop: threading.Event, outcomes: collections.Counter):
    client = SupersetClient(base_url, None)
    i = 0
    while not stop.is_set():
        label, body = plan[i % len(plan)]
        i += 1
        try:
            r = client.http.post(f"{base_url}/api/v1/chart/data", json=body, timeout=300)
            outcomes[(label, r.status_code)] += 1
        except Exception as ex:  # noqa: BLE001 - a dropped connection is an outcome to count
            outcomes[(label, type(ex).__name__)] += 1
    client.http.close()


def probe(base_url: str, chart: dict, seconds: float) -> dict[str, list[float]]:
    client = SupersetClient(base_url, None)
    timings: dict[str, list[float]] = {"page de connexion": [], "graphique public": []}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for name, call in (
            ("page de connexion", lambda: client.http.get(f"{base_url}/login/", timeout=300)),
            ("graphique public", lambda: client.http.post(f"{base_url}/api/v1/chart/data", json=chart, timeout=300)),
        ):
            t0 = time.perf_counter()
            call().raise_for_status()
            timings[name].append((time.perf_counter() - t0) * 1000)
        time.sleep(0.5)
    client.http.close()
    return timings


def workers_rss(home: Path) -> int:
    master = psutil.Process(int((home / "gunicorn.pid").read_text().strip()))
    return sum(p.memory_info().rss for p in master.children())


def sample_memory(home: Path, stop: threading.Event, peak: list[int]) -> None:
    while not stop.wait(1):
        peak.append(workers_rss(home))


def report(title: str, timings: dict[str, list[float]]) -> None:
    print(f"\n{title}")
    for name, values in timings.items():
        print(
            f"  {name:<20} n={len(values):4d}  p50 {statistics.median(values):7.0f} ms  p95 {p95(values):7.0f} ms"
            f"  max {max(values):7.0f} ms"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warehouse", type=Path, default=REPO / "var" / "warehouse" / "observatoire.duckdb")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--baseline", type=float, default=15)
    args = ap.parse_args()
    if not args.warehouse.is_file():
        sys.exit(f"entrepôt introuvable : {args.warehouse} (lancer `make demo` ou passer --warehouse)")
    home = Path(tempfile.mkdtemp(prefix="bench_security_")) / "superset"
    with throwaway_superset(args.warehouse.resolve(), home) as (base_url, _password):
        bodies = panorama_bodies(SupersetClient(base_url, None))
        chart = bodies[0][1]
        report("au repos", probe(base_url, chart, args.baseline))
        stop, outcomes, peak = threading.Event(), collections.Counter(), [workers_rss(home)]
        plan = attacks(bodies)
        threads = [
            threading.Thread(target=attacker, args=(base_url, plan[i:] + plan[:i], stop, outcomes), daemon=True)
            for i in range(args.clients)
        ]
        for t in threads:
            t.start()
        threading.Thread(target=sample_memory, args=(home, stop, peak), daemon=True).start()
        timings = probe(base_url, chart, args.seconds)
        stop.set()
        for t in threads:
            t.join(timeout=120)
        report(f"pendant l'attaque ({args.clients} clients anonymes, {args.seconds:g} s)", timings)
        print("\nréponses reçues par les attaquants :")
        for (label, status), n in sorted(outcomes.items(), key=str):
            print(f"  {label:<40} {status!s:>22} × {n}")
        rest, top = peak[0] / 2**20, max(peak) / 2**20
        print(f"\nmémoire résidente des workers gunicorn : {rest:.0f} Mio au repos, pic {top:.0f} Mio")


if __name__ == "__main__":
    main()
