"""Chart-data latency of every chart of every dashboard, through Superset's REST API.

    .venvs/pipeline/bin/python bench/dashboards.py [--departement 32] [--repeat 15] [--warehouse PATH]

Builds a warehouse with the real offline pipeline (or takes --warehouse), sets up a throw-away Superset with the
tests' own code (tests/superset/server.py: infra/superset/init.sh, import_assets.sh, serve.sh, in a temporary
SUPERSET_HOME on a free port, generated secrets), then for each chart posts the query its dashboard sends to
/api/v1/chart/data: `cold` with force=true (cache bypassed: the query runs on DuckDB each time), `cached` with
force=false after a warm-up (a data-cache hit). Prints median and p95 in ms per chart and overall. Target: p95 <
500 ms cold for the Gers. Nothing is asserted (CONVENTIONS: a test never asserts a wall-clock time).
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "superset"))
sys.path.insert(0, str(REPO))

from superset_api import SupersetClient, query_context  # noqa: E402

from tests.superset import server  # noqa: E402


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def perimeter(warehouse: Path) -> str:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        departement, scope = con.execute("select departement, perimetre from meta.publication").fetchone()
    finally:
        con.close()
    return "France entière" if scope == "france" else f"département {departement}"


@contextmanager
def throwaway_superset(warehouse: Path, home: Path, **settings: str) -> Iterator[tuple[str, str]]:
    """A Superset set up exactly as the tests do it (tests/superset/server.py: init.sh, import_assets.sh, serve.sh)
    in `home`, on a free port, with generated secrets, the product's default limits and extra environment
    `settings`; yields (base URL, admin password)."""
    env = {**server.operator_env(home, server.free_port(), secrets.token_urlsafe(18)), **settings}
    try:
        server.start(env, warehouse, timings={})
        yield f"http://127.0.0.1:{env['SUPERSET_PORT']}", env["SUPERSET_ADMIN_PASSWORD"]
    finally:
        server.stop(env)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--departement", default="32")
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--warehouse", type=Path)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_dashboards_"))
    if args.warehouse:
        warehouse = args.warehouse.resolve()
    else:
        from observatoire.refresh import refresh
        from tests.helpers import make_settings

        settings = make_settings(work / "var", departement=args.departement)
        t0 = time.monotonic()
        refresh(settings)
        warehouse = settings.warehouse_path
        print(f"entrepôt construit en {time.monotonic() - t0:.1f} s : {warehouse}")
    with throwaway_superset(warehouse, work / "superset") as (base_url, password):
        client = SupersetClient(base_url, "admin", password)
        all_cold, all_cached = [], []
        print(f"\n{'tableau de bord / graphique':<78} {'froid méd':>9} {'p95':>6} {'cache méd':>9} {'p95':>6}  (ms)")
        for dash in client.dashboards():
            for chart in client.dashboard_charts(dash["id"]):
                body = query_context({**chart["form_data"], "dashboardId": dash["id"], "slice_id": chart["id"]})
                timings = {True: [], False: []}
                for force in (True, False):
                    body["force"] = force
                    warm = client.post("/api/v1/chart/data", body)  # warm-up (fills the cache)
                    if warm.status_code != 200:
                        sys.exit(f"{chart['slice_name']}: HTTP {warm.status_code} {warm.text[:500]}")
                    for _ in range(args.repeat):
                        t0 = time.perf_counter()
                        r = client.post("/api/v1/chart/data", body)
                        timings[force].append((time.perf_counter() - t0) * 1000)
                        r.raise_for_status()
                all_cold += timings[True]
                all_cached += timings[False]
                name = f"{dash['dashboard_title']} / {chart['slice_name']}"[:78]
                print(
                    f"{name:<78} {statistics.median(timings[True]):9.0f} {p95(timings[True]):6.0f} "
                    f"{statistics.median(timings[False]):9.0f} {p95(timings[False]):6.0f}"
                )
        print(
            f"\n{'TOUS LES GRAPHIQUES':<78} {statistics.median(all_cold):9.0f} {p95(all_cold):6.0f} "
            f"{statistics.median(all_cached):9.0f} {p95(all_cached):6.0f}"
        )
        verdict = "atteinte" if p95(all_cold) < 500 else "NON atteinte"
        print(f"cible p95 froid < 500 ms ({perimeter(warehouse)}) : {verdict}")
        client.http.close()


if __name__ == "__main__":
    main()
