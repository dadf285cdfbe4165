"""Run extraction: fetch (snapshot copy or HTTP) → raw zone → parse → landing parquet."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pyarrow.parquet as pq
import requests

from core.files import file_sha256
from core.settings import REPO_ROOT, Settings
from extract import freshness, raw
from extract.geography import PERIMETER_LANDINGS
from extract.http import get, make_session
from extract.registry import SOURCES, Fetched, Source

# Contract "int" columns (years, codes of movement, age bounds) land as 32-bit integers; counts stay 64-bit.
INT32_COLUMNS = ("millesime", "annee", "annee_vigueur", "mod", "age_min", "age_max")


class ExtractError(RuntimeError):
    """One or more sources failed with no previous good landing to fall back on; `results` holds the others
    (fresh or stale)."""

    def __init__(self, message: str, results: list[dict]):
        super().__init__(message)
        self.results = results


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _snapshot(source: Source, settings: Settings) -> list[Fetched]:
    files = [settings.snapshot_dir / source.name / f for f in source.snapshot_files]
    return [Fetched(p.name, p.read_bytes(), _relative(p)) for p in files]


def _online(source: Source, settings: Settings, session: requests.Session) -> list[Fetched]:
    if source.fetcher is not None:
        return source.fetcher(session, settings)
    out = []
    for url in source.online_urls:
        response = get(session, url)
        out.append(Fetched(Path(urlparse(url).path).name, response.content, url))
    return out


def fetch(source: Source, settings: Settings, session: requests.Session | None = None) -> tuple[list[Fetched], str]:
    """The source's files as bytes, and the mode actually used ('local', 'offline' or 'online')."""
    if source.local_file is not None:
        path = source.local_file(settings)
        if not path.is_file():
            raise FileNotFoundError(
                f"{source.name} : fichier {path} introuvable. Le département fournit ce fichier "
                "(voir data/territoires/README.md) ; indiquer son chemin dans OBS_TERRITOIRES_FILE."
            )
        return [Fetched(path.name, path.read_bytes(), _relative(path))], "local"
    if settings.mode == "online" and (source.online_urls or source.fetcher):
        return _online(source, settings, session or make_session()), "online"
    return _snapshot(source, settings), "offline"




@cache
def _extract_code_digest() -> str:
    """Checksum of the extract package's code: a changed parser re-parses every source."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def _landing_key(name: str, stored: list, est_demo: bool, settings: Settings) -> str:
    """Everything a source's landing is parsed from: its raw files, the perimeter landings, the parsers' code
    and the settings they read. Same key → the landing already on disk is the one parsing would write."""
    perimeter = [] if name in PERIMETER_LANDINGS else [
        file_sha256(path) if path.is_file() else None
        for path in (settings.landing_dir / f"{p}.parquet" for p in PERIMETER_LANDINGS)]
    parts = [[s.sha256 for s in stored], est_demo, perimeter, _extract_code_digest(),
             settings.departement, settings.scope, str(settings.territoires_file)]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _typed(frame: pd.DataFrame, est_demo: bool) -> pd.DataFrame:
    frame["est_demonstration"] = est_demo
    for column in INT32_COLUMNS:
        if column in frame.columns:
            frame[column] = frame[column].astype("Int32" if frame[column].isna().any() else "int32")
    return frame


def _parse_to_landing(name: str, source: Source, stored: list, est_demo: bool, settings: Settings) -> tuple[Path, int]:
    """Parse the raw files into landing/<name>.parquet, unless the landing on disk has the same key."""
    key = _landing_key(name, stored, est_demo, settings)
    landing = settings.landing_dir / f"{name}.parquet"
    if raw.landing_key(settings.landing_dir, name) == key:
        return landing, pq.read_metadata(landing).num_rows
    frame = _typed(source.parser([s.path for s in stored], settings), est_demo)
    return raw.write_landing(frame, settings.landing_dir, name, stored[0].sha256, key), len(frame)


def extract_source(name: str, settings: Settings, session: requests.Session | None = None) -> dict:
    """Fetch one source into the raw zone and rewrite its landing parquet file (when its inputs changed)."""
    if name not in SOURCES:
        raise KeyError(f"Source inconnue {name!r}. Sources déclarées : {', '.join(SOURCES)}")
    source = SOURCES[name]
    files, mode = fetch(source, settings, session)
    stored = [raw.store(settings.raw_dir, name, f.filename, f.data, f.origin, mode) for f in files]
    est_demo = source.is_demonstration and mode == "offline"
    landing, rows = _parse_to_landing(name, source, stored, est_demo, settings)
    result = {
        "source": name,
        "sha256": stored[0].sha256,
        "rows": rows,
        "landing_path": str(landing),
        "est_demonstration": est_demo,
        "fetched_at": stored[0].fetched_at,
        "origin": stored[0].origin,
        "changed": any(s.changed for s in stored),
        "last_success": datetime.now(UTC).isoformat(timespec="seconds"),
        "stale": False,
        "error": None,
    }
    freshness.record_success(settings.landing_dir, result)
    return result


def stale_result(name: str, settings: Settings, error: str) -> dict | None:
    """The source's previous good landing, flagged stale, or None when there is none to fall back on."""
    previous = freshness.last_good(settings.landing_dir, settings.raw_dir, name)
    if previous is None:
        return None
    landing = settings.landing_dir / f"{name}.parquet"
    result = {"source": name, **previous, "landing_path": str(landing), "changed": False, "stale": True,
              "error": error[:500]}
    freshness.record_stale(settings.landing_dir, result)
    return result


