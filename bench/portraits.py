"""How long generating every portrait de territoire of a département takes (issue 15: goal < 60 s for the Gers).

    .venvs/pipeline/bin/python bench/portraits.py [--departement 32] [--warehouse PATH] [--runs 1]

Takes the published warehouse (--warehouse, default $OBS_WAREHOUSE_PATH or var/warehouse/observatoire.duckdb;
without one, builds it with the real offline pipeline in a temporary working area), then runs the step that
follows every publish — every EPCI and territoire d'action, public and partners' versions, HTML and PDF —
into a temporary folder, and prints the wall time split into HTML (marts read, Jinja2) and PDF (headless
Chromium). Nothing is asserted (CONVENTIONS: a test never asserts a wall-clock time).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from core.settings import load_settings  # noqa: E402
from observatoire.portraits import DIFFUSIONS, Portraitiste  # noqa: E402
from observatoire.portraits.generate import print_pdfs  # noqa: E402


def warehouse(args: argparse.Namespace, work: Path) -> Path:
    if args.warehouse:
        return Path(args.warehouse)
    settings = load_settings(OBS_DEPARTEMENT=args.departement)
    if settings.warehouse_path.exists():
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        try:
            (published_for,) = con.execute("select departement from meta.publication").fetchone()
        finally:
            con.close()
        if published_for == args.departement:
            return settings.warehouse_path
    from observatoire.refresh import refresh

    # OBS_PORTRAITS=non: the refresh's own portrait step is measured below instead
    built = load_settings({"OBS_VAR_DIR": str(work / "var"), "OBS_DEPARTEMENT": args.departement,
                           "OBS_PORTRAITS": "non"})
    print(f"Construction de l'entrepôt ({args.departement}, hors ligne)…", flush=True)
    refresh(built)
    return built.warehouse_path


def run_once(path: Path, out: Path) -> dict[str, float]:
    seconds = {"html": 0.0, "pdf": 0.0}
    count = 0
    for diffusion in DIFFUSIONS:
        t0 = time.monotonic()
        artist = Portraitiste(path, diffusion)
        try:
            codes = [t["code_territoire"] for t in artist.codes_du_departement()]
            written = artist.write(codes, out / diffusion, pdf=False)
        finally:
            artist.close()
        seconds["html"] += time.monotonic() - t0
        t0 = time.monotonic()
        print_pdfs(written)
        seconds["pdf"] += time.monotonic() - t0
        count = len(codes)
    return {**seconds, "territoires": count}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departement", default="32")
    parser.add_argument("--warehouse")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-portraits-") as tmp:
        path = warehouse(args, Path(tmp))
        for run in range(1, args.runs + 1):
            r = run_once(path, Path(tmp) / f"run{run}")
            total = r["html"] + r["pdf"]
            print(f"run {run}: {r['territoires']} territoires x {len(DIFFUSIONS)} versions — HTML {r['html']:.1f} s, "
                  f"PDF {r['pdf']:.1f} s, total {total:.1f} s (objectif < 60 s) ; load average "
                  f"{os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
