"""What a build is made of, as one checksum — so that a refresh with nothing new publishes nothing new.

The fingerprint covers every input of `dbt build` and of the publish: the landing files (sources and partner
files), each source's freshness flags (a source kept stale must be republished as stale), the dbt project,
the pipeline's code and the settings. It is stored in the published warehouse (`meta.publication`); a refresh
whose fingerprint equals the published one only records that it checked (`verification.json` beside the
warehouse) — `observatoire refresh --force` rebuilds anyway.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.files import atomic_write, file_sha256
from core.settings import REPO_ROOT, Settings
from extract.freshness import FRESHNESS_LANDING

VERIFICATION_FILE = "verification.json"
_DBT_SKIPPED = {"target", "logs", "dbt_packages"}  # dbt's own outputs, not inputs


def _files(folder: Path, pattern: str, skipped: set[str] = frozenset()) -> list[Path]:
    return sorted(p for p in folder.rglob(pattern)
                  if p.is_file() and not skipped.intersection(p.relative_to(folder).parts[:1])
                  and not p.name.startswith("."))


def _digest_files(root: Path, files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(file_sha256(path).encode())
    return digest.hexdigest()


def build_inputs(settings: Settings) -> dict:
    """What `dbt build` reads, part by part, so that a build can tell which inputs changed since the last good
    one (observatoire/partial.py): each landing file's checksum, the code (dbt project and pipeline) as one
    checksum, and the settings."""
    landings = [p for p in sorted(settings.landing_dir.glob("*.parquet")) if p.stem != FRESHNESS_LANDING]
    code = _files(settings.dbt_project_dir, "*", _DBT_SKIPPED)
    for package in ("observatoire", "extract"):
        code += _files(REPO_ROOT / package, "*.py")
    return {
        "landing": {p.stem: file_sha256(p) for p in landings},
        "code": _digest_files(REPO_ROOT, code),
        "settings": [settings.departement, settings.scope, settings.mode, settings.millesimes_regionaux],
    }


def inputs_fingerprint(settings: Settings, sources: list[dict], inputs: dict | None = None) -> str:
    """One checksum of the build's inputs and of each source's freshness flags (a source kept stale must be
    republished as stale)."""
    flags = sorted((s["source"], s.get("sha256"), bool(s.get("stale")), s.get("error"),
                    bool(s.get("est_demonstration"))) for s in sources)
    payload = {"inputs": inputs or build_inputs(settings), "flags": flags}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def published_fingerprint(warehouse_path: Path) -> str | None:
    """The fingerprint stored with the published warehouse (None: nothing published, or published before
    fingerprints existed)."""
    if not warehouse_path.is_file():
        return None
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        columns = {r[0] for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'meta' and table_name = 'publication'").fetchall()}
        if "empreinte_entrees" not in columns:
            return None
        return con.execute("select empreinte_entrees from meta.publication").fetchone()[0]
    finally:
        con.close()


def record_verification(settings: Settings, fingerprint: str) -> dict:
    """Write down that the published warehouse was checked against unchanged inputs (shown by `status`)."""
    check = {"verifie_le": datetime.now(UTC).isoformat(timespec="seconds"), "empreinte_entrees": fingerprint}
    atomic_write(settings.warehouse_path.parent / VERIFICATION_FILE, json.dumps(check, indent=1).encode())
    return check


def read_verification(settings: Settings) -> dict | None:
    path = settings.warehouse_path.parent / VERIFICATION_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
