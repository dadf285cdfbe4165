"""Wall time of an offline refresh of the configured département (default: Gers), bare and through Airflow.

Usage: .venvs/pipeline/bin/python bench/refresh.py [--departement 32] [--runs 1]
Each run starts from an empty working area (temporary OBS_VAR_DIR), as the first nightly run would.
Airflow's one-off metadata set-up (`airflow db migrate`) is timed separately: it is not part of a nightly run.
Then the same refresh again with nothing changed (no-op: fingerprint equal, nothing rebuilt), and forced.
Targets (issue 2): bare refresh < 60 s on the 2-core machine; Airflow adds < 50 % on top; (issue 16) no-op < 3 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venvs" / "pipeline" / "bin"


def timed(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    run = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--departement", default="32")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OBS_", "AIRFLOW"))}
    base.update(OBS_DEPARTEMENT=args.departement, OBS_MODE="offline")
    bare, airflow, migrate, noop, forced = [], [], [], [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(base, OBS_VAR_DIR=f"{tmp}/bare")
            bare.append(timed([str(VENV_BIN / "observatoire"), "refresh", "--offline"], env))
            noop.append(timed([str(VENV_BIN / "observatoire"), "refresh", "--offline"], env))
            forced.append(timed([str(VENV_BIN / "observatoire"), "refresh", "--offline", "--force"], env))
            env = dict(base, OBS_VAR_DIR=f"{tmp}/airflow", AIRFLOW_HOME=f"{tmp}/airflow-home",
                       AIRFLOW__CORE__LOAD_EXAMPLES="False", PATH=f"{VENV_BIN}:{base['PATH']}")
            os.makedirs(env["AIRFLOW_HOME"])
            migrate.append(timed([str(VENV_BIN / "airflow"), "db", "migrate"], env))
            airflow.append(timed([str(ROOT / "infra/airflow/run_dag.sh"), "refresh"], env))
    b, a = statistics.median(bare), statistics.median(airflow)
    print(f"département {args.departement}, offline, {args.runs} run(s), {os.cpu_count()} cores")
    print(f"bare refresh (observatoire refresh)       : {b:6.1f} s   target < 60 s")
    print(f"through Airflow (airflow dags test)       : {a:6.1f} s   overhead {100 * (a - b) / b:+.0f} %  "
          f"(target < +50 %)")
    print(f"one-off Airflow metadata set-up (migrate) : {statistics.median(migrate):6.1f} s")
    print(f"again, nothing changed (no-op)            : {statistics.median(noop):6.1f} s   target < 3 s")
    print(f"again, --force (parsed landings reused)   : {statistics.median(forced):6.1f} s")


if __name__ == "__main__":
    main()
