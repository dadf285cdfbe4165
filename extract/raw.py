"""Raw zone and landing writer (docs/contracts.md §1 and §2).

raw/<source>/<sha256>/<file name as received>, one JSON line per new fetch in raw/_fetches.jsonl.
Bytes already stored add nothing. Landing files are derived data, rewritten whole and atomically (core.files).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from core.files import atomic_path, atomic_write

if TYPE_CHECKING:  # pandas costs ~0.4 s to import: not in the tasks that only fingerprint or publish (#16)
    import pandas as pd

MANIFEST = "_fetches.jsonl"


@dataclass(frozen=True)
class RawFile:
    source: str
    sha256: str
    path: Path
    fetched_at: str
    origin: str
    changed: bool  # True when these bytes were new to the raw zone


def sql_literal(path: Path | str) -> str:
    """A file path as a DuckDB string literal (quotes doubled): for the statements that take no parameter
    there (ATTACH, COPY … TO)."""
    return "'" + str(path).replace("'", "''") + "'"


def fetches(raw_dir: Path) -> list[dict]:
    """Every line of the manifest, oldest first."""
    manifest = raw_dir / MANIFEST
    if not manifest.exists():
        return []
    return [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]


def store(raw_dir: Path, source: str, filename: str, data: bytes, origin: str, mode: str) -> RawFile:
    """Keep `data` in the raw zone unless these exact bytes are already there for this source."""
    sha = hashlib.sha256(data).hexdigest()
    folder = raw_dir / source / sha
    if folder.is_dir() and any(folder.iterdir()):
        stored = next(p for p in sorted(folder.iterdir()) if not p.name.startswith("."))
        previous = [f for f in fetches(raw_dir) if f["source"] == source and f["sha256"] == sha]
        first = previous[0] if previous else {"fetched_at": None, "origin": origin}
        return RawFile(source, sha, stored, first["fetched_at"], first["origin"], changed=False)
    fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
    path = folder / filename
    atomic_write(path, data)
    line = {"source": source, "sha256": sha, "bytes": len(data), "fetched_at": fetched_at,
            "origin": origin, "mode": mode, "file": f"{source}/{sha}/{filename}"}
    with (raw_dir / MANIFEST).open("a", encoding="utf-8") as manifest:
        manifest.write(json.dumps(line, ensure_ascii=False) + "\n")
    return RawFile(source, sha, path, fetched_at, origin, changed=True)


# landing/_landing_keys.json: what each landing was parsed from (see extract.run._landing_key). Kept beside the
# parquet files, not inside them, so that the same rows always give the same bytes.
LANDING_KEYS = "_landing_keys.json"


def write_landing(frame: pd.DataFrame, landing_dir: Path, source: str, sha256: str, key: str = "") -> Path:
    """Write landing/<source>.parquet with a `_sha256` column, atomically (core.files); then record `key`
    (the parquet file first: a run killed in between leaves an outdated key, which only means parsing again)."""
    table = pa.Table.from_pandas(frame.assign(_sha256=sha256), preserve_index=False)
    target = landing_dir / f"{source}.parquet"
    with atomic_path(target, suffix=".parquet") as tmp:
        pq.write_table(table, tmp)
    keys = _landing_keys(landing_dir)
    if keys.get(source) != (key or None):
        keys = {k: v for k, v in (keys | {source: key}).items() if v}
        atomic_write(landing_dir / LANDING_KEYS, json.dumps(keys, indent=1, sort_keys=True).encode())
    return target


def _landing_keys(landing_dir: Path) -> dict[str, str]:
    path = landing_dir / LANDING_KEYS
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def landing_key(landing_dir: Path, source: str) -> str | None:
    """The key landing/<source>.parquet was written with, or None (no file, or written without a key)."""
    return _landing_keys(landing_dir).get(source) if (landing_dir / f"{source}.parquet").is_file() else None