def unavailable_result(name: str, settings: Settings, error: str) -> dict:
    """A source that failed with no earlier landing: an empty landing with the columns and types of its parser (read
    from the embedded snapshot's files, zero rows kept), so that dbt builds the other sources' marts; its freshness
    row has no last success, which marks it and its indicators unavailable (marts.fraicheur_sources,
    marts.dim_indicateur)."""
    source = SOURCES[name]
    files = [settings.snapshot_dir / name / f for f in source.snapshot_files]
    frame = _typed(source.parser(files, settings).iloc[0:0].copy(), False)
    landing = raw.write_landing(frame, settings.landing_dir, name, "")
    result = {"source": name, "sha256": None, "rows": 0, "landing_path": str(landing), "est_demonstration": False,
              "fetched_at": None, "origin": None, "changed": False, "last_success": None, "stale": True,
              "unavailable": True, "error": error[:500]}
    freshness.record_unavailable(settings.landing_dir, result)
    return result


def describe(result: dict) -> str:
    """One line per extracted source, as printed by `python -m extract` and sent to `progress`."""
    flag = "nouveau" if result["changed"] else "inchangé"
    if result.get("unavailable"):
        flag = f"INDISPONIBLE : aucune donnée antérieure, indicateurs marqués indisponibles ({result.get('error')})"
    elif result.get("stale"):
        flag = f"PÉRIMÉ : dernière réussite {result.get('last_success')}, données précédentes conservées"
    demo = " [DÉMONSTRATION]" if result["est_demonstration"] else ""
    return f"{result['source']:<42} {result['rows']:>8} lignes  {(result['sha256'] or '-')[:12]:<12}  {flag}{demo}"


def extract_all(
    settings: Settings,
    sources: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[dict]:
    """Extract every declared source (or `sources`), each isolated from the others' failures.

    Transient HTTP faults (timeouts, 429, 5xx) are retried by the session (extract/http.py, urllib3 `Retry`), the
    one retry mechanism of the package; a body that cannot be parsed is not fetched again in the same run.
    A fetched source (not the département's local files) that still fails keeps its last
    good landing, flagged `stale` (with the error and the date of its last success), so that the refresh goes
    on and publishes the flag. With no previous landing, a source of the territory referential (`essential`)
    fails the run (ExtractError, raised after trying every source); any other is landed empty and flagged
    `unavailable` (see `unavailable_result`), and the run publishes the others.
    `progress` receives one line of text per source extracted (see `describe`)."""
    names = list(SOURCES) if sources is None else list(sources)
    session = make_session() if settings.mode == "online" else None
    results, failures = [], []
    for name in names:
        try:
            result = extract_source(name, settings, session)
        except Exception as exc:  # noqa: BLE001 - isolate each source, report all failures together
            # The département's own files (local_file) are never kept stale: a wrong file must stop the run.
            remote = name in SOURCES and SOURCES[name].local_file is None
            error = f"{type(exc).__name__}: {exc}"
            result = stale_result(name, settings, error) if remote else None
            if result is None and remote and not SOURCES[name].essential:
                result = unavailable_result(name, settings, error)
            if result is None:
                failures.append(f"{name} : {exc}")
                continue
        results.append(result)
        if progress is not None:
            progress(describe(result))
    if failures:
        raise ExtractError("Échec de l'extraction (aucune donnée antérieure à conserver) :\n- "
                           + "\n- ".join(failures), results)
    return results
