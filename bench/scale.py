"""Refresh time, peak memory and warehouse size for one département and for all of France, then chart latency
on the national warehouse.

    .venvs/pipeline/bin/python bench/scale.py [--departement 32] [--runs 1] [--no-dashboards]

Each refresh is the real offline pipeline (`observatoire refresh --offline --scope …`) in its own process, from
an empty working area (temporary OBS_VAR_DIR), as a first nightly run would be. Peak memory is that process's
maximum resident set size (os.wait4; dbt runs inside it). Chart latency is bench/dashboards.py run against the
national warehouse (cold = Superset cache bypassed). Targets (issue 6, on the 2-core machine): national
refresh < 5 min and < 10 GB of memory; chart p95 < 500 ms cold. Nothing is asserted: figures are printed.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venvs" / "pipeline" / "bin"


def refresh(scope: str, departement: str, var_dir: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (GiB) of one offline refresh in a child process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OBS_", "AIRFLOW"))}
    env.update(OBS_VAR_DIR=str(var_dir), OBS_DEPARTEMENT=departement, OBS_SCOPE=scope, OBS_MODE="offline")
    log = var_dir.parent / f"refresh-{scope}.log"
    started = time.perf_counter()
    with log.open("w") as out:
        child = subprocess.Popen([str(VENV_BIN / "observatoire"), "refresh", "--offline"], env=env,
                                 stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if child.returncode != 0:
        sys.exit(f"refresh {scope} failed (exit {child.returncode}), log: {log}\n{log.read_text()[-3000:]}")
    return elapsed, usage.ru_maxrss / 1024**2  # ru_maxrss is in KiB on Linux


def describe(warehouse: Path) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        levels = dict(con.execute("select niveau, count(*) from marts.dim_territoire group by 1").fetchall())
        facts, years = con.execute(
            "select count(*), count(distinct annee) from marts.fct_indicateur_territoire").fetchone()
    finally:
        con.close()
    return {"levels": levels, "facts": facts, "years": years, "size_mib": warehouse.stat().st_size / 1024**2}


def total_memory_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    except (ValueError, OSError):
        return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departement", default="32")
    parser.add_argument("--runs", type=int, default=1, help="refreshes per scope (median reported)")
    parser.add_argument("--no-dashboards", action="store_true", help="skip the chart latency measurement")
    args = parser.parse_args()
    print(f"{date.today().isoformat()} — {platform.node()}, {os.cpu_count()} cœurs, "
          f"{total_memory_gib():.0f} Gio, Python {platform.python_version()}, DuckDB {duckdb.__version__}")
    work = Path(tempfile.mkdtemp(prefix="bench_scale_"))
    results = {}
    for scope in ("departement", "france"):
        times, peaks = [], []
        for run in range(args.runs):
            var_dir = work / f"{scope}-{run}" / "var"
            var_dir.mkdir(parents=True)
            seconds, peak = refresh(scope, args.departement, var_dir)
            times.append(seconds)
            peaks.append(peak)
        warehouse = work / f"{scope}-{args.runs - 1}" / "var" / "warehouse" / "observatoire.duckdb"
        results[scope] = {"seconds": statistics.median(times), "peak_gib": max(peaks),
                          "warehouse": warehouse, **describe(warehouse)}

    print(f"\n{'périmètre':<28} {'rafraîch.':>10} {'mémoire max':>12} {'entrepôt':>10} {'communes':>9} "
          f"{'EPCI':>6} {'faits':>9} {'années':>7}")
    for scope, r in results.items():
        label = f"département {args.departement}" if scope == "departement" else "France entière"
        print(f"{label:<28} {r['seconds']:9.1f}s {r['peak_gib']:10.2f}Gio {r['size_mib']:8.1f}Mio "
              f"{r['levels'].get('commune', 0):9d} {r['levels'].get('epci', 0):6d} {r['facts']:9d} {r['years']:7d}")
    national = results["france"]
    print(f"cibles France : rafraîchissement < 300 s ({national['seconds']:.1f} s), mémoire < 10 Gio "
          f"({national['peak_gib']:.2f} Gio)")

    if not args.no_dashboards:
        print("\nLatence des graphiques sur l'entrepôt national (bench/dashboards.py) :", flush=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / "dashboards.py"), "--warehouse",
                        str(national["warehouse"]), "--departement", args.departement], check=True)
    print(f"\nJournaux et entrepôts : {work}")


if __name__ == "__main__":
    main()
