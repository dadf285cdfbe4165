"""Freshness-state store: the last good extract of each source, kept when a later fetch fails.

Two files under the landing folder, always rewritten together: `_sources_state.json` (the last success of each
source: checksum, rows, origin, dates) and `fraicheur_sources.parquet` (that state plus this run's flags: last
attempt, stale, error), read by dbt (`marts.fraicheur_sources`). `extract/run.py` decides what happened to a
source; this module only records it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq

from core.files import atomic_write
from extract import raw

STATE_FILE = "_sources_state.json"  # landing/_sources_state.json: last successful extract of each source
FRESHNESS_LANDING = "fraicheur_sources"  # landing/fraicheur_sources.parquet, read by dbt (marts.fraicheur_sources)
STATE_KEYS = ("sha256", "rows", "est_demonstration", "fetched_at", "origin", "last_success")
_COLUMNS = ["source", "sha256", "lignes", "est_demonstration", "origine", "octets_recus_le", "derniere_reussite",
            "derniere_tentative", "est_perimee", "erreur"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _state_path(landing_dir: Path) -> Path:
    return landing_dir / STATE_FILE


def read_state(landing_dir: Path) -> dict:
    """The last success of each source, by source name (empty before the first extract)."""
    path = _state_path(landing_dir)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def last_good(landing_dir: Path, raw_dir: Path, name: str) -> dict | None:
    """The state entry of the source's landing on disk, or None when there is none to fall back on (no landing,
    or the empty landing of a source that never succeeded). A landing written before freshness was tracked is
    described from the file itself and the raw zone's fetch log."""
    landing = landing_dir / f"{name}.parquet"
    if not landing.exists():
        return None
    previous = read_state(landing_dir).get(name)
    if previous is not None:
        return previous if previous.get("last_success") is not None else None
    table = pq.read_table(landing, columns=["_sha256", "est_demonstration"])
    sha = table.column("_sha256")[0].as_py() if table.num_rows else None
    fetched = next((f for f in reversed(raw.fetches(raw_dir)) if f["source"] == name and f["sha256"] == sha), {})
    return {"sha256": sha, "rows": table.num_rows, "fetched_at": fetched.get("fetched_at"),
            "origin": fetched.get("origin"), "last_success": fetched.get("fetched_at"),
            "est_demonstration": bool(table.num_rows and table.column("est_demonstration")[0].as_py())}


def _read_flags(landing_dir: Path) -> dict:
    path = landing_dir / f"{FRESHNESS_LANDING}.parquet"
    if not path.exists():
        return {}
    table = pq.read_table(path, columns=["source", "derniere_tentative", "est_perimee", "erreur"]).to_pylist()
    return {r["source"]: {"attempt": r["derniere_tentative"], "stale": r["est_perimee"], "error": r["erreur"]}
            for r in table}


def _row(name: str, entry: dict, flags: dict) -> dict:
    return {"source": name, "sha256": entry.get("sha256"), "lignes": entry.get("rows"),
            "est_demonstration": bool(entry.get("est_demonstration")), "origine": entry.get("origin"),
            "octets_recus_le": entry.get("fetched_at"), "derniere_reussite": entry.get("last_success"),
            "derniere_tentative": flags.get("attempt", entry.get("last_success")),
            "est_perimee": bool(flags.get("stale", False)), "erreur": flags.get("error")}


def _record(landing_dir: Path, result: dict, flags: dict, replace: bool = True) -> None:
    """Set the source's state entry from `result` (with `replace` False: only when it has none yet) and its flags
    of this run; rewrite both files."""
    state, all_flags = read_state(landing_dir), _read_flags(landing_dir)
    entry = {k: result.get(k) for k in STATE_KEYS}
    if replace:
        state[result["source"]] = entry
    else:
        state.setdefault(result["source"], entry)
    all_flags[result["source"]] = flags
    atomic_write(_state_path(landing_dir), json.dumps(state, indent=1, sort_keys=True).encode())
    import pandas as pd  # here: the tasks that only read the freshness landing do not pay its import (#16)

    frame = pd.DataFrame([_row(n, e, all_flags.get(n, {})) for n, e in sorted(state.items())], columns=_COLUMNS)
    frame["lignes"] = frame["lignes"].astype("Int64")
    frame["erreur"] = frame["erreur"].astype("string")
    raw.write_landing(frame, landing_dir, FRESHNESS_LANDING, "")


def record_success(landing_dir: Path, result: dict) -> None:
    """A source extracted now: its state is this result, not stale."""
    _record(landing_dir, result, {"attempt": result["last_success"], "stale": False, "error": None})


def record_stale(landing_dir: Path, result: dict) -> None:
    """A source that failed now and keeps its previous landing: its state is kept (taken from `result` when the
    landing predates the state file), flagged stale with the error."""
    _record(landing_dir, result, {"attempt": _now(), "stale": True, "error": result["error"]}, replace=False)


def record_unavailable(landing_dir: Path, result: dict) -> None:
    """A source that failed with no earlier landing: no last success, flagged stale with the error."""
    _record(landing_dir, result, {"attempt": _now(), "stale": True, "error": result["error"]})
